// How the commands use templates, as docker/cli does: --format (formatter.Context: "table",
// "json", \t and \n, the header from the command's column names through HeaderFunctions, Go's
// tabwriter, errors exit 1 and print nothing) and inspect -f (missingkey=error, parse error 64,
// execution errors after the objects that rendered, -f json). Go's semantics themselves are in
// template-golden.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IMAGES_FORMAT, goStruct, parseTemplate, printInspect, writeFormatted } from '../../src/cli/template.js';
import type { FormatContext } from '../../src/cli/template.js';
import { UserError } from '../../src/errors.js';

function capture(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}
function thrown(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}
afterEach(() => vi.restoreAllMocks());

// as ps passes it (views.ts PS_HEADERS and labelHeader, abridged)
const PS_FORMAT: FormatContext = {
  type: 'formatter.ContainerContext',
  headers: { ID: 'CONTAINER ID', Names: 'NAMES', Image: 'IMAGE', Command: 'COMMAND', Labels: 'LABELS', Label: (name: string) => name.split('.').pop()! },
};

describe('--format (formatter.Context)', () => {
  it('"table" prefix (any text after it), "json", outer spaces trimmed, \\t and \\n', () => {
    expect(parseTemplate('table {{.ID}}').table).toBe(true);
    expect(parseTemplate('table{{.ID}}').render({ ID: 'x' })).toBe('x');
    expect(parseTemplate('tablex {{.ID}}').render({ ID: 1 })).toBe('x 1'); // Docker: HasPrefix "table"
    expect(parseTemplate('{{.ID}} table').table).toBe(false);
    expect(parseTemplate('json').render({ b: 1, a: [2] })).toBe('{"b":1,"a":[2]}');
    expect(parseTemplate('  {{.A}}  ').render({ A: 'a' })).toBe('a');
    expect(parseTemplate('{{.A}}\\t{{.B}}\\n').render({ A: 1, B: 2 })).toBe('1\t2\n');
    expect(parseTemplate('{{.A}}').render({})).toBe('<no value>'); // missingkey=default
  });

  it('errors are "template parsing error: …" and exit 1, parse and execution alike', () => {
    const p = thrown(() => parseTemplate('{{nope .X}}'));
    expect(p.message).toBe('template parsing error: template: :1: function "nope" not defined');
    expect(p.exitCode).toBe(1);
    const u = thrown(() => parseTemplate('{{.A'));
    expect(u.message).toBe('template parsing error: template: :1: unclosed action');
    const x = thrown(() => parseTemplate('{{.A.B}}').render({ A: 'str' }));
    expect(x.message).toBe('template parsing error: template: :1:4: executing "" at <.A.B>: can\'t evaluate field B in type string');
    expect(x.exitCode).toBe(1);
  });

  it('the header runs the template on the column names with HeaderFunctions', () => {
    const t = parseTemplate('table {{.ID}}\\t{{upper .Names}}\\t{{json .Labels}}\\t{{pad .Image 1 1}}\\t{{truncate .Command 3}}');
    expect(t.header(PS_FORMAT.headers)).toBe('CONTAINER ID\tNAMES\tLABELS\t IMAGE \tCOMMAND');
    // a field the command does not name prints <no value>; a failure keeps what was written
    expect(parseTemplate('table {{.Nosuch}}').header(PS_FORMAT.headers)).toBe('<no value>');
    // SubHeaderContext's method: {{.Label "com.example.vendor"}} is headed "vendor"
    expect(parseTemplate('table {{.Names}}\\t{{.Label "com.example.vendor"}}\\t{{.ID}}').header(PS_FORMAT.headers)).toBe('NAMES\tvendor\tCONTAINER ID');
    expect(parseTemplate('table {{.Names}}\\t{{.Labels.x}}\\t{{.ID}}').header(PS_FORMAT.headers)).toBe('NAMES\t');
    // without a command's names, each field names itself
    expect(parseTemplate('table {{.RunningFor}}\\t{{.State.Status}}').header()).toBe('RUNNING FOR\t');
  });

  it('writeFormatted: lines, or a header and Go tabwriter columns (min 10, padding 3)', () => {
    const c = capture();
    const rows = [
      { ID: 'abc', Repository: 'busybox', Tag: 'latest' },
      { ID: 'def0123456789', Repository: 'r', Tag: 't' },
    ];
    writeFormatted('{{.Repository}}:{{.Tag}}', rows, IMAGES_FORMAT);
    writeFormatted('table {{.ID}}\\t{{.Repository}}\\t{{.Tag}}', rows, IMAGES_FORMAT);
    expect(c.out()).toBe(
      'busybox:latest\nr:t\n' +
        'IMAGE ID        REPOSITORY   TAG\n' +
        'abc             busybox      latest\n' +
        'def0123456789   r            t\n',
    );
  });

  it('a row is a Go struct: methods with arguments, a missing field named with its type; nothing printed on error', () => {
    const c = capture();
    const row = goStruct('formatter.ContainerContext', { Names: 'web', Label: (k: string) => ({ a: '1' })[k] ?? '' });
    writeFormatted('{{.Names}} {{.Label "a"}}[{{.Label "b"}}]', [row], PS_FORMAT);
    writeFormatted('json', [goStruct('formatter.ContainerContext', { Names: 'web', ID: 'abc', Label: () => '' })], PS_FORMAT);
    expect(c.out()).toBe('web 1[]\n{"ID":"abc","Names":"web"}\n'); // docker/cli marshals a row through a map: sorted keys
    const e = thrown(() => writeFormatted('{{.Names}}{{.Nosuch}}', [row], PS_FORMAT));
    expect(e.message).toBe('template parsing error: template: :1:12: executing "" at <.Nosuch>: can\'t evaluate field Nosuch in type *formatter.ContainerContext');
    expect(thrown(() => writeFormatted('{{.Label}}', [row], PS_FORMAT)).message).toContain('wrong number of args for Label: want 1 got 0');
    expect(thrown(() => writeFormatted('{{.Names "x"}}', [row], PS_FORMAT)).message).toContain('Names has arguments but cannot be invoked as function');
    expect(c.out()).toBe('web 1[]\n{"ID":"abc","Names":"web"}\n');
  });
});

