// Templates written to kill the mutants StrykerJS found surviving in the template engine
// (issue 18, docs/mutation.md): each one aims at a branch the tutorial corpus
// (template-corpus.ts) leaves open. Their outcomes are recorded from Go's text/template
// (test/integration/template-go.test.ts, MINIDOCK_RECORD_TEMPLATES=1) into
// test/unit/template-golden.json, which the unit tests replay: nothing here is checked
// against minidock's own output.

/** The values printf is tried on: every kind of operand, at the edges fmt.go cares about. */
const PRINTF_VALUES = [
  // integers: zero, signs, bytes, the ends of Unicode and of the surrogates, int64's ends
  '0', '5', '-5', '255', '65', '39', '34', '10', '1114111', '1114112', '55295', '55296', '57343', '57344', '-1', '128512',
  '1000001', 
  // floats: zero and minus zero, small and subnormal, halfway cases, large, integral
  '0.0', '-0.0', '1.0', '-1.5', '3.14159', '1e-320', '5e-324', '2.2250738585072014e-308', '1e-5', '0.000123', '0.0001',
  '123456789.0', '1e21', '1e20', '100000.0', '1e6', '2.5', '0.5', '1.5', '9.5', '0.05', '0.25', '9.999999', '99999.95',
  '1e100', '1.7976931348623157e308', '0.1', '-0.001', '12345.678', '1e-7', '4.0', '15.0', '0.96875', '1.03125',
  // strings, booleans, nil, and data of each shape
  '""', '"abc"', '"héllo"', '"a\\tb"', '"`x"', '"\'"', '"\\""', '"\\x00z"', '"\\ufeff"', '"✓"',
  'true', 'false', 'nil', '.Config.Cmd', '.Mixed', '.Config.Labels', '.State', '.EmptyList', '.Config.ExposedPorts',
  '.Config.Entrypoint', '.NetworkSettings.Ports', '(index .Mixed 5)', '(index .Name 1)',
];

/** Verbs with flags, widths and precisions: fmt's code paths for each kind of operand. */
const PRINTF_SPECS = [
  '%v', '%+v', '%#v', '%8v', '%-8v', '%08v', '%T', '%-10T', '%w', '%z',
  '%d', '%+d', '% d', '%5d', '%-5d', '%05d', '%-05d', '%+05d', '% 05d', '%.3d', '%.0d', '%8.3d', '%+.0d', '%1d',
  '%x', '%#x', '%X', '%#X', '%08x', '%#08x', '%#8x', '%-#8x', '%.1x', '%.3x', '%.0x', '%.13x', '%.15x', '% x', '%# x', '%# X', '%#.2x',
  '%o', '%#o', '%#05o', '%O', '%08O', '%#O', '%#08o', '%+#x', '%#-08x', '%5.0d', '%-5.0x', '%.6U', '%08U', '%-#8U', '%b', '%#b', '%#010b', '%010b', '%+08b', '%c', '%5c', '%q', '%+q', '%#q', '%#+q', '%.1q', '%U', '%#U', '%8U',
  '%s', '%.2s', '%.0s', '%10s', '%-10s', '%010s', '%t', '%5t', '%-6t',
  '%f', '%.0f', '%.1f', '%.2f', '%+.2f', '% .2f', '%08.2f', '%-8.2f', '%+08.2f', '% 08.2f', '%F', '%#.0f', '%#f', '%.20f',
  '%e', '%.0e', '%.3e', '%E', '%#e', '%#.0e', '%+e', '%012.3e', '%.17e',
  '%g', '%.0g', '%.1g', '%.2g', '%.3g', '%.10g', '%G', '%#g', '%#.3g', '%#.0g', '%#G', '%+g', '% g', '%010g', '%.4G', '%.17g', '%.6g',
  '%#x', '%#.0x', '%08.3x', '%+x', '%-8x',
];

function printfMatrix(): string[] {
  // one template per spec over all the values: a mutant changing any of them changes the line
  return PRINTF_SPECS.map((spec) => PRINTF_VALUES.map((v) => `{{printf "${spec}" ${v}}}`).join('|'));
}

