// Docker's size and time formats (go-units): decimal for image and network sizes, binary for memory.

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

/**
 * Go's time.Time.String() of a UTC time, as docker/cli prints CreatedAt: "2026-12-01 09:28:43.38
 * +0000 UTC", the fraction without its trailing zeros; `seconds`: whole seconds (time.Unix(s, 0)).
 */
export function goTimeString(t: string | number, seconds = false): string {
  const iso = typeof t === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(t) ? t : new Date(t).toISOString();
  const [, day, time, frac = ''] = /^(.{10})T(.{8})(\.\d+)?Z$/.exec(iso)!;
  const f = seconds ? '' : frac.replace(/\.?0+$/, '');
  return `${day} ${time}${f} +0000 UTC`;
}

export function timeAgo(iso: string, now = Date.now()): string {
  return `${humanDuration(now - Date.parse(iso))} ago`;
}

/** Docker's units.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const GO_FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * go-units' RAMInBytes, as docker/cli's --memory, --shm-size… read their value: a number
 * (Go's ParseFloat), an optional space, then b, or k/m/g/t/p alone or with b or ib.
 * Throws an Error with go-units' own words ("invalid size: 'abc'", "invalid suffix: 'x'").
 */
export function ramInBytes(s: string): number {
  const sep = Math.max(...[...'0123456789. '].map((c) => s.lastIndexOf(c)));
  if (sep < 0) throw new Error(`invalid size: '${s}'`);
  const num = s[sep] === ' ' ? s.slice(0, sep) : s.slice(0, sep + 1);
  let sfx = s.slice(sep + 1);
  if (!GO_FLOAT.test(num)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  let size = Number(num);
  if (!Number.isFinite(size)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: value out of range`);
  if (size < 0) throw new Error(`invalid size: '${s}'`);
  if (sfx.length === 0) return Math.trunc(size);
  const badSuffix = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return Math.trunc(size);
  }
  const mul = BINARY[sfx[0]];
  if (mul === undefined) throw badSuffix();
  size *= mul;
  // then "b" (MB) or "ib" (MiB); a lone "i" is refused (docker 28: `-m 1mi`)
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && (sfx[1] !== 'i' || sfx[2] !== 'b'))) throw badSuffix();
  return Math.trunc(size);
}
