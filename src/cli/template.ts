// A subset of Go's text/template, enough for Docker's --format and inspect -f:
// {{.Field.Sub}}, {{json .}}, {{json .Field}}, {{index .Map "key"}}, {{upper .X}}/{{lower .X}},
// {{len .X}}, {{join .List ","}}, and the "table " prefix that prints a header row.
import { UserError } from './errors.js';

type Value = unknown;

function lookup(root: Value, path: string): Value {
  if (path === '.') return root;
  let cur: Value = root;
  for (const key of path.slice(1).split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, Value>)[key];
  }
  return cur;
}

/** How Go prints a value with {{.X}}: maps and slices in Go syntax, nil as <nil>. */
function goString(v: Value): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    // Go's fmt prints map keys sorted bytewise ("B" < "_" < "a"), not in locale order.
    const entries = Object.entries(v as Record<string, Value>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goString(x)}`).join(' ')}]`;
  }
  return String(v);
}

const ARG = /"((?:[^"\\]|\\.)*)"|(\.[\w.]*|\.)|(\S+)/g;

function evalAction(action: string, data: Value): string {
  const args: { lit?: string; path?: string; word?: string }[] = [];
  for (const m of action.matchAll(ARG)) {
    if (m[1] !== undefined) args.push({ lit: JSON.parse(`"${m[1]}"`) as string });
    else if (m[2] !== undefined) args.push({ path: m[2] });
    else args.push({ word: m[3] });
  }
  const val = (a: (typeof args)[number] | undefined): Value => {
    if (!a) throw new UserError(`template: missing argument in {{${action}}}`);
    if (a.lit !== undefined) return a.lit;
    if (a.path !== undefined) return lookup(data, a.path);
    throw new UserError(`template: function "${a.word}" not defined`);
  };
  const [head, ...rest] = args;
  if (!head) return '';
  if (head.path !== undefined || head.lit !== undefined) {
    if (rest.length) throw new UserError(`template: can't give argument to non-function ${head.path ?? head.lit}`);
    return goString(val(head));
  }
  switch (head.word) {
    case 'json':
      return JSON.stringify(val(rest[0]) ?? null);
    case 'index': {
      const v = val(rest[0]) as Record<string, Value> | undefined;
      return goString(v?.[String(val(rest[1]))]);
    }
    case 'upper':
      return goString(val(rest[0])).toUpperCase();
    case 'lower':
      return goString(val(rest[0])).toLowerCase();
    case 'len': {
      const v = val(rest[0]);
      return String(Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0);
    }
    case 'join':
      return ((val(rest[0]) as Value[] | undefined) ?? []).map(goString).join(String(val(rest[1])));
    default:
      throw new UserError(`template: function "${head.word}" not defined`);
  }
}

const KNOWN_FUNCS = new Set(['json', 'index', 'upper', 'lower', 'len', 'join']);

export interface Template {
  table: boolean;
  render: (data: Value) => string;
  header: () => string;
}

export function parseTemplate(src: string): Template {
  let text = src;
  const table = text.startsWith('table ');
  if (table) text = text.slice(6);
  text = text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const parts: { lit?: string; action?: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      parts.push({ lit: text.slice(i) });
      break;
    }
    if (open > i) parts.push({ lit: text.slice(i, open) });
    const close = text.indexOf('}}', open);
    if (close < 0) throw new UserError(`template parsing error: unclosed action in "${src}"`);
    parts.push({ action: text.slice(open + 2, close).trim() });
    i = close + 2;
  }
  // Go checks function names when it parses, so a bad one fails even when there is nothing to print.
  for (const p of parts) {
    const word = p.action !== undefined ? /^([A-Za-z_]\w*)/.exec(p.action)?.[1] : undefined;
    if (word && !KNOWN_FUNCS.has(word)) throw new UserError(`template parsing error: function "${word}" not defined`);
  }
  return {
    table,
    render: (data) => parts.map((p) => (p.lit !== undefined ? p.lit : evalAction(p.action!, data))).join(''),
    // The header of a table format names each field in upper case, as Docker does.
    header: () =>
      parts
        .map((p) => {
          if (p.lit !== undefined) return p.lit;
          const m = /\.(\w+)$/.exec(p.action!);
          return m ? m[1].replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() : p.action!.toUpperCase();
        })
        .join(''),
  };
}

/** Pads tab-separated rows into aligned columns, like Go's tabwriter with 3 spaces of padding. */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd())
    .join('\n');
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

/**
 * Prints objects the way `docker inspect` does: a JSON array, or one rendered template per
 * object with -f. Refs that find nothing get one error line each; returns the exit code.
 */
export async function printInspect(
  refs: string[],
  format: string | undefined,
  find: (ref: string) => Promise<unknown>,
  notFound: (ref: string) => string,
): Promise<number> {
  const t = format ? parseTemplate(format) : undefined;
  const found: unknown[] = [];
  let failed = false;
  for (const ref of refs) {
    const obj = await find(ref);
    if (obj === undefined || obj === null) {
      process.stderr.write(notFound(ref) + '\n');
      failed = true;
    } else found.push(obj);
  }
  if (t) for (const obj of found) process.stdout.write(t.render(obj) + '\n');
  else process.stdout.write(JSON.stringify(found, null, 4) + '\n');
  return failed ? 1 : 0;
}
