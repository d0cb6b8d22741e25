// The oracle for template-go.test.ts: Go's own text/template with Docker's functions, copied
// from docker/cli templates/templates.go. Reads {"data": …, "cases": [{"tpl", "mk"}]} on stdin,
// prints [{"out"} | {"err"}]. mk is a missingkey option, "inspect" (the typed pass, then the
// raw JSON) or "header" (HeaderFunctions). The data are decoded into the Go types Docker's typed inspect
// structs give them (see src/cli/template/value.ts): integers int, other numbers float64,
// all-string arrays []string, all-string objects map[string]string.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"text/tabwriter"
	"text/template"
)

var basicFunctions = template.FuncMap{
	"json": func(v interface{}) string {
		buf := &bytes.Buffer{}
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(buf.String())
	},
	"split":    strings.Split,
	"join":     strings.Join,
	"title":    strings.Title,
	"lower":    strings.ToLower,
	"upper":    strings.ToUpper,
	"pad":      padWithSpace,
	"truncate": truncateWithLength,
}

// docker/cli templates.go's HeaderFunctions: a table header is the template run on the column
// names with these in place of the basic ones (mk "header")
var headerFunctions = template.FuncMap{
	"json":     func(v string) string { return v },
	"split":    func(v string, _ string) string { return v },
	"join":     func(v string, _ string) string { return v },
	"title":    func(v string) string { return v },
	"lower":    func(v string) string { return v },
	"upper":    func(v string) string { return v },
	"truncate": func(v string, _ int) string { return v },
}

func padWithSpace(source string, prefix, suffix int) string {
	if source == "" {
		return source
	}
	return strings.Repeat(" ", prefix) + source + strings.Repeat(" ", suffix)
}

func truncateWithLength(source string, length int) string {
	if len(source) < length {
		return source
	}
	return source[:length]
}

func convert(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []interface{}:
		allStr := true
		for i, e := range x {
			x[i] = convert(e)
			if _, ok := x[i].(string); !ok {
				allStr = false
			}
		}
		if allStr {
			s := make([]string, len(x))
			for i, e := range x {
				s[i] = e.(string)
			}
			return s
		}
		return x
	case map[string]interface{}:
		allStr := true
		for k, e := range x {
			x[k] = convert(e)
			if _, ok := x[k].(string); !ok {
				allStr = false
			}
		}
		if allStr {
			m := make(map[string]string, len(x))
			for k, e := range x {
				m[k] = e.(string)
			}
			return m
		}
		return x
	}
	return v
}

// A few of Docker's inspect types (api/types, abridged), for the "inspect" mode: docker inspect
// runs the template on these first, and on the raw JSON with missingkey=error only if that fails.
type Doc struct {
	Name            string
	Args            []string
	Config          *Config
	HostConfig      *HostConfig
	NetworkSettings *NetworkSettings
	State           *State
	Mounts          []Mount
}
// Port is nat.Port: a named string type, so a field name or a string given to index is not
// assignable to these maps' keys (the typed pass fails and the raw JSON answers)
type Port string
type Config struct {
	Cmd, Entrypoint, Env []string
	Labels               map[string]string
	ExposedPorts         map[Port]struct{}
	Image, User          string
	Tty                  bool
}
type PortBinding struct{ HostIp, HostPort string }
type HostConfig struct {
	Binds        []string
	Tmpfs        map[string]string
	NetworkMode  string
	PortBindings map[Port][]PortBinding
	Memory       int64
}
type EndpointSettings struct {
	Aliases            []string
	Gateway, IPAddress string
	IPPrefixLen        int
}
type NetworkSettings struct {
	IPAddress string
	Ports     map[Port][]PortBinding
	Networks  map[string]*EndpointSettings
}
type State struct {
	Status        string
	Running       bool
	Pid, ExitCode int
}
type Mount struct {
	Type, Source, Destination string
	RW                        bool
}

func inspect(data json.RawMessage, tpl string) result {
	tmpl, err := template.New("").Funcs(basicFunctions).Parse(tpl)
	if err != nil {
		s := err.Error()
		return result{Err: &s}
	}
	var doc Doc
	if err := json.Unmarshal(data, &doc); err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, &doc); err == nil {
		s := buf.String()
		return result{Out: &s}
	}
	var raw interface{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.Decode(&raw)
	buf.Reset()
	if err := tmpl.Option("missingkey=error").Execute(&buf, convert(raw)); err != nil {
		s := err.Error()
		return result{Err: &s}
	}
	s := buf.String()
	return result{Out: &s}
}

type tcase struct {
	Tpl string `json:"tpl"`
	Mk  string `json:"mk"`
}

type result struct {
	Out *string `json:"out,omitempty"`
	Err *string `json:"err,omitempty"`
}

func main() {
	var in struct {
		Data  json.RawMessage `json:"data"`
		Cases []tcase         `json:"cases"`
		Tab   []string        `json:"tab"` // texts to put through Docker's tabwriter instead
		// the tabwriter's minwidth and padding (the formatters' 10 and 3 when absent)
		MinWidth *int `json:"minwidth"`
		Padding  *int `json:"padding"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	if in.Tab != nil {
		outs := make([]string, len(in.Tab))
		for i, text := range in.Tab {
			var buf bytes.Buffer
			minwidth, padding := 10, 3 // docker/cli formatter.go
			if in.MinWidth != nil {
				minwidth = *in.MinWidth
			}
			if in.Padding != nil {
				padding = *in.Padding
			}
			t := tabwriter.NewWriter(&buf, minwidth, 1, padding, ' ', 0)
			t.Write([]byte(text))
			t.Flush()
			outs[i] = buf.String()
		}
		json.NewEncoder(os.Stdout).Encode(outs)
		return
	}
	res := make([]result, len(in.Cases))
	for i, c := range in.Cases {
		if c.Mk == "inspect" {
			res[i] = inspect(in.Data, c.Tpl)
			continue
		}
		// each case gets a fresh copy: convert mutates
		var raw interface{}
		dec := json.NewDecoder(bytes.NewReader(in.Data))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			panic(err)
		}
		data := convert(raw)
		tmpl, err := template.New("").Funcs(basicFunctions).Parse(c.Tpl)
		if err != nil {
			s := err.Error()
			res[i].Err = &s
			continue
		}
		if c.Mk == "header" {
			tmpl = tmpl.Funcs(headerFunctions)
		} else if c.Mk != "" {
			tmpl = tmpl.Option("missingkey=" + c.Mk)
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, data); err != nil {
			s := err.Error()
			res[i].Err = &s
			continue
		}
		s := buf.String()
		res[i].Out = &s
	}
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	out.Encode(res)
}
