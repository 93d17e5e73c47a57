package ir

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchPipeline builds a valid pipeline of n tasks with about 3n edges:
// each task after the first few waits for three earlier tasks, one of them
// through an output reference, like the generated files of bench/. Tasks
// are declared in a shuffled order so the sort has real work to do.
func benchPipeline(n int) *Pipeline {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	p := &Pipeline{Name: "bench", Params: []*Param{{Name: "dataset", Type: ParamString}}}
	name := func(i int) string { return fmt.Sprintf("task_%06d", i) }
	for i := range n {
		t := &Task{Name: name(i), Outputs: []string{"out"}, Range: at(i + 2)}
		cmd := []Str{Lit("python"), Lit("step.py"), {Parts: []Part{{Lit: "--in="}, {Ref: &Ref{Kind: RefParam, Name: "dataset"}}}}}
		for k := range min(i, 3) {
			u := name(r.IntN(i))
			t.Edges = append(t.Edges, Edge{From: u, Range: at(i + 2)})
			if k == 0 {
				cmd = append(cmd, Str{Parts: []Part{{Ref: &Ref{Kind: RefOutput, Task: u, Name: "out", Range: at(i + 2)}}}})
			}
		}
		t.Run = Template{Command: cmd}
		p.Tasks = append(p.Tasks, t)
	}
	r.Shuffle(len(p.Tasks), func(i, j int) { p.Tasks[i], p.Tasks[j] = p.Tasks[j], p.Tasks[i] })
	return p
}

func benchmarkValidate(b *testing.B, n int) {
	p := benchPipeline(n)
	shuffled := append([]*Task(nil), p.Tasks...)
	b.ReportAllocs()
	for b.Loop() {
		copy(p.Tasks, shuffled)
		if ds := check(p); len(ds) > 0 {
			b.Fatal(ds[0].Error())
		}
	}
}

func BenchmarkValidate1k(b *testing.B)   { benchmarkValidate(b, 1_000) }
func BenchmarkValidate10k(b *testing.B)  { benchmarkValidate(b, 10_000) }
func BenchmarkValidate100k(b *testing.B) { benchmarkValidate(b, 100_000) }
