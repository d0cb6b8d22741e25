// Go's text/tabwriter as the Docker CLI configures it (NewWriter(out, minwidth, 1, padding, ' ',
// 0); the formatters' tables use 10 and 3): tab-terminated cells, aligned per column block (a run
// of lines that have that column), each column as wide as its widest cell plus `padding`, and at
// least `minwidth`; the text after a line's last tab is not a cell and is written as it is.

/**
 * A cell's width: its code points, as Go counts runes ([...s].length, without making that
 * array: `ps` of 100 containers asks ~2000 times, ~400 kB of young generation).
 */
export function cellWidth(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--; // a surrogate pair is one code point
        i++;
      }
    }
  }
  return n;
}

const pads: string[] = [];
const pad = (k: number): string => (pads[k] ??= ' '.repeat(k));

/** Rows of cells: the last cell of a row is not padded. */
export function tabwrite(rows: string[][], minWidth: number, padding: number): string {
  const n = rows[0]?.length ?? 0;
  // Rows of n cells each, none with a tab or newline in it (the tables `ps`, `images` … print):
  // each column is one block, as wide as its widest cell plus padding; what the general writer
  // below makes of them, made directly (~0.2 ms where it takes ~1.3 for ps's 100 rows)
  if (n > 0 && rows.every((r) => r.length === n && r.every((c) => !/[\t\n]/.test(c)))) {
    const widths = new Array<number>(n - 1).fill(minWidth);
    for (const r of rows) for (let j = 0; j < n - 1; j++) widths[j] = Math.max(widths[j], cellWidth(r[j]) + padding);
    // one list of pieces, joined once, the pads made once each (~0.3 kB a row, not ~2)
    const pieces: string[] = [];
    for (const r of rows) {
      for (let j = 0; j < n - 1; j++) pieces.push(r[j], pad(widths[j] - cellWidth(r[j])));
      pieces.push(r[n - 1], '\n');
    }
    pieces.pop();
    return pieces.join('');
  }
  // each row written with its newline, as Docker does, and the last newline left off
  return tabwriteText(rows.map((r) => r.join('\t') + '\n').join(''), minWidth, padding).slice(0, -1);
}

/** Text with tab-terminated cells and newline-terminated lines, as written to Go's tabwriter. */
export function tabwriteText(text: string, minwidth = 10, padding = 3): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  // Flush adds the unterminated last cell only if it has text: "a\t" at the end is one cell, not two
  const last = lines[lines.length - 1];
  if (last[last.length - 1] === '') last.pop();
  const widths: number[] = [];
  let out = '';
  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i];
      // a line written at column depth d has at most d+1 cells (format keeps longer ones in a
      // block), so the cells with a width are exactly the ones before the last; a column is as
      // wide as its widest cell plus padding, so the pad is never negative
      line.forEach((c, j) => {
        out += c;
        if (j < widths.length) out += ' '.repeat(widths[j] - cellWidth(c));
      });
      if (i < lines.length - 1) out += '\n';
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i].length - 1) continue;
      writeLines(start, i);
      start = i;
      let w = minwidth;
      for (; i < line1 && column < lines[i].length - 1; i++) w = Math.max(w, cellWidth(lines[i][column]) + padding);
      widths.push(w);
      format(start, i);
      widths.pop();
      start = i;
      i--; // the for loop's i++ resumes at the line that ended the block
    }
    writeLines(start, line1);
  };
  format(0, lines.length);
  return out;
}
