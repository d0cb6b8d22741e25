// Go templates at their edges (issue 18): map keys in Go's order (bytewise, as fmt's sorted
// map printing), lookups through non-objects, each error message in full, parse-time function
// checks, table headers, columns, and Docker's HumanDuration boundaries. (Expectations are Go's
// text/template's, as the differential test test/integration/template-go.test.ts checks.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { columns, humanDuration, parseTemplate, printInspect, timeAgo } from '../../src/cli/template.js';
import { message } from '../helpers/thrown.js';

const data = { Name: 'WeB', State: { Status: 'running', Pid: 42 }, Cmd: ['sh', '-c'], Labels: { b: '2', a: '1', B: '3', _z: '4' }, Nil: null, Empty: {} };
const render = (t: string, d: unknown = data) => parseTemplate(t).render(d);

describe('values', () => {
  it('maps print with their keys in Go order: bytewise, upper case before lower case', () => {
    expect(render('{{.Labels}}')).toBe('map[B:3 _z:4 a:1 b:2]');
    expect(render('{{.}}', { m: { y: [1, { q: null, p: 'x' }] } })).toBe('map[m:map[y:[1 map[p:x q:<nil>]]]]');
    expect(render('{{.Empty}}')).toBe('map[]');
  });

  it('a path through a string, a number or null is an error; a missing key is <no value>', () => {
    expect(message(() => render('{{.Name.X}}'))).toBe('template parsing error: template: :1:7: executing "" at <.Name.X>: can\'t evaluate field X in type interface {}');
    // a string has no fields, not even JS ones
    expect(message(() => render('{{.Name.length}}'))).toBe('template parsing error: template: :1:7: executing "" at <.Name.length>: can\'t evaluate field length in type interface {}');
    expect(message(() => render('{{.State.Pid.X}}'))).toBe('template parsing error: template: :1:8: executing "" at <.State.Pid.X>: can\'t evaluate field X in type interface {}');
    expect(message(() => render('{{.Nil.X}}'))).toBe('template parsing error: template: :1:6: executing "" at <.Nil.X>: nil pointer evaluating interface {}.X');
    expect(render('{{.Nope.X.Y}}')).toBe('<no value>');
    expect(render('{{.Nil}}')).toBe('<no value>');
    expect(render('{{.}}', 'plain')).toBe('plain');
  });

  it('functions: json, index, upper, lower, len, join; actions trimmed; literals', () => {
    expect(render('{{ .Name }}')).toBe('WeB');
    expect(render('{{"lit\\"q"}}')).toBe('lit"q');
    expect(render('{{json .Missing}}')).toBe('null');
    expect(render('{{json .State}}')).toBe('{"Status":"running","Pid":42}');
    expect(render('{{index .Labels "B"}}')).toBe('3');
    expect(message(() => render('{{index .Nil "a"}}'))).toBe('template parsing error: template: :1:2: executing "" at <index .Nil "a">: error calling index: index of untyped nil');
    expect(render('{{index .Labels "none"}}')).toBe(''); // map[string]string: the zero string
    expect(render('{{upper .Name}}')).toBe('WEB');
    expect(render('{{lower .Name}}')).toBe('web');
    expect(render('{{len .Cmd}}')).toBe('2');
    expect(render('{{len .Name}}')).toBe('3');
    expect(render('{{len .Labels}}')).toBe('4');
    expect(message(() => render('{{len .State.Pid}}'))).toBe('template parsing error: template: :1:2: executing "" at <len .State.Pid>: error calling len: len of type int');
    expect(message(() => render('{{len .Nil}}'))).toBe('template parsing error: template: :1:2: executing "" at <len .Nil>: error calling len: len of nil pointer');
    expect(render('{{join .Cmd "+"}}')).toBe('sh+-c');
    expect(render('{{join .Missing "+"}}')).toBe('');
    expect(message(() => render('{{}}'))).toBe('template parsing error: template: :1: missing value for command');
    expect(render('a\\nb\\tc')).toBe('a\nb\tc');
    expect(render('plain')).toBe('plain');
    expect(render('x}}y')).toBe('x}}y');
    expect(render('[{{.Name}}]({{.Name}})')).toBe('[WeB](WeB)');
  });

  it('every error in full; unknown functions fail when parsed, before any data', () => {
    expect(message(() => parseTemplate('{{nope .X}}'))).toBe('template parsing error: template: :1: function "nope" not defined');
    expect(message(() => parseTemplate('ok {{.A}} {{bad}}'))).toBe('template parsing error: template: :1: function "bad" not defined');
    expect(message(() => parseTemplate('{{  nope .X }}'))).toBe('template parsing error: template: :1: function "nope" not defined');
    for (const f of ['json', 'index', 'upper', 'lower', 'len', 'join']) expect(() => parseTemplate(`{{${f} .X "y"}}`), f).not.toThrow();
    expect(message(() => parseTemplate('{{.X'))).toBe('template parsing error: template: :1: unclosed action');
    expect(message(() => parseTemplate('a {{.X}} {{.Y'))).toBe('template parsing error: template: :1: unclosed action');
    expect(message(() => render('{{json}}'))).toBe('template parsing error: template: :1:2: executing "" at <json>: wrong number of args for json: want 1 got 0');
    expect(message(() => render('{{upper foo}}'))).toBe('template parsing error: template: :1: function "foo" not defined');
    expect(message(() => render('{{.Name "x"}}'))).toBe('template parsing error: template: :1:2: executing "" at <.Name>: Name is not a method but has arguments');
    expect(message(() => render('{{"a" "b"}}'))).toBe('template parsing error: template: :1:2: executing "" at <"a">: can\'t give argument to non-function "a"');
  });
});

