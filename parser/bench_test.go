package parser

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/dagc-dev/dagc/bench/benchgen"
)

// benchmarkValidate parses and validates a generated pipeline of n tasks
// and about 3n edges: what `dagc validate` does, without the process.
func benchmarkValidate(b *testing.B, n int) {
	var src bytes.Buffer
	edges, err := benchgen.Write(&src, n)
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("bench_%d.dag.hcl", n)
	b.ReportAllocs()
	b.SetBytes(int64(src.Len()))
	for b.Loop() {
		p, ds := New().ParseFile(name, src.Bytes(), Options{})
		if ds.HasErrors() {
			b.Fatal(ds[0].Error())
		}
		if len(p.Tasks) != n {
			b.Fatalf("%d tasks, want %d", len(p.Tasks), n)
		}
	}
	b.ReportMetric(float64(edges), "edges")
}

func BenchmarkValidate1k(b *testing.B)   { benchmarkValidate(b, 1_000) }
func BenchmarkValidate10k(b *testing.B)  { benchmarkValidate(b, 10_000) }
func BenchmarkValidate100k(b *testing.B) { benchmarkValidate(b, 100_000) }
