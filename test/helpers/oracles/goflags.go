// The oracle of goparse-oracle.test.ts: Go's own parsers as pflag and docker/cli use them for flag
// values. Reads JSON lines ["kind", "value"], writes JSON lines {"ok": "…"} or {"err": "…"}.
// Standard library only.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"time"
)

// docker/cli opts.ParseCPUs
func parseCPUs(value string) (int64, error) {
	cpu, ok := new(big.Rat).SetString(value)
	if !ok {
		return 0, fmt.Errorf("failed to parse %v as a rational number", value)
	}
	nano := cpu.Mul(cpu, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return 0, errors.New("value is too precise")
	}
	return nano.Num().Int64(), nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var c [2]string
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			panic(err)
		}
		var v string
		var err error
		switch c[0] {
		case "bool":
			var b bool
			b, err = strconv.ParseBool(c[1])
			v = strconv.FormatBool(b)
		case "int":
			var n int64
			n, err = strconv.ParseInt(c[1], 0, 64)
			v = strconv.FormatInt(n, 10)
		case "duration":
			var d time.Duration
			d, err = time.ParseDuration(c[1])
			v = strconv.FormatInt(int64(d), 10)
		case "cpus":
			var n int64
			n, err = parseCPUs(c[1])
			v = strconv.FormatInt(n, 10)
		default:
			panic(c[0])
		}
		if err != nil {
			out.Encode(map[string]string{"err": err.Error()})
		} else {
			out.Encode(map[string]string{"ok": v})
		}
	}
}