/** Sprintf's own parsing: argument indexes, * widths and precisions, and its error forms. */
const PRINTF_PARSING = [
  '{{printf "%[2]d %[1]d" 1 2}}', '{{printf "%[3]d" 1 2}}', '{{printf "%[0]d" 1}}', '{{printf "%[x]d" 1}}', '{{printf "%[]d" 1}}',
  '{{printf "%[1" 1}}', '{{printf "%[1]" 1}}', '{{printf "%[2]*d" 1 5}}', '{{printf "%[1]*d" 5 6}}', '{{printf "%[2]*[1]d" 7 5}}',
  '{{printf "%*d|" 5 1}}', '{{printf "%*d|" -5 1}}', '{{printf "%-*d|" 5 1}}', '{{printf "%0*d|" -5 1}}', '{{printf "%*d|" "x" 1}}',
  '{{printf "%*d|" 1000001 1}}', '{{printf "%*d|" -1000001 1}}', '{{printf "%*d|" 1000000 0 | len}}', '{{printf "%*d" 1.5 1}}',
  '{{printf "%.*f|" 2 3.14159}}', '{{printf "%.*f|" -2 3.14159}}', '{{printf "%.*f|" "x" 3.14159}}', '{{printf "%.*d|" 0 0}}',
  '{{printf "%8.*f|" 1 2.5}}', '{{printf "%.[2]*[1]f" 3.14159 2}}', '{{printf "%[2].2f" 1.5 2.5}}', '{{printf "%[2]2d" 1 2}}',
  '{{printf "%[1]d %d" 1 2}}', '{{printf "%[2]d %d" 1 2 3}}', '{{printf "%d" 1 2}}', '{{printf "%d" 1 nil "s" 2.5}}',
  '{{printf "%d %d" 1}}', '{{printf "%"}}', '{{printf "%5"}}', '{{printf "%."}}', '{{printf "%5." 1}}', '{{printf "%.5" 1}}',
  '{{printf "%-"}}', '{{printf "%[1]"}}', '{{printf "%%"}}', '{{printf "%5%"}}', '{{printf "%!" 1}}', '{{printf "100%% %d%%" 5}}',
  '{{printf "%1000001d" 1}}', '{{printf "%.1000001d" 1 | len}}', '{{printf "%1000000d" 1 | len}}', '{{printf "%-0d|%0-5d|" 1 2}}',
  '{{printf "%-08d|%0-8d|" 3 4}}', '{{printf "%+ d|% +d" 5 5}}', '{{printf "%#-8x|" 255}}', '{{printf "%ä" 1}}', '{{printf "%✓" 1}}',
  '{{printf "a%sb%sc" "x"}}', '{{printf "abc"}}', '{{printf ""}}', '{{printf "x" 1 2}}', '{{printf "%[1]d" 1 2}}', '{{printf "%[5]d %d" 1 2}}',
  '{{printf "%.[1]d" 1}}', '{{printf "%[1].[1]d" 3}}', '{{printf "%[1]*.[1]*d" 3 4}}', '{{printf "%*.*f" 8 2 3.14159}}', '{{printf "%[2]*.[1]*f" 2 8 3.5}}',
  '{{printf "%.*d" 1}}', '{{printf "%*d"}}', '{{printf "%.*d"}}', '{{printf "%[2]d"}}', '{{printf "%d %[1]d %d" 1 2}}',
  '{{printf "%[1]d%%%[1]d" 4}}', '{{printf "%[11]d" 1 2 3 4 5 6 7 8 9 10 11}}', '{{printf "%[01]d" 5}}', '{{printf "%[-1]d" 5}}',
  '{{print 1 2 "a" "b" 3 nil 4 true}}', '{{print "a" 1 "b"}}', '{{print nil nil}}', '{{print .Config.Cmd .Config.Cmd}}', '{{println 1 "a" nil}}',
  '{{print}}', '{{println}}', '{{print 1.5 2.5}}', '{{print (index .Mixed 5) .State.Pid}}',
];