describe('table headers and columns', () => {
  it('a header runs the template on {field: name} with HeaderFunctions; a failure keeps what was written', () => {
    expect(parseTemplate('table {{.RunningFor}}\\t{{upper "x"}}\\t{{.ID}}').header()).toBe('RUNNING FOR\tx\tID');
    // .State is the column name (a string): .Status on it fails, and the header stops there
    expect(parseTemplate('table {{.ID}}\\t{{.State.Status}}\\t{{.RunningFor}}').header()).toBe('ID\t');
    const t = parseTemplate('table {{.State.Status}}\\t{{.RunningFor}}');
    expect(t.table).toBe(true);
    expect(parseTemplate('{{.ID}}').table).toBe(false);
    // Docker: any format that starts with "table" is a table, the rest is the template
    expect(parseTemplate('tablex {{.ID}}').table).toBe(true);
    expect(parseTemplate('tablex {{.ID}}').render({ ID: 1 })).toBe('x 1');
  });

  it('columns: 3 spaces after the widest cell, the last cell of a row unpadded, no trailing space', () => {
    expect(columns([['A', 'BB', 'C'], ['ccc', 'd']])).toBe('A     BB   C\nccc   d');
    expect(columns([['x', '']])).toBe('x');
    expect(columns([])).toBe('');
  });
});

describe('HumanDuration boundaries (Docker units)', () => {
  it.each([
    [999, 'Less than a second'],
    [1000, '1 second'],
    [1999, '1 second'],
    [2000, '2 seconds'],
    [59_999, '59 seconds'],
    [60_000, 'About a minute'],
    [119_999, 'About a minute'],
    [120_000, '2 minutes'],
    [3_599_999, '59 minutes'],
    [3_600_000, 'About an hour'],
    [5_399_000, 'About an hour'],
    [5_400_000, '2 hours'],
    [47 * 3600_000, '47 hours'],
    [48 * 3600_000, '2 days'],
    [13 * 86400_000, '13 days'],
    [14 * 86400_000, '2 weeks'],
    [59 * 86400_000, '8 weeks'],
    [60 * 86400_000, '2 months'],
    [729 * 86400_000, '24 months'],
    [730 * 86400_000, '2 years'],
    [1100 * 86400_000, '3 years'],
  ])('%d ms → %s', (ms, want) => expect(humanDuration(ms)).toBe(want));

  it('timeAgo', () => {
    expect(timeAgo('2024-01-01T00:00:00Z', Date.parse('2024-01-01T00:00:03Z'))).toBe('3 seconds ago');
  });
});

describe('printInspect', () => {
  afterEach(() => vi.restoreAllMocks());
  function capture(): { out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    return { out, err };
  }
  const find = async (r: string) => (r === 'a' ? { Name: 'A' } : r === 'n' ? null : undefined);
  const notFound = (r: string) => `Error: No such object: ${r}`;

  it('a JSON array of what was found (4-space indent); one line per missing ref; exit 1', async () => {
    const c = capture();
    expect(await printInspect(['a', 'x', 'n'], undefined, find, notFound)).toBe(1);
    expect(c.err).toEqual(['Error: No such object: x\n', 'Error: No such object: n\n']);
    expect(c.out).toEqual([`${JSON.stringify([{ Name: 'A' }], null, 4)}\n`]);
  });

  it('-f renders each found object; all found: exit 0', async () => {
    const c = capture();
    expect(await printInspect(['a', 'a'], '{{.Name}}', find, notFound)).toBe(0);
    expect(c.out.join('')).toBe('A\nA\n');
    expect(c.err).toEqual([]);
  });
});
