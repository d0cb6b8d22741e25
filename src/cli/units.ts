// Docker's size formats (go-units): decimal for image and network sizes, binary for memory.

function sig(x: number, digits: number): string {
  return String(Number(x.toPrecision(digits)));
}

function scaled(n: number, base: number, units: string[], digits: number): string {
  let i = 0;
  while (n >= base && i < units.length - 1) (n /= base), i++;
  return `${sig(n, digits)}${units[i]}`;
}

/** units.HumanSizeWithPrecision(n, digits): 4.26MB, 345kB, 0B (`images` uses 3, progress 4). */
export function humanSize(n: number, digits = 3): string {
  return scaled(n, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], digits);
}

/** units.BytesSize: 1.5MiB, 15.6GiB. */
export function bytesSize(n: number): string {
  return scaled(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], 4);
}
