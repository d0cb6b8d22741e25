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
  '1e100', '1.7976931348623157e308', '0.1', '-0.001', '12345.678', '1e-7', '4.0', '15.0', '0.96875', '1.03125', '4503599627370496.0', '1e10', '1.5e-10', '123456.0', '1234567.0', '0.00001234',
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
  '%g', '%.0g', '%.1g', '%.2g', '%.3g', '%.10g', '%G', '%#g', '%#.3g', '%#.0g', '%#G', '%+g', '% g', '%010g', '%.4G', '%.17g', '%.6g', '%.50g', '%.40e', '%.60f', '%.2q', '%#8v', '%+#v', '%-#8v', '%#08v', '%.2v', '%.0v', '%#.2v', '%#.0v',
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
  '{{printf "%1000001d" 1 | len}}', '{{printf "%10000000d" 1 | len}}', '{{printf "%100000000d|" 1}}', '{{printf "%.100000000d|" 1}}', '{{printf "%[100000000]d|" 1}}', '{{printf "%.1000001d" 1 | len}}', '{{printf "%1000000d" 1 | len}}', '{{printf "%-0d|%0-5d|" 1 2}}',
  '{{printf "%-08d|%0-8d|" 3 4}}', '{{printf "%+ d|% +d" 5 5}}', '{{printf "%#-8x|" 255}}', '{{printf "%ä" 1}}', '{{printf "%✓" 1}}',
  '{{printf "a%sb%sc" "x"}}', '{{printf "abc"}}', '{{printf ""}}', '{{printf "x" 1 2}}', '{{printf "%[1]d" 1 2}}', '{{printf "%[5]d %d" 1 2}}',
  '{{printf "%.[1]d" 1}}', '{{printf "%[1].[1]d" 3}}', '{{printf "%[1]*.[1]*d" 3 4}}', '{{printf "%*.*f" 8 2 3.14159}}', '{{printf "%[2]*.[1]*f" 2 8 3.5}}',
  '{{printf "%.*d" 1}}', '{{printf "%*d"}}', '{{printf "%.*d"}}', '{{printf "%[2]d"}}', '{{printf "%d %[1]d %d" 1 2}}',
  '{{printf "%[1]d%%%[1]d" 4}}', '{{printf "%[11]d" 1 2 3 4 5 6 7 8 9 10 11}}', '{{printf "%[01]d" 5}}', '{{printf "%[-1]d" 5}}',
  '{{printf "%[]" 1}}', '{{printf "%[" 1}}', '{{printf "%[1x]d" 5}}', '{{printf "%[1][2]d" 1 2}}', '{{printf "%*d" -1000000 1 | len}}', '{{printf "%*d" 1000001 1}}',
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
  '{{template "nope"}}', '{{define "r"}}{{template "r"}}{{end}}{{template "r"}}', '{{define "r"}}x{{template "r" .}}{{end}}{{template "r" 1}}',
  '{{$x := 1}}{{range $x := .Config.Cmd}}{{end}}{{$x}}', '{{$x := 1}}{{range $i, $x := .Config.Cmd}}{{end}}{{$x}}', '{{$x := 1}}{{with $x := 2}}{{end}}{{$x}}', '{{$x := 1}}{{if $x := 0}}{{else}}{{$x}}{{end}}{{$x}}', '{{define "r"}}{{if .}}{{len .}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .Config.Cmd}}',
  '{{define "t"}}{{$}}{{end}}{{template "t" 5}}', '{{define "t"}}{{$x := 1}}{{end}}{{$x := 2}}{{template "t"}}{{$x}}',
  // ideal constants and their types
  '{{printf "%T %v" 0x10 0x10}}', '{{printf "%T %v" -0x10 +0x10}}', '{{printf "%T %v" 0x1p3 0x1p3}}', '{{printf "%T %v" 0X1P-2 0x1.8p1}}',
  '{{printf "%T %v" \'a\' \'a\'}}', '{{printf "%T %v" \'\\n\' \'\\x41\'}}', '{{printf "%T %v" 1e3 1E3}}', '{{printf "%T %v" 1.0 2.50}}', '{{printf "%T %v" 1_000 0b101}}',
  '{{printf "%T %v" 0o17 017}}', '{{printf "%T %v" -0 -1.0}}', '{{printf "%T %v" 1e-3 .5}}', '{{printf "%T" 0x_1F}}', '{{printf "%T %v %T %v" 0x1e -0x1E 0xe +0Xe}}', '{{printf "%T %T %T" -0x1E +0x1e -0xE}}', '{{printf "%T %v %T %v %T" \'e\' \'E\' \'p\' \'.\' \'P\'}}', '{{printf "%T %v" 0x1p-2 0x1.ep+1}}',
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

