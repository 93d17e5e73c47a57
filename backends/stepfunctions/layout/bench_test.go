package layout_test

import (
	"math/rand/v2"
	"testing"

	"github.com/dagc-dev/dagc/backends/stepfunctions/layout"
	"github.com/dagc-dev/dagc/backends/stepfunctions/layout/randdag"
)

// Layout time by graph shape and size: go test -bench . -benchtime 5x
func BenchmarkLayout(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name string
		g    layout.Graph
	}{
		{"series-parallel-300", randdag.SeriesParallel(rng, 300, 10)},
		{"sparse-300", randdag.Random(rng, 300, 10, 3.0/300)},
		{"dense-300", randdag.Random(rng, 300, 10, 0.1)},
		{"layered-300", randdag.Layered(rng, 300, 10, 8, 0.3)},
		{"series-parallel-2000", randdag.SeriesParallel(rng, 2000, 10)},
		{"sparse-2000", randdag.Random(rng, 2000, 10, 3.0/2000)},
		{"layered-2000", randdag.Layered(rng, 2000, 10, 8, 0.3)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				layout.Layout(c.g)
			}
		})
	}
}
