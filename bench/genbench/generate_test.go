// Package genbench measures generation time (parse excluded) on the
// shapes of bench/benchgen, for every backend: the benchmarks that show
// generation is linear in the pipeline's size (bench/generate.sh times the
// whole command).
package genbench

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/airflow"
	"github.com/dagc-dev/dagc/backends/argo"
	"github.com/dagc-dev/dagc/backends/stepfunctions"
	"github.com/dagc-dev/dagc/bench/benchgen"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

func renderers() map[string]func() backends.Renderer {
	return map[string]func() backends.Renderer{
		"airflow":       func() backends.Renderer { return airflow.New() },
		"argo":          func() backends.Renderer { return argo.New("") },
		"stepfunctions": func() backends.Renderer { return stepfunctions.New() },
	}
}

func chain(tb testing.TB, n int) *ir.Pipeline {
	tb.Helper()
	var src bytes.Buffer
	if err := benchgen.WriteChain(&src, n); err != nil {
		tb.Fatal(err)
	}
	p, diags := parser.New().ParseFile(fmt.Sprintf("chain_%d.dag.hcl", n), src.Bytes(), parser.Options{})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	return p
}

// BenchmarkGenerateChain renders chains of 1k, 10k and 100k tasks. Linear
// generation shows as a constant ns/task metric across the sizes. A
// backend may refuse a pipeline beyond its engine's limits (Step
// Functions at 100k): the time to refuse is what is measured then.
func BenchmarkGenerateChain(b *testing.B) {
	for _, n := range sizes() {
		p := chain(b, n)
		for _, name := range []string{"airflow", "argo", "stepfunctions"} {
			b.Run(fmt.Sprintf("%s/%dk", name, n/1000), func(b *testing.B) {
				r := renderers()[name]()
				for b.Loop() {
					if d := r.Check(p); !d.HasErrors() {
						r.Render(p)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/task")
			})
		}
	}
}

// sizes are the chain lengths; -short keeps to 1k and 10k.
func sizes() []int {
	if testing.Short() {
		return []int{1000, 10000}
	}
	return []int{1000, 10000, 100000}
}

// BenchmarkStepFunctionsLayered renders layered pipelines (layers of 10,
// two upstreams per task) of 500 to 4,000 tasks, which Step Functions can
// run (a 10k chain is refused: its task records alone exceed the 256 KiB
// run state), through the child-machine split: linear shows as a constant
// ns/task.
func BenchmarkStepFunctionsLayered(b *testing.B) {
	for _, n := range []int{500, 1000, 2000, 4000} {
		var src bytes.Buffer
		if err := benchgen.WriteLayered(&src, n, 10); err != nil {
			b.Fatal(err)
		}
		p, diags := parser.New().ParseFile(fmt.Sprintf("layered_%d.dag.hcl", n), src.Bytes(), parser.Options{})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		b.Run(fmt.Sprintf("%d", n), func(b *testing.B) {
			r := stepfunctions.New()
			var files []backends.File
			for b.Loop() {
				var d ir.Diagnostics
				files, d = r.Render(p)
				if d.HasErrors() {
					b.Fatal(d)
				}
			}
			size := 0
			for _, f := range files {
				size += len(f.Data)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/task")
			b.ReportMetric(float64(size)/float64(n), "bytes/task")
		})
	}
}