/** funcs.go and Docker's functions: comparisons across kinds, index and slice at their bounds, the escapers. */
const FUNCS_T = [
  // eq and friends on every pair of kinds
  ...['1', '1.0', '1.5', '"1"', 'true', 'nil', '.Config.Cmd', '.Config.Labels', '.Nosuch2', '.State.Pid', '(index .Mixed 0)', '(index .Mixed 4)', '(index .Name 1)', '.Config.Entrypoint', '-1', '"a"', '""', '0']
    .map((a) => ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].map((f) => `{{${f} ${a} 1}}|{{${f} ${a} 1.5}}|{{${f} ${a} "a"}}|{{${f} ${a} true}}|{{${f} 1 ${a}}}|{{${f} "b" ${a}}}|{{${f} ${a} ${a}}}`).join('\n')),
  '{{eq 1 2 3 1}}', '{{eq 1 2 3}}', '{{eq 1}}', '{{eq "a" "b" "a"}}', '{{eq 1 "a" 1}}', '{{eq 1 1 "a"}}', '{{eq .Nosuch2 .Nosuch3}}', '{{eq nil nil}}', '{{eq .Config.Entrypoint nil}}',
  '{{eq .Config.Cmd .Config.Cmd}}', '{{eq .Config.Cmd nil}}', '{{eq nil .Config.Cmd}}', '{{eq .Config.Labels .Config.Labels}}', '{{eq (index .Mixed 4) .Config.Cmd}}', '{{eq .Config.Cmd 1}}',
  '{{eq .State .State}}', '{{eq .State 1}}', '{{eq 1 .State}}', '{{eq .Mixed .Config.Cmd}}', '{{eq (index .Mixed 5) (index .Mixed 5)}}', '{{eq true true}}', '{{eq true false}}', '{{eq 1.5 1.5}}',
  '{{eq 2 2.0}}', '{{eq 2.0 2}}', '{{eq (index .Mixed 0) 1}}', '{{eq (index .Name 1) 119}}', '{{eq (index .Name 1) (index .Name 1)}}', '{{lt (index .Name 1) 200}}',
  '{{lt 1 2}}', '{{lt 2 1}}', '{{lt 1 1}}', '{{le 1 1}}', '{{le 2 1}}', '{{gt 2 1}}', '{{gt 1 1}}', '{{ge 1 1}}', '{{ge 0 1}}', '{{lt 1.5 2.5}}', '{{lt 2.5 1.5}}', '{{lt -1 0}}',
  '{{lt "a" "b"}}', '{{lt "b" "a"}}', '{{lt "a" "a"}}', '{{lt "B" "a"}}', '{{lt "é" "z"}}', '{{lt "z" "é"}}', '{{lt "" "a"}}', '{{le "a" "a"}}', '{{gt "b" "a"}}', '{{ge "a" "b"}}',
  '{{lt true false}}', '{{lt true 1}}', '{{lt 1 true}}', '{{lt nil 1}}', '{{lt 1 nil}}', '{{lt .Config.Cmd 1}}', '{{lt 1 .Config.Cmd}}', '{{le nil nil}}', '{{lt 1}}', '{{lt 1 2 3}}',
  // index: strings, slices, maps, nested, nil, bounds
  '{{index .Name 0}}', '{{index .Name 4}}', '{{index .Name 5}}', '{{index .Name -1}}', '{{index "é" 1}}', '{{index "" 0}}', '{{index .Config.Cmd 2}}', '{{index .Config.Cmd 3}}',
  '{{index .Config.Cmd -1}}', '{{index .Config.Cmd 4}}', '{{index .EmptyList 0}}', '{{index .Mixed 5 "k"}}', '{{index .Mixed 5 "nosuch"}}', '{{index .Mixed 4 1}}', '{{index .Mixed 1 0}}',
  '{{index .Config.Labels "maintainer"}}', '{{index .Config.Labels "nosuch"}}|', '{{printf "%q" (index .Config.Labels "nosuch")}}', '{{index .State "Pid"}}', '{{index .State "Nosuch"}}',
  '{{printf "%T" (index .State "Nosuch")}}', '{{index .NetworkSettings.Ports "443/tcp"}}', '{{index .NetworkSettings.Ports "80/tcp" 0 "HostPort"}}', '{{index .Config.Labels 1}}',
  '{{index .Config.Labels nil}}', '{{index .Config.Labels .Config.Cmd}}', '{{index .Config.Cmd "a"}}', '{{index .Config.Cmd 1.5}}', '{{index .Config.Cmd (index .Mixed 0)}}', '{{index 1 1}}',
  '{{index true 0}}', '{{index .Config.Cmd}}', '{{index .Name}}', '{{index nil}}', '{{index .Config.Entrypoint 0}}', '{{index .Nosuch2 0}}', '{{index .Config.Cmd 1 0}}', '{{index .Config.ExposedPorts "80/tcp"}}',
  '{{printf "%T" (index .Config.Cmd 0)}}', '{{printf "%T" (index .Mixed 0)}}', '{{printf "%T" (index .Config.Labels "maintainer")}}', '{{printf "%T" (index .EmptyMap "x")}}', '{{index .EmptyMap "x"}}',
  '{{index .Config.Cmd 3000000000}}', '{{index .Mixed (index .Mixed 0)}}', '{{index .Mixed (index .Name 0)}}', '{{index .Name (index .Mixed 0)}}',
  // slice
  '{{slice .Name}}', '{{slice .Name 1}}', '{{slice .Name 1 3}}', '{{slice .Name 4}}', '{{slice .Name 5}}', '{{slice .Name 3 1}}', '{{slice .Name 1 2 3}}', '{{slice .Name -1}}', '{{slice .Name 0 4}}',
  '{{slice .Config.Cmd 1}}', '{{slice .Config.Cmd 1 2}}', '{{slice .Config.Cmd 1 2 3}}', '{{slice .Config.Cmd 0 3 3}}', '{{slice .Config.Cmd 0 2 1}}', '{{slice .Config.Cmd 2 1}}', '{{slice .Config.Cmd 0 4}}',
  '{{slice .Config.Cmd 1 2 3 4}}', '{{slice .Config.Cmd 3}}', '{{slice .Config.Cmd 4}}', '{{slice .Config.Labels 1}}', '{{slice 1 1}}', '{{slice nil}}', '{{slice .Config.Entrypoint}}', '{{slice .Nosuch2 1}}',
  '{{slice .Config.Cmd (index .Mixed 0)}}', '{{slice .Config.Cmd "1"}}', '{{slice .Config.Cmd nil}}', '{{slice .Config.Cmd 1.0}}', '{{slice "héllo" 1 3}}', '{{slice .EmptyList 0}}', '{{printf "%T" (slice .Config.Cmd 1)}}',
  '{{slice .Mixed 1 3}}', '{{printf "%T" (slice .Mixed 1 3)}}', '{{len (slice .Config.Cmd 1 1)}}', '{{slice .Config.Cmd 0 0}}', '{{slice .Name 5 5}}|', '{{slice .Config.Cmd 0 1 2}}',
  // len
  '{{len .Name}}', '{{len "é"}}', '{{len .Config.Cmd}}', '{{len .Config.Labels}}', '{{len .EmptyList}}', '{{len .EmptyMap}}', '{{len 1}}', '{{len 1.5}}', '{{len true}}', '{{len .Config.Entrypoint}}',
  '{{len .Nosuch2}}', '{{len (index .Mixed 4)}}', '{{len (index .Mixed 5)}}', '{{len (index .Mixed 1)}}', '{{len (index .Name 1)}}', '{{len .State}}', '{{len nil}}',
  // not, and, or with values of each kind
  '{{not 0}}', '{{not 1}}', '{{not ""}}', '{{not "a"}}', '{{not .EmptyList}}', '{{not .Config.Cmd}}', '{{not .EmptyMap}}', '{{not .State}}', '{{not 0.0}}', '{{not 0.5}}', '{{not (index .Mixed 4)}}',
  '{{not .Config.Entrypoint}}', '{{not .Nosuch2}}', '{{not true}}', '{{not false}}', '{{not (index .Name 1)}}', '{{not 1 2}}',
  '{{and 1 0 2}}', '{{and 1 2}}', '{{and 0 .Nosuch}}', '{{or 0 "" 2}}', '{{or 0 ""}}', '{{or 1 .Nosuch}}', '{{and (index .Mixed 4) 1}}', '{{or (index .Mixed 4) 0}}', '{{and .EmptyList 1}}', '{{or .EmptyMap .Name}}',
  '{{and}}', '{{or}}', '{{and 1}}', '{{or 0}}', '{{printf "%T" (and 1 1.5)}}', '{{printf "%T" (or nil 0)}}', '{{and .State .Name}}', '{{or .Config.Entrypoint .EmptyList}}',
  // html, js, urlquery: every character class, and several arguments
  '{{html "<a href=\'x\'>&amp;\\"</a>"}}', '{{html "a\\x00b"}}', '{{html 1 "<" nil}}', '{{html nil}}', '{{html .Config.Cmd}}', '{{html}}', '{{html "é✓"}}',
  '{{js "a\'b\\"c\\\\d<e>f&g=h"}}', '{{js "\\x01\\x1f\\t\\n\\r"}}', '{{js "é✓\\u2028\\u00a0\\u200b\\ufeff"}}', '{{js 1 "<" nil}}', '{{js nil}}', '{{js "\\x7f"}}', '{{js "😀"}}', '{{js}}',
  '{{urlquery "a b&c=d/e?f~g-h_i.j"}}', '{{urlquery "é✓"}}', '{{urlquery 1 2}}', '{{urlquery "a" 1}}', '{{urlquery nil}}', '{{urlquery "\\x00*+%"}}', '{{urlquery}}', '{{urlquery "AZaz09"}}',
  '{{print "a" nil 1}}', '{{print nil "a"}}', '{{html "a" "b"}}', '{{html 1 2}}', '{{js "a" 1 "b"}}',
  // Docker's: json, split, join, title, lower, upper, pad, truncate
  '{{json .Mixed}}', '{{json .Config}}', '{{json 1.0}}', '{{json 1.5}}', '{{json "a<b>&"}}', '{{json "\\u2028\\u2029"}}', '{{json nil}}', '{{json .Config.Entrypoint}}', '{{json true}}', '{{json .EmptyMap}}',
  '{{json}}', '{{json 1 2}}', '{{json (index .Name 1)}}', '{{json .Big}}', '{{json .Ratio}}', '{{json -0.0}}', '{{json 1e21}}', '{{json 1e-7}}', '{{json 123456789.0}}',
  '{{split "a,b,,c" ","}}', '{{split "abc" ""}}', '{{split "" ","}}', '{{split "" ""}}', '{{split "héllo" ""}}', '{{split "a,b" "x"}}', '{{len (split "a,b,,c" ",")}}', '{{split 1 ","}}', '{{split "a" 1}}',
  '{{join (split "a b c" " ") ", "}}', '{{join .Config.Cmd ""}}', '{{join .EmptyList ","}}', '{{join .Config.Labels ","}}', '{{join "a" ","}}', '{{join .Config.Cmd 1}}',
  '{{title "hello wOrld-foo_bar baz.qux"}}', '{{title "élan über ñ"}}', '{{title "a\\tb\\nc  d"}}', '{{title "1st 2nd"}}', '{{title "ǆ x ǉ ǌ ǳ Ǆ"}}', '{{title "ა ბ"}}', '{{upper "ა"}}', '{{json (slice .Name 1 2)}}', '{{json -0.0}}', '{{json 0.0}}', '{{json -1.0}}', '{{title "o\'neil mc-x"}}', '{{title ""}}', '{{title "a\\u00a0b\\u2003c"}}',
  '{{title "x:y;z(w)v"}}', '{{title "αβγ δ"}}', '{{title "ßtraße"}}', '{{title "ﬁne"}}', '{{title 1}}', '{{title "hello" "x"}}', '{{title "a·b"}}', '{{title "a\\u0300b c"}}', '{{title "٣a b"}}',
  '{{lower "HÉLLO İ ẞ Σ"}}', '{{upper "héllo ß ŉ ǆ ﬁ"}}', '{{lower "ǅ"}}', '{{upper "ǅ"}}', '{{lower ""}}', '{{upper 1}}', '{{lower nil}}', '{{upper "ı"}}', '{{lower "K"}}',
  '{{pad "a" 2 3}}|', '{{pad "" 2 3}}|', '{{pad "a" 0 0}}|', '{{pad "a" -1 0}}', '{{pad "a" 0 -1}}', '{{pad "a" 1}}', '{{pad 1 1 1}}', '{{pad "a" "1" 1}}',
  '{{truncate "abc" 2}}', '{{truncate "abc" 3}}', '{{truncate "abc" 4}}', '{{truncate "abc" 0}}|', '{{truncate "abc" -1}}', '{{truncate "héllo" 2}}', '{{truncate "" 0}}|', '{{truncate "" -1}}|', '{{truncate "abc"}}',
  // the second run's survivors: title case of each digraph, the end of Georgian, astral characters, floats equal by value
  '{{title "ǅ Ǉ ǈ Ǌ ǋ Ǳ ǲ"}}', '{{title "ｘ ω \u10ff \u10fe ჿa"}}', '{{title "a\u0080b c\u00a0d"}}', '{{split "a😀b" ""}}', '{{len (split "😀" "")}}', '{{js "\u0080\u009f\u00a0"}}',
  '{{eq .Config.Cmd .Config.Labels}}', '{{eq .Config.Labels .Mixed}}', '{{eq .State .Config.Cmd}}', '{{eq 1.0 1.0}}', '{{eq 2.0 3.0 2.0}}', '{{ne 1.0 1.0}}', '{{lt 1.0 2.0}}',
  '{{lt "～" "😀"}}', '{{lt "😀" "～"}}', '{{slice .Config.Cmd .State.ExitCode}}', '{{index .Config.Cmd .State.ExitCode}}', '{{slice .Name .State.ExitCode}}', '{{slice .Config.Cmd 0 .State.ExitCode}}',
  // strconv.Quote's classes (lex.ts goQuote): each escape, the spaces Go does not count as printable, the sizes of \x, \u, \U
  '{{printf "%q|%+q|%#q|%s" "\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f é✓ \\\\ \\" \' `" "\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f é✓ \\\\ \\" \'" "\\x7f`" "x"}}',
  '{{printf "%q|%+q" "\\u00a0\\u00ad\\u2000\\u2005\\u200a\\u200b\\u2028\\u3000\\u202f\\u205f\\ufffd\\ufeff" "\\u00a0\\u2000\\u200a\\u3000\\u202f\\u205f\\ufffd"}}',
  '{{printf "%q|%+q|%q" "\\U0001F600\\U000E0001\\U0010FFFF\\U0001D11E" "\\U0001F600\\U000E0001" "\\u0300a\\u0378\\u1680\\u180e"}}',
  '{{printf "%q %q %q %q %q %q %q %q %q %q" \'\\a\' \'\\b\' \'\\f\' \'\\v\' \'\\x01\' \'\\x7f\' \'\\u00a0\' \'\\u2000\' \'\\U0001F600\' \'\\U000E0001\'}}',
  '{{printf "%+q %+q %+q %#q %#+q" \'é\' \'\\u00a0\' \'\\U0001F600\' \'x\' \'é\'}}', '{{printf "%q %q" 0x110000 -1}}', '{{printf "%U %#U %#U %#U" 0x1F600 0x1F600 0xa0 0x2028}}',
  // call
  '{{call .Name}}', '{{call nil}}', '{{call .Nosuch2}}', '{{call}}', '{{call 1 2}}', '{{call .Config.Cmd}}',
];

