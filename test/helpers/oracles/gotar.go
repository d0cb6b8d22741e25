// Reads each tar archive named on the command line with Go's archive/tar (what Docker,
// containerd and the image scanners use) and prints one JSON object per archive, one per line:
// {"entries":[{name,type,size,linkname,mode,uid,gid,mtimeMs,sha256}],"error":null|"…"}.
// size is the number of content bytes read; pax global headers (which Go returns as an entry
// and Docker ignores) are left out. Standard library only.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
)

type entry struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Size     int64  `json:"size"`
	Linkname string `json:"linkname"`
	Mode     int64  `json:"mode"`
	Uid      int    `json:"uid"`
	Gid      int    `json:"gid"`
	MtimeMs  int64  `json:"mtimeMs"`
	Sha256   string `json:"sha256"`
}

type reading struct {
	Entries []entry `json:"entries"`
	Error   *string `json:"error"`
}

func read(path string) reading {
	out := reading{Entries: []entry{}}
	fail := func(err error) reading {
		s := err.Error()
		out.Error = &s
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return fail(err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		sum := sha256.New()
		n, err := io.Copy(sum, tr)
		if err != nil {
			return fail(err)
		}
		ms := h.ModTime.UnixMilli()
		out.Entries = append(out.Entries, entry{h.Name, string([]byte{h.Typeflag}), n, h.Linkname, h.Mode, h.Uid, h.Gid, ms, hex.EncodeToString(sum.Sum(nil))})
	}
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, p := range os.Args[1:] {
		if err := enc.Encode(read(p)); err != nil {
			os.Exit(2)
		}
	}
}
