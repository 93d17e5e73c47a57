// Command gen writes a generated pipeline to stdout: by default -n tasks
// with about 3n edges (bench/validate.sh); -shape chain, layered or
// for_each writes the shapes of bench/generate.sh.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/dagc-dev/dagc/bench/benchgen"
)

func main() {
	n := flag.Int("n", 10000, "number of tasks (for_each: items)")
	shape := flag.String("shape", "random", "random, chain, layered or for_each")
	width := flag.Int("width", 10, "tasks per layer (-shape layered)")
	flag.Parse()
	var err error
	switch *shape {
	case "random":
		var edges int
		edges, err = benchgen.Write(os.Stdout, *n)
		if err == nil {
			fmt.Fprintf(os.Stderr, "%d tasks, %d edges\n", *n, edges)
		}
	case "chain":
		err = benchgen.WriteChain(os.Stdout, *n)
	case "layered":
		err = benchgen.WriteLayered(os.Stdout, *n, *width)
	case "for_each":
		err = benchgen.WriteForEach(os.Stdout, *n)
	default:
		fmt.Fprintf(os.Stderr, "gen: unknown -shape %q\n", *shape)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
