package benchgen

import (
	"bufio"
	"fmt"
	"io"
)

// The generate benchmarks (bench/generate.sh) and the Step Functions size
// tests use these shapes: unlike Write's random graph they have a known
// layout, so definition sizes and times are comparable across versions.

const shapeHeader = "pipeline %q {\n  description = %q\n\n  defaults {\n    image = \"alpine:3.20\"\n  }\n}\n"

// WriteChain writes a pipeline of n tasks, each waiting for the one
// before it.
func WriteChain(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, shapeHeader, fmt.Sprintf("chain_%d", n), fmt.Sprintf("generated: a chain of %d tasks", n))
	for i := range n {
		fmt.Fprintf(bw, "\ntask \"t%06d\" {\n", i)
		if i > 0 {
			fmt.Fprintf(bw, "  depends_on = [task.t%06d]\n", i-1)
		}
		fmt.Fprintf(bw, "  command    = [\"python\", \"-m\", \"steps.run\", \"--step\", \"%d\"]\n}\n", i)
	}
	return bw.Flush()
}

// WriteLayered writes a pipeline of n tasks in layers of width tasks: task
// i of a layer waits for tasks i and i+1 (mod width) of the layer before,
// so layers overlap and the graph is not series-parallel. Every fifth task
// publishes an output that the task below it reads (an implicit edge).
func WriteLayered(w io.Writer, n, width int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, shapeHeader, fmt.Sprintf("layered_%d", n), fmt.Sprintf("generated: %d tasks in layers of %d", n, width))
	name := func(layer, i int) string { return fmt.Sprintf("l%03d_t%02d", layer, i) }
	for k := range n {
		layer, i := k/width, k%width
		fmt.Fprintf(bw, "\ntask %q {\n", name(layer, i))
		args := fmt.Sprintf(`"python", "-m", "steps.run", "--layer", "%d", "--part", "%d"`, layer, i)
		if layer > 0 {
			a, b := name(layer-1, i), name(layer-1, (i+1)%width)
			fmt.Fprintf(bw, "  depends_on = [task.%s, task.%s]\n", a, b)
			if (k-width)%5 == 0 {
				args += fmt.Sprintf(`, "--from=${task.%s.outputs.path}"`, a)
			}
		}
		fmt.Fprintf(bw, "  command    = [%s]\n", args)
		if k%5 == 0 && k+width < n {
			bw.WriteString("  outputs    = [\"path\"]\n")
		}
		bw.WriteString("}\n")
	}
	return bw.Flush()
}

// WriteForEach writes a pipeline of one for_each task over n items that
// echoes each item.
func WriteForEach(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, shapeHeader, fmt.Sprintf("for_each_%d", n), fmt.Sprintf("generated: one for_each over %d items", n))
	bw.WriteString("\ntask \"echo\" {\n  for_each = [")
	for i := range n {
		if i > 0 {
			bw.WriteString(", ")
		}
		fmt.Fprintf(bw, "\"item%05d\"", i)
	}
	bw.WriteString("]\n  command  = [\"echo\", each.value]\n}\n")
	return bw.Flush()
}
