// Go's text/template as Docker's CLI uses it (the engine is src/cli/template/: lex, parse, exec,
// funcs, fmt; docs/templates.md). Two ways in, as in docker/cli:
// - parseTemplate: the --format of ps, images, stats, network ls (formatter.Context): a "table"
//   prefix prints a header row, "json" is {{json .}}, \t and \n are tab and newline, every error
//   is "template parsing error: …" and exits 1;
// - printInspect: inspect -f (inspect.TemplateInspector's raw-JSON pass: missingkey=error), a parse
//   error exits 64, an execution error 1 after the objects that did render.
import { BareError } from '../errors.js';
import { execute, ExecOptions, MissingKey } from './template/exec.js';
import { FUNCS, HEADER_FUNCS } from './template/funcs.js';
import { Node, TemplateError, Tree, parse } from './template/parse.js';
import { goMapsSorted, typedView } from './template/docker-types.js';

type Value = unknown;

import { STRUCT, goStruct } from './template/value.js';
import { tabwriteText } from './tabwriter.js';
import { writeErr, writeOut } from './output.js';

export { goStruct };
// Docker's time formats live with the size formats (units.ts: the engine uses them too)
export { humanDuration, timeAgo } from '../units.js';

/** A parsed template; `run` throws TemplateError with Go's message. */
export class GoTemplate {
  private constructor(
    readonly trees: Map<string, Tree>,
    private readonly missingKey: MissingKey,
  ) {}

  /** Parses as Go's template.New("").Funcs(docker's).Parse(src); throws TemplateError. */
  static parse(src: string, missingKey: MissingKey = 'default'): GoTemplate {
    const hasFunc = (n: string): boolean => Object.hasOwn(FUNCS, n);
    return new GoTemplate(parse('', src, hasFunc), missingKey);
  }

  run(data: Value, funcs = FUNCS): string {
    const opt: ExecOptions = { missingKey: this.missingKey, funcs };
    return execute(this.trees, '', data, opt);
  }

  /**
   * docker inspect's two passes: on the typed document (docker-types.ts; missingkey=default,
   * so a Go map's missing key is <no value>), and if that fails, on the raw JSON (this
   * template's missingkey=error), whose error is the one reported.
   */
  runInspect(doc: Value): string {
    try {
      return execute(this.trees, '', typedView(doc), { missingKey: 'default', funcs: FUNCS, typed: true });
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      return this.run(doc);
    }
  }

  /** Runs and returns what was written before any error (Go's Execute into a buffer). */
  runPartial(data: Value, funcs = FUNCS): string {
    const out: string[] = [];
    try {
      execute(this.trees, '', data, { missingKey: this.missingKey, funcs }, out);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
    }
    return out.join('');
  }

  /** The field names the template reads from dot, for a default header. */
  fields(): string[] {
    const out: string[] = [];
    const visit = (n: unknown): void => {
      if (!n || typeof n !== 'object') return;
      const node = n as Node;
      if (node.k === 'field' && !out.includes(node.ident[0])) out.push(node.ident[0]);
      for (const v of Object.values(node)) if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') visit(v);
    };
    for (const t of this.trees.values()) visit(t.root);
    return out;
  }
}

export interface Template {
  table: boolean;
  render: (data: Value) => string;
  /** The header row: the template run on {field: column name} with Docker's HeaderFunctions. */
  header: (names?: FormatContext['headers']) => string;
}

