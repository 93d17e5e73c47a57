// Package benchgen writes large, valid pipeline files for the validation
// benchmarks: N tasks and about 3N edges, a mix of depends_on and
// task.X.outputs.Y references (which add edges too), each to a random
// earlier task so the graph is acyclic. The output depends only on N.
package benchgen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
)

// Write writes a pipeline of n tasks to w and returns the number of
// distinct edges it holds.
func Write(w io.Writer, n int) (edges int, err error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	r := rand.New(rand.NewPCG(42, uint64(n)))
	fmt.Fprintf(bw, "pipeline \"bench_%d\" {\n  description = \"generated: %d tasks\"\n  concurrency = 8\n}\n\n", n, n)
	fmt.Fprintf(bw, "param \"dataset\" {\n  type    = string\n  default = \"data/raw.csv\"\n}\n")
	name := func(i int) string { return fmt.Sprintf("t%06d", i) }
	picked := make([]int, 0, 3)
	for i := range n {
		// Up to three distinct earlier tasks: two by depends_on, one by an
		// output reference.
		picked = picked[:0]
		for len(picked) < min(i, 3) {
			j := r.IntN(i)
			dup := false
			for _, p := range picked {
				dup = dup || p == j
			}
			if !dup {
				picked = append(picked, j)
			}
		}
		edges += len(picked)
		fmt.Fprintf(bw, "\ntask %q {\n", name(i))
		if len(picked) > 1 {
			bw.WriteString("  depends_on = [")
			for k, j := range picked[1:] {
				if k > 0 {
					bw.WriteString(", ")
				}
				bw.WriteString("task." + name(j))
			}
			bw.WriteString("]\n")
		}
		bw.WriteString("  command    = [\"python\", \"step.py\", \"--in\", param.dataset")
		if len(picked) > 0 {
			fmt.Fprintf(bw, ", \"--upstream=${task.%s.outputs.out}\"", name(picked[0]))
		}
		bw.WriteString("]\n  outputs    = [\"out\"]\n")
		if i%10 == 0 {
			bw.WriteString("  retries    = 2\n  timeout    = \"1h\"\n")
		}
		bw.WriteString("}\n")
	}
	return edges, bw.Flush()
}
