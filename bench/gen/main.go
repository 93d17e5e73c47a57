// Command gen writes a generated pipeline of -n tasks (about 3n edges) to
// stdout, for bench/validate.sh.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/dagc-dev/dagc/bench/benchgen"
)

func main() {
	n := flag.Int("n", 10000, "number of tasks")
	flag.Parse()
	edges, err := benchgen.Write(os.Stdout, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%d tasks, %d edges\n", *n, edges)
}