/** Go's %v and %#v of nested data: nil inside slices and maps, typed maps and slices. */
const PRINTF_NESTED = [
  '{{printf "%v|%+v|%#v|%d|%s|%x|%q|%5v" .Mixed .Mixed .Mixed .Mixed .Mixed .Mixed .Mixed .Mixed}}',
  '{{printf "%#v|%v|%x|%5v|%-5d|%q" .Config.Labels .Config.Labels .Config.Labels .Config.Labels .Config.Labels .Config.Labels}}',
  '{{printf "%#v|%v|%5v|%x|%X" .NetworkSettings.Ports .NetworkSettings.Ports .NetworkSettings.Ports .NetworkSettings.Ports .NetworkSettings.Ports}}',
  '{{printf "%#v|%v|%05d|%x|%T" .NetworkSettings.Networks .NetworkSettings.Networks .NetworkSettings.Networks .NetworkSettings.Networks .NetworkSettings.Networks}}',
  '{{printf "%#v|%v|%T|%d|%5.1f|%x" .State .State .State .State .State .State}}',
  '{{printf "%#v|%T|%v" .Config .Config .Config}}', '{{printf "%#v|%T|%v|%q" .Config.Env .Config.Env .Config.Env .Config.Env}}',
  '{{printf "%#v|%T|%v|%d" .EmptyList .EmptyMap .EmptyMap .EmptyList}}', '{{printf "%#v|%#v|%#v|%#v" 1.5 true nil "s"}}',
  '{{printf "%#v|%#v|%#v|%#v" (index .Name 1) .Ratio .Big .Neg}}', '{{printf "%x|%X|%#x|%o|%c|%q|%U|%v" (index .Name 1) (index .Name 1) (index .Name 1) (index .Name 1) (index .Name 1) (index .Name 1) (index .Name 1) (index .Name 1)}}',
  '{{printf "%v|%d|%s" .Big .Big .Big}}', '{{printf "%e|%g|%f|%.3g" .Big .Big .Big .Big}}', '{{printf "%v|%.2f|%e" .Ratio .Ratio .Ratio}}',
  '{{printf "%v|%+v|%#v" (slice .Mixed 4) (slice .Mixed 4) (slice .Mixed 4)}}', '{{printf "%v" (split "a,b" ",")}}', '{{printf "%#v" (split "a,b" ",")}}',
];


