import { describe, expect, it } from 'vitest';
import { columns, humanDuration, parseTemplate } from '../../src/cli/template.js';

const data = { Name: 'web', State: { Status: 'running', Pid: 42 }, Cmd: ['sh', '-c'], Labels: { a: '1' }, Nil: null };

describe('Go templates', () => {
  it.each([
    ['{{.Name}}', 'web'],
    ['{{.State.Status}}/{{.State.Pid}}', 'running/42'],
    ['{{json .Cmd}}', '["sh","-c"]'],
    ['{{json .}}', JSON.stringify(data)],
    ['{{.Cmd}}', '[sh -c]'],
    ['{{.Labels}}', 'map[a:1]'],
    ['{{.Nil}}', '<no value>'], // Go: a nil interface{} at the end of a pipeline is no value
    ['{{index .Labels "a"}}', '1'],
    ['{{upper .Name}}', 'WEB'],
    ['{{len .Cmd}}', '2'],
    ['{{join .Cmd ","}}', 'sh,-c'],
    ['{{.Name}}\\t{{.State.Pid}}', 'web\t42'],
    ['{{.Missing.Deep}}', '<no value>'], // Go, missingkey=default (the --format commands)
  ])('%s', (tpl, out) => expect(parseTemplate(tpl).render(data)).toBe(out));

  it('table prefix gives a header', () => {
    const t = parseTemplate('table {{.ID}}\\t{{.RunningFor}}');
    expect(t.table).toBe(true);
    expect(t.header()).toBe('ID\tRUNNING FOR');
  });

  it('rejects unknown functions and unclosed actions', () => {
    expect(() => parseTemplate('{{nope .X}}').render({})).toThrow(/not defined/);
    expect(() => parseTemplate('{{.X')).toThrow(/unclosed/);
  });
});

describe('columns and durations', () => {
  it('aligns columns', () => {
    expect(columns([['A', 'BB'], ['ccc', 'd']])).toBe('A     BB\nccc   d');
  });
  it('humanises like Docker', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(5_000)).toBe('5 seconds');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(3 * 3600_000)).toBe('3 hours');
    expect(humanDuration(3 * 86400_000)).toBe('3 days');
  });
});
