// The oracle for template-go.test.ts: Go's own text/template with Docker's functions, copied
// from docker/cli templates/templates.go. Reads {"data": …, "cases": [{"tpl", "mk"}]} on stdin,
// prints [{"out"} | {"err"}]. The data are decoded into the Go types Docker's typed inspect
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
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	if in.Tab != nil {
		outs := make([]string, len(in.Tab))
		for i, text := range in.Tab {
			var buf bytes.Buffer
			t := tabwriter.NewWriter(&buf, 10, 1, 3, ' ', 0) // docker/cli formatter.go
			t.Write([]byte(text))
			t.Flush()
			outs[i] = buf.String()
		}
		json.NewEncoder(os.Stdout).Encode(outs)
		return
	}
	res := make([]result, len(in.Cases))
	for i, c := range in.Cases {
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
		if c.Mk != "" {
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
