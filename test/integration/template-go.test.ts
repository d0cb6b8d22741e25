// Differential test of minidock's template engine against Go's own text/template: a Go oracle
// (template-oracle/main.go: the standard library plus Docker's functions as docker/cli defines
// them) and src/cli/template.ts run the same corpus on the same data and must print the same
// thing or fail with the same message. Then `minidock inspect -f` end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GoTemplate } from '../../src/cli/template.js';
import { tabwriteText } from '../../src/cli/tabwriter.js';
import { randomTemplates } from '../template-fuzz.js';
import { CONTAINER, CORPUS, DEFAULT_MODE, GOLDEN_CASES, TYPED_DOC, sortKeys } from '../template-corpus.js';
import { TAB_CASES } from '../template-mutation-corpus.js';
import { Minidock } from '../helpers/cli.js';

const ORACLE_SRC = fileURLToPath(new URL('./template-oracle/main.go', import.meta.url));
let work: string;
let oracle: string;

type Outcome = { out?: string; err?: string };

function runOracle(data: unknown, cases: { tpl: string; mk: string }[]): Outcome[] {
  const r = spawnSync(oracle, [], { input: JSON.stringify({ data, cases }), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`oracle: ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome[];
}

function runOurs(data: unknown, tpl: string, mk: 'error' | 'default'): Outcome {
  let t: GoTemplate;
  try {
    t = GoTemplate.parse(tpl, mk);
  } catch (e) {
    return { err: (e as Error).message };
  }
  try {
    return { out: t.run(JSON.parse(JSON.stringify(data))) };
  } catch (e) {
    return { err: (e as Error).message };
  }
}

beforeAll(() => {
  if (spawnSync('go', ['version']).status !== 0) {
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'golang-go'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get install golang-go: ${r.stderr}`);
  }
  work = mkdtempSync(join(tmpdir(), 'tpl-oracle-'));
  oracle = join(work, 'oracle');
  const env = { ...process.env, GOCACHE: join(work, 'cache'), GOPATH: join(work, 'gopath'), GOFLAGS: '', GO111MODULE: 'off', CGO_ENABLED: '0' };
  const b = spawnSync('go', ['build', '-o', oracle, ORACLE_SRC], { env, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`go build oracle: ${b.stderr}`);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('template engine = Go text/template (+ Docker funcs)', () => {
  const data = sortKeys(CONTAINER);

  it(`corpus of ${CORPUS.length} templates, missingkey=error (inspect -f)`, () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    const want = runOracle(data, CORPUS.map((tpl) => ({ tpl, mk: 'error' })));
    const diffs = CORPUS.map((tpl, i) => ({ tpl, go: want[i], ours: runOurs(data, tpl, 'error') })).filter((d) => JSON.stringify(d.go) !== JSON.stringify(d.ours));
    expect(diffs).toEqual([]);
  });

  it('missingkey=default (the --format commands)', () => {
    const tpls = [...DEFAULT_MODE, ...CORPUS.slice(0, 60)];
    const want = runOracle(data, tpls.map((tpl) => ({ tpl, mk: '' })));
    const diffs = tpls.map((tpl, i) => ({ tpl, go: want[i], ours: runOurs(data, tpl, 'default') })).filter((d) => JSON.stringify(d.go) !== JSON.stringify(d.ours));
    expect(diffs).toEqual([]);
  });

  it('every function with every kind of argument (generated)', () => {
    const fns = ['len', 'index', 'slice', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'not', 'print', 'println', 'html', 'js', 'urlquery', 'json', 'split', 'join', 'title', 'lower', 'upper', 'pad', 'truncate', 'printf', 'call'];
    const args = ['.Name', '.State.Pid', '.Ratio', '.Config.Cmd', '.Mixed', '.Config.Labels', '.NetworkSettings.Networks', '.Config.Entrypoint', '1', '1.5', '"s"', '""', 'true', 'nil', '.EmptyList', '-1', '0', '2', '(index .Mixed 4)', '.State'];
    const tpls: string[] = [];
    for (const f of fns) {
      tpls.push(`{{${f}}}`);
      for (const a of args) {
        tpls.push(`{{${f} ${a}}}`, `{{${a} | ${f}}}`);
        for (const b of args) tpls.push(`{{${f} ${a} ${b}}}`);
      }
      tpls.push(`{{${f} .Name 1 2}}`, `{{${f} .Config.Cmd 0 1}}`, `{{${f} "a-b" "-"}}`);
    }
    for (const verb of ['%v', '%+v', '%d', '%s', '%q', '%x', '%X', '%t', '%f', '%.1f', '%8.2f', '%-6v|', '%06d', '%e', '%g', '%c', '%U', '%T', '%5s|', '%.1s', '%#v', '%o', '%b'])
      for (const a of args) tpls.push(`{{printf "${verb}" ${a}}}`);
    const want = runOracle(data, tpls.map((tpl) => ({ tpl, mk: 'error' })));
    const diffs = tpls.map((tpl, i) => ({ tpl, go: want[i], ours: runOurs(data, tpl, 'error') })).filter((d) => JSON.stringify(d.go) !== JSON.stringify(d.ours));
    expect(tpls.length).toBeGreaterThan(10000);
    expect(diffs.slice(0, 40)).toEqual([]);
  });

  it.each([
    [1, 'error'],
    [2, 'default'],
  ] as const)('3000 random templates (seed %d, missingkey=%s)', (seed, mk) => {
    const tpls = randomTemplates(seed, 3000);
    const want = runOracle(data, tpls.map((tpl) => ({ tpl, mk: mk === 'error' ? 'error' : '' })));
    const diffs = tpls.map((tpl, i) => ({ tpl, go: want[i], ours: runOurs(data, tpl, mk) })).filter((d) => JSON.stringify(d.go) !== JSON.stringify(d.ours));
    expect(want.filter((w) => w.out !== undefined).length).toBeGreaterThan(300);
    expect(diffs.slice(0, 20)).toEqual([]);
  });

  it('the recorded outcomes the unit tests use (test/unit/template-golden.json) are Go\'s', () => {
    const file = fileURLToPath(new URL('../unit/template-golden.json', import.meta.url));
    const cases = GOLDEN_CASES();
    const want = cases.map((c) => runOracle(c.data, [{ tpl: c.tpl, mk: c.mk === 'default' ? '' : c.mk }])[0]);
    const golden = cases.map((c, i) => ({ data: c.dataName, tpl: c.tpl, mk: c.mk, ...want[i] }));
    // MINIDOCK_RECORD_TEMPLATES=1 rewrites the file from the oracle
    if (process.env.MINIDOCK_RECORD_TEMPLATES === '1') writeFileSync(file, JSON.stringify(golden, null, 1) + '\n');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(golden);
  });

  it('other shapes of data: a list, a string, numbers, null', () => {
    const datas: unknown[] = [[1, 'a', null], 'just a string', 3, 2.5, null, { a: [[1, 2], [3]], b: { c: { d: 'e' } } }];
    const tpls = ['{{.}}', '{{len .}}', '{{range .}}<{{.}}>{{end}}', '{{.a}}', '{{index . 0}}', '{{json .}}', '{{printf "%v|%T" . .}}', '{{if .}}t{{else}}f{{end}}', '{{with .}}w{{.}}{{end}}', '{{.b.c.d}}'];
    for (const d of datas) {
      const want = runOracle(d, tpls.map((tpl) => ({ tpl, mk: 'error' })));
      const diffs = tpls.map((tpl, i) => ({ tpl, go: want[i], ours: runOurs(d, tpl, 'error') })).filter((x) => JSON.stringify(x.go) !== JSON.stringify(x.ours));
      expect({ data: d, diffs }).toEqual({ data: d, diffs: [] });
    }
  });
});

describe("inspect's typed pass = Go on Docker's typed structs, then the raw JSON", () => {
  it('maps, nil slices and maps, struct{} members', () => {
    const doc = TYPED_DOC;
    const tpls = [
      '{{.Config.Labels.nosuch}}', '{{.Config.Labels.nosuch.deeper}}', '{{index .Config.Labels "nosuch"}}', '{{.Config.Labels.k}}',
      '{{.HostConfig.Binds}}', '{{json .HostConfig.Binds}}', '{{len .HostConfig.Binds}}', '{{range .HostConfig.Binds}}x{{else}}none{{end}}',
      '{{if .HostConfig.Binds}}y{{else}}n{{end}}', '{{join .HostConfig.Binds ","}}|', '{{.HostConfig.Tmpfs}}', '{{json .HostConfig.Tmpfs}}',
      '{{index .HostConfig.Tmpfs "x"}}|', '{{.Config.Entrypoint}}', '{{.Args}}', '{{.Mounts}}', '{{.Config.ExposedPorts}}', '{{json .Config.ExposedPorts}}',
      '{{range $p, $v := .Config.ExposedPorts}}{{$p}}{{end}}', '{{index .NetworkSettings.Ports "443/tcp"}}', '{{range $k, $v := .NetworkSettings.Ports}}{{$k}}={{len $v}};{{end}}',
      '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}', '{{.NetworkSettings.Networks.nosuch}}', '{{range .NetworkSettings.Networks}}{{.Aliases}} {{.IPAddress}}{{end}}',
      '{{(index .NetworkSettings.Networks "bridge").IPPrefixLen}}', '{{len (index .HostConfig.PortBindings "80/tcp")}}', '{{.Nosuch}}', '{{.Config.Nosuch}}',
      '{{.State.Pid}} {{eq .State.ExitCode 0}} {{.State.Running}}', '{{range .Mounts}}m{{else}}no mounts{{end}}', '{{.NetworkSettings.Ports.nosuch}}',
      '{{printf "%v|%d" .HostConfig.Binds (len .Config.Labels)}}', '{{.HostConfig.Memory}}', '{{with .HostConfig.Binds}}b{{else}}no binds{{end}}',
    ];
    const want = runOracle(doc, tpls.map((tpl) => ({ tpl, mk: 'inspect' })));
    const ours = tpls.map((tpl) => {
      try {
        return { out: GoTemplate.parse(tpl, 'error').runInspect(JSON.parse(JSON.stringify(doc))) };
      } catch (e) {
        return { err: (e as Error).message };
      }
    });
    const diffs = tpls.map((tpl, i) => ({ tpl, go: want[i], ours: ours[i] })).filter((d) => JSON.stringify(d.go) !== JSON.stringify(d.ours));
    expect(diffs).toEqual([]);
  });
});

describe("table output = Go's text/tabwriter as Docker sets it up", () => {
  it('column blocks, widths, minimum 10, unicode, ragged rows', () => {
    const texts = [
      'CONTAINER ID\tNAMES\nabc\tweb\n',
      'A\tB\tC\nxx\tyy\tzz\n',
      'NAME\n',
      '\n',
      '',
      'a\tb\n\nc\td\n',
      'a\tb\tc\nd\te\ne\n',
      'one\ttwo\tthree\n1\t2\n1\t2\t3\t4\n',
      'héllo wörld\t✓\nx\ty\n',
      'tab at end\t\nx\t\n',
      'averyveryverylongcellindeed\tb\nc\td\n',
      'no newline\tat end',
      '\t\t\n\t\t\n',
    ];
    const r = spawnSync(oracle, [], { input: JSON.stringify({ tab: texts }), encoding: 'utf8' });
    expect(r.status).toBe(0);
    const want = JSON.parse(r.stdout) as string[];
    expect(texts.map((t) => tabwriteText(t))).toEqual(want);
  });

  it("the recorded outcomes the unit tests use (test/unit/tabwriter-golden.json) are Go's", () => {
    const file = fileURLToPath(new URL('../unit/tabwriter-golden.json', import.meta.url));
    const golden = TAB_CASES.map((c) => {
      const r = spawnSync(oracle, [], { input: JSON.stringify({ tab: [c.text], minwidth: c.minwidth, padding: c.padding }), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`oracle: ${r.stderr}`);
      return { ...c, out: (JSON.parse(r.stdout) as string[])[0] };
    });
    // MINIDOCK_RECORD_TEMPLATES=1 rewrites the file from the oracle
    if (process.env.MINIDOCK_RECORD_TEMPLATES === '1') writeFileSync(file, JSON.stringify(golden, null, 1) + '\n');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(golden);
  });
});

describe('minidock inspect -f, end to end', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
    md.ok(['create', '--name', 'tpl', '--label', 'k=v', '-e', 'A=1', 'busybox', 'sh', '-c', 'true']);
  });
  afterAll(() => md?.cleanup());

  it('renders the tutorial templates', () => {
    expect(md.ok(['inspect', '-f', '{{.Name}} {{.State.Status}}', 'tpl'])).toBe('/tpl created');
    expect(md.ok(['inspect', '-f', '{{index .Config.Labels "k"}}|{{range .Config.Env}}{{if eq . "A=1"}}{{.}}{{end}}{{end}}', 'tpl'])).toBe('v|A=1');
    expect(md.ok(['inspect', '-f', '{{json .Config.Labels}}', 'tpl'])).toBe('{"k":"v"}');
    expect(md.ok(['inspect', '-f', '{{join .Config.Cmd " "}}', 'tpl'])).toBe('sh -c true');
    expect(md.ok(['inspect', '-f', '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{end}}', 'tpl'])).toBe('k=v');
    // Docker's typed pass: a label that is not there is <no value>, no binds print []
    expect(md.ok(['inspect', '-f', '{{.Config.Labels.nosuch}} {{.HostConfig.Binds}} {{json .HostConfig.Binds}}', 'tpl'])).toBe('<no value> [] null');
  });

  it('a missing field exits 1 with Go\'s message; a parse error exits 64', () => {
    const r = md.run(['inspect', '-f', '{{.Nosuch}}', 'tpl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('template parsing error: template: :1:2: executing "" at <.Nosuch>: map has no entry for key "Nosuch"');
    const p = md.run(['inspect', '-f', '{{nope .X}}', 'tpl']);
    expect(p.code).toBe(64);
    expect(p.stderr).toContain('template parsing error: template: :1: function "nope" not defined');
    expect(p.stdout).toBe('');
  });

  it('-f json prints a compact array', () => {
    const out = md.ok(['inspect', '-f', 'json', 'tpl']);
    expect(out.startsWith('[{')).toBe(true);
    expect(out.includes('\n')).toBe(false);
  });

  it('ps --format: {{.Label "k"}}, table headers, errors exit 1', () => {
    expect(md.ok(['ps', '-a', '--format', '{{.Names}} {{.Label "k"}}'])).toBe('tpl v');
    const t = md.ok(['ps', '-a', '--format', 'table {{.ID}}\\t{{.Names}}']);
    expect(t.split('\n')[0]).toMatch(/^CONTAINER ID\s+NAMES$/);
    const e = md.run(['ps', '-a', '--format', '{{.Nosuch}}']);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain("can't evaluate field Nosuch in type *formatter.ContainerContext");
  });
});
