// Go's text/tabwriter as the Docker CLI configures it per command: each column as wide as its
// widest cell plus `padding`, and at least `minWidth`; the last cell of a row is not padded.
export function tabwrite(rows: string[][], minWidth: number, padding: number): string {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length + padding, minWidth)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('')).join('\n');
}