/** lex.go and parse.go: delimiters, trim markers, comments, quoting, numbers, every parse error and its line. */
const PARSE_T = [
  // trim markers and spaces
  'a  {{- .Name -}}  b', 'a\n\t {{- .Name}}', '{{.Name -}}\n\t b', 'a {{- /* c */ -}} b', 'a {{-/* c */-}} b', 'a {{- /* c */}} b', 'a {{/* c */ -}} b', '{{- 3}}', '{{3 -}}',
  '{{-3}}', '{{ -3 }}', '{{3 -}}x', '{{- -3 -}}', 'x {{-  .Name  -}} y', '{{ .Name -}}\n', '{{.Name}} {{- "" -}} {{.Name}}', 'a{{- "x"}}', 'a {{- "x" }}', '{{"x" -}}b', '{{"x" -}} b',
  '{{ -}}', '{{- }}', '{{-}}', '{{ - }}', 'a {{- - }}', '{{ 1 - }}', '{{1 -}}', '{{.Name -}}}}', '{{.Name }}}', '{{ .Name}} {{-}} x', '{{/**/}}', '{{- /**/ -}}', '{{/* a */ }}',
  '{{/* unclosed', '{{/* x */ .Name}}', '{{/* x *}}', '{{ /* x */ }}', 'a{{/* x */}}b', '{{/*\n*/}}\n{{.Nosuch}}', '{{- /*\n\n*/ -}}\n{{.Nosuch}}', '{{.Name}}{{/* a */}}{{/* b */}}',
  // unclosed and unbalanced
  '{{', '{{.Name', '{{.Name}', 'a}}b', '{{(}}', '{{)}}', '{{(.Name}}', '{{.Name)}}', '{{((.Name))}}', '{{(.Name))}}', '{{(((1)))}}', '{{ ( 1 ) }}', '{{(1)(2)}}', '{{len (.Name) }}',
  '{{"unterminated}}', '{{"a\nb"}}', '{{`raw\nstring`}}', '{{`unterminated}}', '{{\'a}}', '{{\'\\\'\'}}', '{{\'ab\'}}', '{{\'\'}}', '{{\'\\n\'}}', '{{\'\\x4\'}}', '{{\'\\777\'}}', '{{\'\\u00e9\'}}',
  '{{"\\q"}}', '{{"\\x4"}}', '{{"\\400"}}', '{{"\\101"}}', '{{"\\U0001F600"}}', '{{"\\U00110000"}}', '{{"\\ud800"}}', '{{"\\a\\b\\f\\v\\\\"}}', '{{"\\\'"}}', '{{\'"\'}}', '{{\'\\"\'}}',
  '{{"a\\\nb"}}', '{{`a\\nb`}}', '{{`a"b`}}', '{{"é\\u00e9\\xc3\\xa9"}}', '{{\'\\\n\'}}', '{{\'\n\'}}',
  // characters and identifiers
  '{{.Name@}}', '{{@}}', '{{#}}', '{{.Name.}}', '{{..Name}}', '{{.Name..X}}', '{{$x.}}', '{{$.}}', '{{$}}', '{{$ }}', '{{$x := 1}}{{$x.Y.}}', '{{.Näme}}', '{{.Name_2}}', '{{.2}}',
  '{{.é}}', '{{ñ}}', '{{x}}', '{{x.y}}', '{{len.X}}', '{{true.X}}', '{{nil.X}}', '{{"a".X}}', '{{1.X}}', '{{.Name|len}}', '{{.Name|}}', '{{|len}}', '{{.Name | | len}}', '{{.Name,}}',
  '{{.Name:}}', '{{$x :}}', '{{$x : = 1}}', '{{$x := }}', '{{$x = }}', '{{:= 1}}', '{{= 1}}', '{{$x = 1}}', '{{$x := 1 2}}', '{{$x, $y := 1}}', '{{$x, $y := .Config.Cmd}}',
  '{{range $x, $y := .Config.Cmd}}{{end}}', '{{range $x, $y, $z := .Config.Cmd}}{{end}}', '{{range $x, := .Config.Cmd}}{{end}}', '{{range $x, 1 := .Config.Cmd}}{{end}}',
  '{{range $x = .Config.Cmd}}{{end}}', '{{$x := 1}}{{range $x = .Config.Cmd}}{{$x}}{{end}}', '{{$x := 1}}{{range $i, $x = .Config.Cmd}}{{end}}', '{{with $x, $y := 1}}{{end}}',
  '{{ $x := 1 }}{{ $x }}', '{{$x:=1}}{{$x}}', '{{$x :=1}}{{$x}}', '{{$x:= 1}}{{$x}}', '{{$x=1}}', '{{$x := 1}}{{$x=2}}{{$x}}', '{{$y}}', '{{$x := $x}}', '{{$x := 1}}{{$x.Y}}', '{{$$}}', '{{$1}}', '{{$1 := 2}}{{$1}}', '{{$é := 1}}{{$é}}',
  // numbers
  // parse.ts: an underscore right after the sign (Go: not between digits), an empty rune constant,
  // an escape cut short by an escaped quote (a second quote inside the constant)
  '{{-_1}}', '{{+_1}}', '{{-_0x1}}', '{{1__0}}', '{{0_7}}', '{{-0_7}}',
  "{{''}}", "{{print ''}}", "{{'''}}", "{{'\\x\\'a'}}", "{{'\\u\\'abcd'}}",
  '{{1}}', '{{-1}}', '{{+1}}', '{{1.}}', '{{.5}}', '{{-.5}}', '{{1e}}', '{{1e+}}', '{{1e5}}', '{{1E-5}}', '{{0x}}', '{{0x1g}}', '{{0xG}}', '{{0b2}}', '{{0o8}}', '{{08}}', '{{09.5}}', '{{1_0}}',
  '{{1__0}}', '{{_1}}', '{{1_}}', '{{0x_1}}', '{{0_1}}', '{{1.5.5}}', '{{1..5}}', '{{1a}}', '{{1 a}}', '{{0x1.p1}}', '{{0x.8p1}}', '{{0x1p}}', '{{0x1p-}}', '{{0x1.8}}', '{{0X1P3}}', '{{1p3}}',
  '{{0b}}', '{{0o}}', '{{0B101}}', '{{0O17}}', '{{1e1_0}}', '{{1_0.5_5}}', '{{1e400}}', '{{0x1p2000}}', '{{-0x1p2000}}', '{{0x1p-2000}}', '{{1e308}}', '{{2e308}}', '{{-1e400}}', '{{1e-400}}', '{{9007199254740992}}', '{{-9007199254740992}}', '{{4294967296}}',
  '{{1+2}}', '{{1-2}}', '{{1+}}', '{{+}}', '{{-}}', '{{- -}}', '{{--1}}', '{{+-1}}', '{{1+2}}', '{{0x10p-2}}', '{{00}}', '{{007}}', '{{0.0e0}}', '{{.0}}', '{{0.}}', '{{-0}}',
  '{{\'a\'}}', '{{\'\\t\'}}', '{{printf "%c" \'é\'}}', '{{\'\\U0001F600\'}}', '{{\'\\ud800\'}}', '{{\'\\400\'}}', '{{\'\\x41\'}}', '{{\'\\101\'}}',
  // keywords and control structure
  '{{if}}{{end}}', '{{if .Name}}', '{{if .Name}}x', '{{if .Name}}x{{else}}', '{{if .Name}}{{else}}{{else}}{{end}}', '{{if .Name}}{{else if .Name}}a{{else}}b{{end}}', '{{if .Name}}{{else with .State}}{{.Pid}}{{end}}',
  '{{if .Name}}{{else if}}{{end}}', '{{if .Name}}{{else range .Config.Cmd}}{{end}}', '{{if .Name}}{{else 1}}{{end}}', '{{if .Name}}{{else}}{{else if .Name}}{{end}}', '{{if .Name}}{{end}}{{end}}',
  '{{else}}', '{{end}}', '{{if .Name}}{{end 1}}', '{{if .Name}}{{else 1}}', '{{if 1 2}}{{end}}', '{{if .Name | len}}y{{end}}', '{{if $x := .Name}}{{$x}}{{else}}{{$x}}{{end}}', '{{if .Name}}{{$y := 1}}{{end}}{{$y}}',
  '{{with}}{{end}}', '{{with .Name}}', '{{with .Name}}{{else with .Nosuch}}{{else}}e{{end}}', '{{with .Name}}{{else if 1}}{{end}}', '{{with .Name}}{{else}}{{end}}x', '{{with 0}}a{{else with 1}}b{{end}}',
  '{{range}}{{end}}', '{{range .Config.Cmd}}', '{{range .Config.Cmd}}{{else}}', '{{range .Config.Cmd}}{{else}}{{else}}{{end}}', '{{range .Config.Cmd}}{{else if 1}}{{end}}',
  '{{break}}', '{{continue}}', '{{if 1}}{{break}}{{end}}', '{{range .Config.Cmd}}{{break 1}}{{end}}', '{{range .Config.Cmd}}{{continue 1}}{{end}}', '{{range .Config.Cmd}}{{if 1}}{{break}}{{end}}{{end}}',
  '{{range .Config.Cmd}}{{define "x"}}{{break}}{{end}}{{end}}', '{{range .Config.Cmd}}{{with 1}}{{continue}}{{end}}x{{end}}', '{{range .Config.Cmd}}{{else}}{{break}}{{end}}', '{{range .Config.Cmd}}{{range .}}{{end}}{{break}}{{end}}',
  '{{range .Config.Cmd}}{{range $.Config.Cmd}}{{break}}{{end}}-{{end}}', '{{break}}{{range .Config.Cmd}}{{end}}', '{{range 1}}{{end}}{{break}}',
  '{{define}}', '{{define "x"}}', '{{define "x"}}{{end}}', '{{define x}}{{end}}', '{{define "x" 1}}{{end}}', '{{define `x`}}y{{end}}{{template "x"}}', '{{define "x"}}a{{end}}{{define "x"}}b{{end}}',
  '{{define "x"}}a{{end}}{{define "x"}}{{end}}{{template "x"}}', '{{define "x"}}{{end}}{{define "x"}}b{{end}}{{template "x"}}', '{{define "x"}} {{end}}{{define "x"}}b{{end}}{{template "x"}}',
  '{{define "x"}}{{/* c */}}{{end}}{{define "x"}}b{{end}}{{template "x"}}', '{{define "x"}}{{define "y"}}{{end}}{{end}}', '{{if 1}}{{define "x"}}{{end}}{{end}}', '{{define "x"}}{{else}}{{end}}',
  '{{template}}', '{{template x}}', '{{template "x" 1 2}}', '{{template "x" .Name}}', '{{template "x"}}', '{{template `x`}}', '{{template "x" | len}}', '{{define "x"}}[{{.}}]{{end}}{{template "x" .Name | len}}',
  '{{block}}', '{{block "b"}}{{end}}', '{{block "b" .}}[{{.Name}}]{{end}}', '{{block "b" .Name}}{{.}}{{end}}{{template "b" "x"}}', '{{block "b" .}}{{end}}{{define "b"}}B{{end}}', '{{block "b" .}}x{{else}}{{end}}',
  '{{block "b" 1 2}}{{end}}', '{{block b .}}{{end}}', '{{nil}}', '{{nil 1}}', '{{len nil}}', '{{nil | len}}', '{{1 | nil}}', '{{.Name | 1}}', '{{.Name | "s"}}', '{{.Name | true}}', '{{.Name | .}}',
  '{{.Name | $}}', '{{.Name | (len)}}', '{{.Name | (1)}}', '{{.Name | $x}}', '{{(len .Name).X}}', '{{(1).X}}', '{{("s").X}}', '{{(true).X}}', '{{(.).Name}}', '{{($).Name}}', '{{(.Config).Cmd}}',
  '{{(index .Mixed 5).k.x}}', '{{.Config.Labels.maintainer}}', '{{(.Config.Labels).maintainer}}', '{{$x := .Config}}{{($x).Image}}', '{{$x := .Config}}{{$x.Labels.maintainer}}',
  '{{1 | printf "%d %d" 2}}', '{{printf "%d" 1 | printf "%s-%d" "x"}}', '{{if}}', '{{if 1}}{{end 2}}', '{{range}}', '{{with}}', '{{else 1}}', '{{end 1}}', '{{.Name}}{{else}}',
  // node strings in error positions: every kind of argument
  '{{index .Config.Cmd `a` 1.5 true nil . $ (1) (.Name | len) $.Name (.State).Pid \'x\' 0x1F}}', '{{$x := 1}}{{index .Config.Cmd "a" $x $x.Y}}',
  '{{index .Config.Cmd (index .Mixed 1) | printf "%s" | len}}', '{{with $v := index .Config.Cmd "a"}}{{end}}', '{{range $i, $v := index .Mixed "a"}}{{end}}',
  '{{if index .Config.Cmd 9}}{{end}}', '{{template "t" index .Config.Cmd 9}}{{define "t"}}{{end}}', '{{(index .Mixed 5).k.x}}', '{{$.Nosuch}}', '{{$.State.Nosuch}}',
  '{{.Config.Cmd | index "x"}}', '{{"a" | printf "%d" | index .Mixed}}', '{{len (index .Mixed (len .Name))}}', '{{(index (index .Mixed 5) "k").x}}',
  // the second run's survivors in parse.ts: Unquote's escapes at their bounds, errors across lines, scopes of block and range
  '{{"\\x4g"}}', '{{"\\xg4"}}', '{{"\\u12g4"}}', '{{"\\ue000\\ud7ff"}}', '{{"\\udfff"}}', '{{"\\U00110000"}}', '{{"\\012\\101\\377"}}', '{{"\\01"}}', '{{"\\0ab"}}', '{{"\\8"}}', '{{"\\400"}}',
  '{{printf "%q" "\\303\\251\\xc3\\xa9"}}', '{{printf "%c%c%c" \'\\351\' \'\\xe9\' \'\\u00e9\'}}', '{{\'\\012\'}}', '{{\'\\01\'}}', '{{\'\\"\'}}', '{{"\\\'"}}', '{{printf "%q" `a\rb`}}',
  '{{.Name\n\n', '{{\n.Name', '{{(.Name\n', '{{.Name\n@}}', '{{.Name\n"abc}}', '{{if .Name\n}}x', '{{.Name}}\n{{/* x', '{{.Name}}\n\n{{/* x */ x}}', '{{.Name}}\n{{', 'a\n{{.Name\n|}}',
  '{{.Name}}\n{{"abc}}', '{{with .Name\n}}{{else}}\n', '{{/* a */}}\n{{\'ab\'}}', '{{define "x"}}\n{{.Name\n', '{{\n\n.Name\n\n', '{{\n"a\n"}}',
  '{{$x # 1}}', '{{$x , $y := 1}}', '{{range $i , $v := .Config.Cmd}}{{$i}}{{end}}', '{{range $i ,$v := .Config.Cmd}}{{$v}}{{end}}', '{{range $x,}}{{end}}', '{{range $x, )}}{{end}}',
  '{{range $i, $v = .Config.Cmd}}{{end}}', '{{$x := 1}}{{ $x = 2 }}{{$x}}', '{{$x := 1}}{{$x .Name}}', '{{$x := 1}}{{$x | len}}', '{{$x:=1}}{{$x|print}}', '{{range $x , }}{{end}}',
  '{{block "b" .}}{{$}}{{end}}', '{{$x := 1}}{{block "b" .}}{{$x}}{{end}}', '{{$x := 1}}{{define "d"}}{{$x}}{{end}}', '{{define "x"}}{{.}}{{end}}{{define "x"}}b{{end}}',
  '{{define "x"}}{{if 1}}{{end}}{{end}}{{define "x"}}{{end}}{{template "x"}}', '{{define "x"}} {{end}}{{define "x"}}{{.}}{{end}}{{template "x" 3}}',
  '{{range .Config.Cmd}}{{if 1}}{{end}}{{break}}{{end}}', '{{range .Config.Cmd}}{{with 1}}{{end}}{{continue}}{{end}}x', '{{if 0}}a{{else if 1}}b{{else}}c{{end}}',
  '{{if 0}}a{{else if 0}}b{{else}}c{{end}}', '{{with 0}}a{{else}}{{if 1}}c{{end}}{{end}}', '{{\'a\'.X}}', '{{| .X}}', '{{.X |}}', '{{(|)}}', '{{( )}}', '{{len ( )}}',
  // the second run's survivors in lex.ts: long tokens in messages, \r as space, the ends of the identifier characters, characters no action takes
  '{{define "a" "abcdefghijklmnopqrstu"}}{{end}}', '{{define "a" "abcdefgh"}}{{end}}', '{{define "a" "abcdefghi"}}{{end}}', '{{define "a" "ééééé"}}{{end}}', '{{define "a" "éééé"}}{{end}}',
  '{{define "a" 12345678901234}}{{end}}', '{{define "a"', '{{template "a"', '{{block "b" .', '{{define "a"}}{{end', '{{if 1 "abcdefghijklmnopq"}}',
  '{{\r.Name\r}}', '{{.Name\r-}} x', 'x {{-\r.Name}}', '{{.Z}}', '{{.A0}}', '{{.a9}}', '{{.a#}}', '{{.a✓}}', '{{.a٣}}', '{{$a٣ := 1}}{{$a٣}}', '{{.9}}', '{{print .9 .09}}',
  '{{✓}}', '{{.Name ✓}}', '{{\u0001}}', '{{\u007f}}', '{{\u001f}}', '{{ \u00a0 }}', '{{len@}}', '{{true#}}', '{{$x@}}', '{{.Name@}}', '{{/*/ x */}}ok', '{{/**/}}ok',
  '{{.Name  -}}  x', '{{.Name\t \t-}}\n x', '{{ 1  -}} x', '{{- 1  -}}', '{{1 -}}x', '{{0o7e1}}', '{{0b1e1}}', '{{0x1e1}}', '{{07e1}}', '{{"a\\\nb"}}', '{{"a\\\n"}}',
  '{{printf "%q" "\u0080\u009f\U00010000\U0010ffff"}}', '{{$}}', '{{$ }}', '{{$|len}}', '{{$.}}', '{{print $ .}}',
  // the third run's survivors in parse.ts: the line of an early error, signed and underscored hex floats, a float constant as an int argument, chains in messages
  '{{nope}}\nx\ny', '{{(}}\n\nz', '{{if 1}}{{else}}{{else}}{{end}}\n\n', '{{$x}}\n\nq', 'a\n{{.Name | }}\nb\nc', '{{define "x"}}\n{{end}}{{end}}\n\n', '{{1 2 |}}\n\n',
  '{{-0x1p3}}', '{{printf "%v %v" -0x1.8p1 +0x1p-1}}', '{{0x1_0p1}}', '{{0x_1p1}}', '{{0x1.8_0p1}}', '{{0x1p1_0}}', '{{0x1.p1}}', '{{0x.1p4}}',
  '{{index .Config.Cmd 1e19}}', '{{pad "a" 1e19 1}}', '{{truncate "abc" 1e19}}', '{{truncate "abc" 9.223372036854775808e18}}', '{{truncate "abc" 2.0}}', '{{truncate "abc" -1.0}}',
  '{{(.State).Nosuch.X}}', '{{(.State).Pid.X}}', '{{(index .Mixed 5).k.x.y}}',
  // lines in parse errors
  'a\nb{{.Name', 'a\n{{if 1}}\n{{else}}\n', '{{if 1}}\n\n{{end}}\n{{end}}', '{{"a\nb"}}', 'x\n{{/* a\nb */}}{{(}}', '{{`a\nb`}}{{)}}', '{{.Name}}\n\n{{nope}}', '{{define "x"}}\n{{nope}}{{end}}',
  '\n\n{{$x}}', '{{\n.Name\n}}', '{{.Name\n|\nlen}}', '{{if\n.Name}}\n{{end}}', '{{\n}}', 'a\r\n{{.Nosuch}}', '{{"\\n"}}\n{{(}}', '{{ \' \' }}\n{{ @ }}',
];

