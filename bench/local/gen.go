//go:build ignore

// Command gen writes the same layered DAG as a dagc pipeline, a build.ninja
// and a Makefile: LAYERS layers of WIDTH tasks, each task `true && touch
// o/NAME` with 3 random parents in the layer before (fixed seed).
//
//	go run gen.go -dir DIR [-layers 50] [-width 40] [-parents 3] [-seed 1]
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	dir := flag.String("dir", ".", "output directory")
	layers := flag.Int("layers", 50, "layers")
	width := flag.Int("width", 40, "tasks per layer")
	parents := flag.Int("parents", 3, "parents per task in the layer before")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()

	rng := rand.New(rand.NewPCG(*seed, *seed))
	name := func(l, i int) string { return fmt.Sprintf("t%d_%d", l, i) }
	var hcl, ninja, mk strings.Builder
	hcl.WriteString("pipeline \"layered\" {\n  description = \"benchmark DAG\"\n}\n")
	ninja.WriteString("rule t\n  command = true && touch $out\n\n")
	var all []string
	for l := 0; l < *layers; l++ {
		for i := 0; i < *width; i++ {
			n := name(l, i)
			all = append(all, "o/"+n)
			var ps []string
			if l > 0 {
				for _, k := range rng.Perm(*width)[:*parents] {
					ps = append(ps, name(l-1, k))
				}
				sort.Strings(ps)
			}
			fmt.Fprintf(&hcl, "\ntask %q {\n", n)
			if len(ps) > 0 {
				refs := make([]string, len(ps))
				for k, p := range ps {
					refs[k] = "task." + p
				}
				fmt.Fprintf(&hcl, "  depends_on = [%s]\n", strings.Join(refs, ", "))
			}
			fmt.Fprintf(&hcl, "  script     = \"true && touch o/%s\"\n}\n", n)
			files := make([]string, len(ps))
			for k, p := range ps {
				files[k] = "o/" + p
			}
			fmt.Fprintf(&ninja, "build o/%s: t %s\n", n, strings.Join(files, " "))
			fmt.Fprintf(&mk, "o/%s: %s\n\ttrue && touch o/%s\n", n, strings.Join(files, " "), n)
		}
	}
	ninja.WriteString("\ndefault " + strings.Join(all, " ") + "\n")
	mkAll := ".PHONY: all\nall: " + strings.Join(all, " ") + "\n\n"
	for file, data := range map[string]string{
		"layered.dag.hcl": hcl.String(),
		"build.ninja":     ninja.String(),
		"Makefile":        mkAll + mk.String(),
	} {
		if err := os.WriteFile(filepath.Join(*dir, file), []byte(data), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
