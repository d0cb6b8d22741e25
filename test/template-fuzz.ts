// Random templates for the differential test (template-go.test.ts): nested actions, pipelines,
// parentheses, variables, trim markers and comments over the corpus data's fields, a fifth of
// them damaged by one character (dropped, inserted or the rest cut off) to reach the parse errors.
// Seeded, so a failure can be replayed.

export function randomTemplates(seedIn: number, count: number): string[] {
  let seed = seedIn;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const fields = ['.Name', '.State.Pid', '.Config.Cmd', '.Config.Labels', '.Mixed', '.NetworkSettings.Networks', '.Ratio', '.', '$', '$x', '.Nosuch', '.Config.Entrypoint', '.EmptyList', '.State'];
  const lits = ['1', '-2', '1.5', '"s"', '`r`', 'true', 'nil', "'c'", '0x10', '1e2'];
  const fns = ['len', 'index', 'slice', 'eq', 'ne', 'lt', 'and', 'or', 'not', 'print', 'printf', 'println', 'json', 'join', 'split', 'upper', 'html', 'js', 'pad', 'truncate'];
  function operand(d: number): string {
    const r = rnd();
    if (r < 0.4) return pick(fields);
    if (r < 0.6) return pick(lits);
    if (d > 2) return pick(fields);
    if (r < 0.8) return `(${pipeline(d + 1)})`;
    return `(${pipeline(d + 1)})${pick(['.Name', '.X', '.Pid', ''])}`;
  }
  function command(d: number): string {
    if (rnd() < 0.5) return operand(d);
    const f = pick(fns);
    const n = Math.floor(rnd() * 3);
    const args = Array.from({ length: n }, () => operand(d));
    return [f, ...args].join(' ');
  }
  function pipeline(d: number): string {
    let p = command(d);
    while (rnd() < 0.25) p += ' | ' + pick(fns) + (rnd() < 0.5 ? ' ' + operand(d) : '');
    return p;
  }
  function action(d: number): string {
    const r = rnd();
    const ws = () => pick(['', ' ', '- ', '  ']);
    const we = () => pick(['', ' ', ' -', '  ']);
    if (d > 2 || r < 0.45) return `{{${ws()}${pipeline(d)}${we()}}}`;
    if (r < 0.55) return `{{$x := ${pipeline(d)}}}`;
    if (r < 0.6) return `{{$x = ${pipeline(d)}}}`;
    if (r < 0.7) return `{{if ${pipeline(d)}}}${body(d + 1)}${rnd() < 0.5 ? '{{else}}' + body(d + 1) : ''}{{end}}`;
    if (r < 0.8) return `{{range ${pick(['', '$i, $v := ', '$v := '])}${pipeline(d)}}}${body(d + 1)}${rnd() < 0.3 ? '{{else}}' + body(d + 1) : ''}{{end}}`;
    if (r < 0.9) return `{{with ${pipeline(d)}}}${body(d + 1)}${rnd() < 0.3 ? '{{else}}' + body(d + 1) : ''}{{end}}`;
    return `{{/* c */}}${pick(['', ' ', '\n'])}`;
  }
  function body(d: number): string {
    let s = '';
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) s += (rnd() < 0.3 ? pick([' ', 'x', '\n', ' a ']) : '') + action(d);
    return s;
  }
  function mutate(s: string): string {
    if (rnd() > 0.2) return s;
    const i = Math.floor(rnd() * s.length);
    const r = rnd();
    if (r < 0.33) return s.slice(0, i) + s.slice(i + 1);
    if (r < 0.66) return s.slice(0, i) + pick(['{', '}', '(', ')', '"', '|', '$', '.', ' ', '-', ':', '=']) + s.slice(i);
    return s.slice(0, i);
  }
  const tpls: string[] = [];
  for (let i = 0; i < count; i++) tpls.push(mutate('{{$x := 0}}' + body(0)));
  return tpls;
}