export const MUTATION_TEMPLATES: string[] = [...printfMatrix(), ...PRINTF_PARSING, ...PRINTF_NESTED, ...EXEC, ...FUNCS_T, ...PARSE_T];

/** Texts for Go's text/tabwriter (NewWriter(out, minwidth, 1, padding, ' ', 0)): column blocks that start, end and nest. */
export const TAB_CASES: { text: string; minwidth: number; padding: number }[] = [
  ...[
    'A\tB\tC\nxx\tyy\tzz\n', 'a\tb\n\nc\td\n', 'a\tb\tc\nd\te\ne\n', 'one\ttwo\tthree\n1\t2\n1\t2\t3\t4\n', 'x\n\ty\n\t\tz\n', 'a\tb\tc\n\td\n\t\te\n',
    'a\tb\nc\n\td\te\n', 'a\n\nb\tc\n', 'a\tbb\nccc\td\te\nf\n', 'averyveryverylongcell\tb\nc\td\n', 'héllo\twörld\n✓\tx\n', 'tab at end\t\nx\t\n',
    'no newline\tat end', '\t\t\n\t\t\n', '', '\n', '\n\n', 'a', 'a\tb', 'a\t', '\t', 'a\tb\tc\td\n1\t2\n1\t2\t3\n', 'a\tb\n1\t2\t3\n1\n1\t2\t3\t4\n',
    'x\ty\n\nz\tw\tv\nu\n', '1234567\t1\n12345678\t2\n123456789\t3\n', '1234567890\tx\n', 'A\tB\nlongerthanten\tC\nD\tE\n', 'a\tb\tc\na\tb\nx\n\ta\tb\tc\n',
  ].flatMap((text) => [
    { text, minwidth: 10, padding: 3 },
    { text, minwidth: 0, padding: 1 },
    { text, minwidth: 20, padding: 1 },
    { text, minwidth: 4, padding: 2 },
  ]),
];