/** exec.go: positions in errors, variables, range's scopes, ideal constants, pipelines into and/or. */
const EXEC = [
  // error positions: a line that starts right after a newline, a later line, a multi-byte column
  '\n{{.Nosuch}}', 'a\nb\n{{.Nosuch}}', 'é{{.Nosuch}}', '{{"\n"}}{{.Nosuch}}', '{{/* \n */}}{{.Nosuch}}', 'x\n\n  {{.Name}}{{.Nosuch}}',
  // variables: $ itself, assignment to an outer one, shadowing, scopes that end
  '{{$ = 1}}{{$}}', '{{$x := 1}}{{$x = 2}}{{$x}}', '{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}', '{{$x := 1}}{{if true}}{{$x := 2}}{{end}}{{$x}}',
  '{{$x := 5}}{{range $v := .Config.Cmd}}{{$x}}{{$v}};{{end}}', '{{$x := 5}}{{range $i, $v := .Config.Cmd}}{{$x}}{{$i}}{{$v}};{{end}}{{$x}}',
  '{{range $i, $v := .Config.Cmd}}{{$x := 1}}{{$i}}{{$v}};{{end}}', '{{range .Config.Cmd}}{{$y := .}}{{$y}};{{end}}',
  '{{range $i, $e := .Config.Cmd}}{{printf "%T" $i}}{{$e}};{{end}}', '{{range $i, $e := split "a b c d e f g h i j k l" " "}}{{$i}}{{$e}};{{end}}',
  '{{range $k, $v := .Config.Labels}}{{$k}}={{printf "%T" $v}};{{end}}', '{{range $v := .Mixed}}{{printf "%T" $v}};{{end}}', '{{range .Mixed}}{{.}};{{end}}',
  '{{range .Config.Cmd}}{{.Nosuch}}{{end}}', '{{range .Config.Cmd}}{{break}}{{.Nosuch}}{{end}}ok', '{{range .Config.Cmd}}{{continue}}{{.Nosuch}}{{end}}ok',
  '{{range $i, $e := .Config.Cmd}}{{if eq $i 1}}{{break}}{{end}}{{$e}};{{end}}', '{{range $i, $e := .Config.Cmd}}{{if eq $i 1}}{{continue}}{{end}}{{$e}};{{end}}',
  '{{range .EmptyList}}x{{else}}{{.Name}}{{end}}', '{{range .EmptyMap}}x{{else}}{{.Name}}{{end}}', '{{range .Nosuch}}x{{else}}e{{end}}',
  '{{range true}}x{{end}}', '{{range 1.5}}x{{end}}', '{{range 5}}x{{end}}', '{{range "s"}}x{{end}}', '{{range .Name}}x{{end}}', '{{range -2.5}}x{{end}}',
  '{{range $x := .Config.Cmd}}{{end}}{{$x}}', '{{with $x := .Name}}{{$x}}{{end}}{{$x}}', '{{if $x := .Name}}{{$x}}{{end}}{{$x}}',
  '{{if .State.Pid}}{{.Name}}{{end}}', '{{if .Name}}{{.State.Pid}}{{else}}n{{end}}', '{{with .State}}{{.Pid}}{{else}}{{.Name}}{{end}}', '{{with .Nosuch2}}{{end}}',
  '{{with .Config.Entrypoint}}x{{else}}{{.Name}}{{end}}', '{{if .Config.Entrypoint}}x{{else}}{{.Name}}{{end}}', '{{if (index .Mixed 4)}}x{{else}}n{{end}}',
  '{{with $x := 1}}{{$x}}{{$x = 2}}{{$x}}{{end}}', '{{with $x := .Name}}{{$y := 1}}{{$x}}{{$y}}{{else}}e{{end}}',
  // template and define: depth, dot, missing, recursion
  '{{define "t"}}[{{.}}]{{end}}{{template "t" .Name}}{{template "t"}}', '{{define "t"}}{{.Nosuch}}{{end}}{{template "t" .}}',
  '{{template "nope"}}', '{{define "r"}}{{if .}}{{len .}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .Config.Cmd}}',
  '{{define "t"}}{{$}}{{end}}{{template "t" 5}}', '{{define "t"}}{{$x := 1}}{{end}}{{$x := 2}}{{template "t"}}{{$x}}',
  // ideal constants and their types
  '{{printf "%T %v" 0x10 0x10}}', '{{printf "%T %v" -0x10 +0x10}}', '{{printf "%T %v" 0x1p3 0x1p3}}', '{{printf "%T %v" 0X1P-2 0x1.8p1}}',
  '{{printf "%T %v" \'a\' \'a\'}}', '{{printf "%T %v" \'\\n\' \'\\x41\'}}', '{{printf "%T %v" 1e3 1E3}}', '{{printf "%T %v" 1.0 2.50}}', '{{printf "%T %v" 1_000 0b101}}',
  '{{printf "%T %v" 0o17 017}}', '{{printf "%T %v" -0 -1.0}}', '{{printf "%T %v" 1e-3 .5}}', '{{printf "%T" 0x_1F}}',
  '{{1.0}} {{2.5}} {{0x10}} {{\'a\'}} {{1e3}} {{-0.0}} {{1e21}}', '{{print 1.0 2}}', '{{len (printf "%v" 1.0)}}',
  '{{index .Config.Cmd 0x1}}', '{{index .Config.Cmd 1.0}}', '{{index .Config.Cmd \'\\x01\'}}', '{{slice .Name 1.0}}', '{{pad "a" 2.0 1}}',
  // pipelines: a final value into and/or, into functions, into non-functions
  '{{"x" | and 1}}', '{{"x" | and 0}}', '{{"x" | or 0}}', '{{"" | or 0}}', '{{0 | and 1 2}}', '{{1 | or 0 ""}}', '{{.Name | and .State.Pid}}', '{{"" | and}}',
  '{{.Name | len}}', '{{.Name | printf "%s-%s" "a"}}', '{{.Name | print}}', '{{"a" | .Name}}', '{{"a" | 1}}', '{{"a" | $}}', '{{"a" | nil}}', '{{"a" | true}}',
  '{{"a" | (.Name)}}', '{{"a" | .}}', '{{1 | "s"}}', '{{$x := 1}}{{"a" | $x}}', '{{"a" | $.Name}}', '{{1 2}}', '{{.Name 2}}', '{{. 1}}', '{{$ 1}}',
  '{{(1) 2}}', '{{"s" 1}}', '{{true 1}}', '{{nil}}', '{{(nil).X}}', '{{nil.X}}', '{{$x := nil}}', '{{(.State).Pid}}', '{{(.State).Nosuch}}', '{{(index .Mixed 5).k}}',
  '{{$.State.Pid}}', '{{$s := .State}}{{$s.Pid}} {{$s.Status}}', '{{$s := .State}}{{$s.Nosuch}}', '{{$n := .Name}}{{$n.X}}', '{{.State.Pid.X}}', '{{.Config.Cmd.X}}',
  '{{(index .Mixed 4).X}}', '{{.Config.Entrypoint.X}}', '{{$x := .Config.Entrypoint}}{{$x.Y}}', '{{.NetworkSettings.Ports.nosuch.X}}', '{{(.Mixed).X}}',
  // argument types: nil, dot, fields, variables, pipes and chains for each kind of parameter
  '{{index nil 1}}', '{{len nil}}', '{{printf nil}}', '{{printf "%v" nil}}', '{{print nil}}', '{{join nil ","}}', '{{split nil ","}}', '{{slice nil}}', '{{not nil}}',
  '{{eq nil nil}}', '{{html nil}}', '{{upper nil}}', '{{pad nil 1 1}}', '{{index .Config.Cmd nil}}', '{{json nil}}', '{{title nil}}', '{{truncate "abc" nil}}',
  '{{printf .}}', '{{upper .}}', '{{join . ","}}', '{{len .}}', '{{index . "Name"}}', '{{upper $}}', '{{upper .Name}}', '{{upper .State.Pid}}', '{{upper .Config.Entrypoint}}',
  '{{join .Config.Cmd "-"}}', '{{join .Mixed "-"}}', '{{join .Config.Entrypoint "-"}}', '{{join (index .Mixed 4) "-"}}', '{{join .Nosuch "-"}}',
  '{{$c := .Config.Cmd}}{{join $c ","}}', '{{join (split "a b" " ") "+"}}', '{{join (.Config).Cmd "+"}}', '{{upper (index .Mixed 1)}}', '{{upper (index .Mixed 0)}}',
  '{{pad .Name .State.Pid 1 | len}}', '{{pad .Name (index .Mixed 0) 1}}', '{{pad .Name (len .Name) 1}}', '{{pad .Name "1" 1}}', '{{pad .Name 1.5 1}}', '{{pad .Name true 1}}',
  '{{truncate .Name .Ratio}}', '{{truncate .Name .Neg}}', '{{truncate .Name $.State.Pid}}', '{{index .Mixed .Neg}}', '{{index .Mixed (len .Config.Cmd)}}',
  '{{upper 1}}', '{{upper true}}', '{{upper 1.5}}', '{{index .Config.Cmd "1"}}', '{{index .Config.Cmd true}}', '{{pad "a" "b" 1}}', '{{pad "a" nil 1}}',
  '{{printf 1}}', '{{printf true}}', '{{printf .State.Pid}}', '{{printf (index .Mixed 1)}}', '{{printf (index .Mixed 0)}}', '{{printf .Config.Entrypoint}}',
  // printing: nil values, functions, maps
  '{{.Config.Entrypoint}}', '{{index .Mixed 4}}', '{{(index .Mixed 4)}}', '{{$x := index .Mixed 4}}{{$x}}', '{{.Nosuch2}}', '{{print .Config.Entrypoint}}',
  '{{$x := .Config.Entrypoint}}{{$x}}', '{{with $x := .Config.Entrypoint}}{{end}}{{.Config.Entrypoint | print}}', '{{len}}', '{{index}}', '{{printf}}',
];