/** Docker's default column name for a field: RunningFor → RUNNING FOR. */
function columnName(field: string): string {
  return field.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

/** A --format template of ps, images, stats, network ls (Docker's formatter.Context). */
/** `parseError`: how Docker words a template that does not parse (ps checks it first, in its own words). */
export function parseTemplate(src: string, parseError?: string): Template {
  let text = src;
  const table = text.startsWith('table');
  if (table) text = text.slice('table'.length);
  else if (text === 'json') text = '{{json .}}';
  text = text.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let t: GoTemplate;
  try {
    t = GoTemplate.parse(text);
  } catch (e) {
    throw asUserError(e, 1, parseError);
  }
  return {
    table,
    render: (data) => {
      try {
        return t.run(data);
      } catch (e) {
        throw asUserError(e, 1);
      }
    },
    header: (names) => {
      // Docker's header context is the command's map of column names (a field it lacks prints
      // <no value>); without one, each field read is named after itself.
      let ctx: FormatContext['headers'] | undefined = names;
      if (!ctx) {
        ctx = {};
        for (const f of t.fields()) ctx[f] = columnName(f);
      }
      // Docker ignores a failure here (the rows have run already) and keeps what was written.
      return t.runPartial(ctx, HEADER_FUNCS);
    },
  };
}

/** How a --format command names its rows' type and columns (docker/cli's SubHeaderContext). */
export interface FormatContext {
  /** The Go type errors name: "can't evaluate field X in type *formatter.ContainerContext". */
  type: string;
  /** Docker's SubHeaderContext: column names, and methods such as ps's Label(name). */
  headers: Record<string, string | ((...args: string[]) => string)>;
  /** Docker's words for a template that does not parse, where they are not "template parsing error". */
  parseError?: string;
}

/**
 * Prints rows with a --format template as Docker's formatter.Context.Write does: each row's line,
 * or with "table" the header row and the rows through Go's tabwriter. Nothing is printed when a
 * row fails (Docker's buffered output). Rows that are not yet Go structs become one of `ctx.type`.
 */
export function writeFormatted(format: string, rows: object[], ctx: FormatContext): void {
  const t = parseTemplate(format, ctx.parseError);
  const structs = rows.map((r) => (STRUCT in r ? r : goStruct(ctx.type, r)));
  let body = '';
  for (const r of structs) body += t.render(r) + '\n';
  if (!t.table) {
    writeOut(body);
    return;
  }
  writeOut(tabwriteText(t.header(ctx.headers) + '\n' + body));
}

// The column names of docker/cli's image and network formatters (image.go,
// network/formatter.go); ps's and stats's are with their commands.
export const IMAGES_FORMAT: FormatContext = {
  type: 'formatter.ImageContext',
  headers: {
    ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE',
    Containers: 'CONTAINERS', VirtualSize: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE',
  },
};
export const NETWORK_FORMAT: FormatContext = {
  type: 'network.networkContext',
  headers: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', IPv4: 'IPV4', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED' },
};

export const VOLUME_FORMAT: FormatContext = {
  type: 'formatter.volumeContext',
  headers: {
    Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE',
    Group: 'GROUP', Availability: 'AVAILABILITY', Status: 'STATUS',
  },
};

// docker/cli prints these as they are (no program name before them)
function asUserError(e: unknown, code: number, what = 'template parsing error'): unknown {
  return e instanceof TemplateError ? new BareError(`${what}: ${e.message}`, code) : e;
}

/** Pads tab-separated rows into aligned columns, like Go's tabwriter with 3 spaces of padding. */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd())
    .join('\n');
}

/**
 * Prints objects the way `docker inspect` does: a JSON array, a compact one with `-f json`, or
 * one rendered template per object. Refs that find nothing and objects the template fails on get
 * one error line each after the output, and exit 1; a template that does not parse exits 64.
 */
export async function printInspect(
  refs: string[],
  format: string | undefined,
  find: (ref: string) => Promise<unknown>,
  notFound: (ref: string) => string,
): Promise<number> {
  let t: GoTemplate | undefined;
  if (format && format !== 'json') {
    try {
      t = GoTemplate.parse(format, 'error');
    } catch (e) {
      throw asUserError(e, 64);
    }
  }
  const found: unknown[] = [];
  const errors: string[] = [];
  let out = '';
  for (const ref of refs) {
    const obj = await find(ref);
    if (obj === undefined || obj === null) {
      errors.push(notFound(ref));
      continue;
    }
    found.push(goMapsSorted(obj));
    if (!t) continue;
    try {
      out += t.runInspect(found[found.length - 1]) + '\n';
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      errors.push(`template parsing error: ${e.message}`); // docker/cli inspect: its error as it is
    }
  }
  if (t) writeOut(out || '\n');
  else if (format === 'json') writeOut(JSON.stringify(found) + '\n');
  else writeOut(JSON.stringify(found, null, 4) + '\n');
  for (const line of errors) writeErr(line + '\n');
  return errors.length ? 1 : 0;
}