/** `inspect -f`'s typed pass (Docker's structs: nil slices and maps, fields that are not map keys), then the raw JSON. */
export const MUTATION_INSPECT: string[] = [
  '{{.HostConfig.Binds}}|{{printf "%v|%T|%d" .HostConfig.Binds .HostConfig.Binds .HostConfig.Binds}}', '{{json .HostConfig.Binds}}', '{{len .HostConfig.Binds}}', '{{join .HostConfig.Binds ","}}|',
  '{{index .HostConfig.Binds 0}}', '{{slice .HostConfig.Binds}}', '{{range .HostConfig.Binds}}x{{else}}none{{end}}', '{{if .HostConfig.Binds}}y{{else}}n{{end}}', '{{with .HostConfig.Binds}}y{{else}}n{{end}}',
  '{{eq .HostConfig.Binds nil}}', '{{eq nil .HostConfig.Tmpfs}}', '{{eq .HostConfig.Binds .HostConfig.Binds}}', '{{eq .HostConfig.Tmpfs .Config.Cmd}}', '{{ne .HostConfig.Binds nil}}', '{{.Mounts}}', '{{printf "%v|%+v" .Config.ExposedPorts (index .Config.ExposedPorts "80/tcp")}}', '{{index .NetworkSettings.Ports "443/tcp"}}', '{{not .HostConfig.Binds}}', '{{and .HostConfig.Binds 1}}', '{{or .HostConfig.Binds 1}}', '{{$b := .HostConfig.Binds}}{{$b}}|{{printf "%T" $b}}', '{{.HostConfig.Binds | len}}',
  '{{.HostConfig.Tmpfs}}|{{printf "%v|%T" .HostConfig.Tmpfs .HostConfig.Tmpfs}}', '{{json .HostConfig.Tmpfs}}', '{{len .HostConfig.Tmpfs}}', '{{index .HostConfig.Tmpfs "x"}}|', '{{range $k, $v := .HostConfig.Tmpfs}}{{$k}}{{else}}none{{end}}',
  '{{.HostConfig.Tmpfs.x}}|', '{{.Config.Labels.nosuch}}', '{{.Config.Labels.nosuch.deeper}}', '{{.Config.Nosuch}}', '{{.Nosuch}}', '{{.State.Nosuch}}', '{{.HostConfig.Nosuch}}',
  '{{.Config.Entrypoint}}|{{printf "%v|%T" .Config.Entrypoint .Config.Entrypoint}}', '{{json .Config.Entrypoint}}', '{{.Args}}|{{printf "%T" .Args}}', 
  '{{json .Config.ExposedPorts}}', '{{index .Config.ExposedPorts "80/tcp"}}', 
  '{{range $p, $v := .Config.ExposedPorts}}{{$p}}={{$v}};{{end}}', '{{range $k, $v := .NetworkSettings.Ports}}{{$k}}={{len $v}};{{end}}',
  '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}', '{{.NetworkSettings.Networks.nosuch}}', '{{range .NetworkSettings.Networks}}{{.Aliases}} {{.IPAddress}} {{printf "%T" .Aliases}}{{end}}',
  '{{(index .NetworkSettings.Networks "bridge").IPPrefixLen}}', '{{(index .NetworkSettings.Networks "bridge").Nosuch}}', '{{.NetworkSettings.Networks.bridge.Aliases}}|{{json .NetworkSettings.Networks.bridge.Aliases}}',
  '{{.State.Pid}} {{eq .State.ExitCode 0}} {{.State.Running}} {{printf "%T" .State.Pid}}', '{{.NetworkSettings.Ports.nosuch}}', '{{.HostConfig.Memory}}', '{{.Config.Labels}}',
  '{{.Config.Labels.k}}', '{{index .Config.Labels "k"}}', '{{index .Config.Labels "nosuch"}}|', '{{.State.Pid.X}}', '{{.State.X.Y}}', '{{.Config.Cmd.X}}', '{{.HostConfig.Binds.X}}', '{{.HostConfig.Tmpfs.x.y}}',
  '{{$s := .State}}{{$s.Nosuch}}', '{{with .State}}{{.Nosuch}}{{end}}', '{{range .NetworkSettings.Networks}}{{.Nosuch}}{{end}}', '{{.Name 1}}', '{{.State.Pid 1}}', '{{"x" | .State.Pid}}', 
  // value.ts: a struct{} member's type (typeName's 'struct {}')
  '{{printf "%T|%v|%#v" (index .Config.ExposedPorts "80/tcp") (index .Config.ExposedPorts "80/tcp") (index .Config.ExposedPorts "80/tcp")}}', '{{range $p, $v := .Config.ExposedPorts}}{{printf "%T" $v}}{{end}}',
  '{{json .HostConfig.PortBindings}}', '{{range $k, $v := .HostConfig.PortBindings}}{{$k}}{{range $v}}{{.HostPort}}{{end}}{{end}}',
];

/** A table header: the template on the column names, with Docker's HeaderFunctions (each returns its string). */
export const MUTATION_HEADERS: string[] = [
  '{{json .Names}}', '{{split .Names ","}}', '{{join .Names ","}}', '{{title .Names}}', '{{lower .Names}}', '{{upper .Names}}', '{{truncate .Names 2}}', '{{pad .Names 1 2}}|',
  '{{.ID}}\t{{.Names}}\t{{.Nosuch}}', '{{json .ID}} {{upper .Image}} {{lower .Size}}', '{{join .Labels}}', '{{json}}', '{{split .Names}}', '{{upper .Names "x"}}', '{{truncate .Names}}',
  '{{truncate .Names "x"}}', '{{json 1}}', '{{upper 1}}', '{{split 1 ","}}', '{{join 1 ","}}', '{{title 1}}', '{{lower 1}}', '{{truncate 1 1}}', '{{split .Names 1}}', '{{join .Names 1}}',
  '{{.Names | upper}}', '{{.Names | json}}', '{{.Names | split ","}}', '{{.Names | truncate 1}}', '{{len .Names}}', '{{printf "%s!" .Names}}', '{{json .Nosuch}}', '{{upper .Nosuch}}',
];