/** Templates whose recorded outcome is for missingkey=default (the --format commands). */
export const MUTATION_DEFAULT_MODE: string[] = [
  '{{.Nosuch.X}}', '{{printf "%T|%v|%d" .Nosuch .Nosuch .Nosuch}}', '{{json .Nosuch}}', '{{index .Config.Labels "nosuch"}}', '{{.Config.Labels.nosuch}}|',
  '{{upper .Nosuch}}', '{{len .Config.Labels.nosuch}}', '{{join .Config.Labels.nosuch ","}}', '{{pad .Nosuch 1 1}}', '{{print .Nosuch 1}}', '{{not .Nosuch}}',
  '{{and .Nosuch 1}}', '{{or .Nosuch 1}}', '{{"x" | or .Nosuch}}', '{{if .Nosuch}}y{{else}}n{{end}}', '{{with .Nosuch}}y{{else}}n{{end}}', '{{.Nosuch | len}}',
  '{{$x := .Nosuch}}{{$x}}|{{printf "%T" $x}}', '{{.State.Nosuch}}', '{{.Config.Cmd.X}}', '{{(index .Mixed 5).nosuch}}', '{{index .Nosuch "x"}}',
];

export const MUTATION_TEMPLATES: string[] = [...printfMatrix(), ...PRINTF_PARSING, ...PRINTF_NESTED, ...EXEC];