describe('inspect -f (TemplateInspector)', () => {
  const objs: Record<string, unknown> = { a: { Name: 'A', Labels: { k: 'v' } }, b: { Name: 'B' } };
  const find = async (r: string): Promise<unknown> => objs[r];
  const notFound = (r: string): string => `Error: No such object: ${r}`;

  it('renders each object; a missing key fails that object only, after the others, exit 1', async () => {
    const c = capture();
    expect(await printInspect(['a', 'b', 'x'], '{{.Name}} {{.Labels.k}}', find, notFound)).toBe(1);
    expect(c.out()).toBe('A v\n');
    expect(c.err()).toBe('template parsing error: template: :1:19: executing "" at <.Labels.k>: map has no entry for key "Labels"\nError: No such object: x\n');
  });

  it('a template that does not parse exits 64 before anything is looked up', async () => {
    const looked: string[] = [];
    const err = await printInspect(['a'], '{{range}}', async (r) => (looked.push(r), objs[r]), notFound).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(64);
    expect((err as UserError).message).toBe('template parsing error: template: :1: missing value for range');
    expect(looked).toEqual([]);
  });

  it('-f json is one compact array; nothing rendered prints an empty line', async () => {
    const c = capture();
    expect(await printInspect(['a', 'b'], 'json', find, notFound)).toBe(0);
    expect(await printInspect(['x'], '{{.Name}}', find, notFound)).toBe(1);
    expect(c.out()).toBe('[{"Name":"A","Labels":{"k":"v"}},{"Name":"B"}]\n\n');
  });

  it("Docker's typed pass first: a Go map's missing key is <no value>, nil slices and maps print empty", async () => {
    const c = capture();
    const doc = { Config: { Labels: { k: 'v' }, Entrypoint: null, ExposedPorts: { '80/tcp': {} } }, HostConfig: { Binds: null, Tmpfs: null } };
    const tpl = '{{.Config.Labels.nope}}|{{.Config.Entrypoint}}|{{len .HostConfig.Binds}}|{{.HostConfig.Tmpfs}}|{{.Config.ExposedPorts}}|{{json .HostConfig.Binds}}';
    expect(await printInspect(['d'], tpl, async () => doc, notFound)).toBe(0);
    // a field that no struct has fails both passes: the raw pass's error is reported
    expect(await printInspect(['d'], '{{.Config.Nope}}', async () => doc, notFound)).toBe(1);
    expect(c.out()).toBe('<no value>|[]|0|map[]|map[80/tcp:{}]|null\n\n');
    expect(c.err()).toBe('template parsing error: template: :1:9: executing "" at <.Config.Nope>: map has no entry for key "Nope"\n');
  });

  it('the data are JSON: integers are Go ints, so eq with a literal works as in Docker', async () => {
    const c = capture();
    await printInspect(['n'], '{{if eq .State.ExitCode 0}}ok{{end}} {{printf "%.1f" .Ratio}} {{index .Args 1}}', async () => ({ State: { ExitCode: 0 }, Ratio: 0.25, Args: ['-c', 'x'] }), notFound);
    expect(c.out()).toBe('ok 0.2 x\n');
  });
});
