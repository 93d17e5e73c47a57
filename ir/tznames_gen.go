//go:build ignore

// Writes tznames.txt: the zone names of the Go toolchain's zoneinfo.zip,
// which is what the time/tzdata package embeds. Run with
// `go generate ./ir` after a Go upgrade; TestTimezoneNamesMatchToolchain
// says when that is needed.
package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

func main() {
	z, err := zip.OpenReader(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		panic(err)
	}
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	if err := os.WriteFile("tznames.txt", []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		panic(err)
	}
}
