package local

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// layered builds the DAG of bench/local/gen.go: layers x width tasks, each
// `true && touch o/NAME` with 3 random parents in the layer before.
func layered(layers, width int) *ir.Pipeline {
	rng := rand.New(rand.NewPCG(1, 1))
	name := func(l, i int) string { return fmt.Sprintf("t%d_%d", l, i) }
	p := pipeline()
	for l := 0; l < layers; l++ {
		for i := 0; i < width; i++ {
			t := shTask(name(l, i), "true && touch o/"+name(l, i))
			if l > 0 {
				for _, k := range rng.Perm(width)[:3] {
					t.Edges = append(t.Edges, ir.Edge{From: name(l-1, k)})
				}
				sort.Strings(t.Upstream())
			}
			p.Tasks = append(p.Tasks, t)
		}
	}
	return p
}

// BenchmarkLayered runs the benchmark DAG at -j 2 in-process; compare with
// bench/local/run.sh for ninja and make.
func BenchmarkLayered(b *testing.B) {
	p := layered(50, 40)
	for n := 0; n < b.N; n++ {
		dir := b.TempDir()
		os.Mkdir(filepath.Join(dir, "o"), 0o755)
		res, err := Run(context.Background(), p, Options{Jobs: 2, Dir: dir, BaseDir: dir,
			StateDir: filepath.Join(dir, ".dagc"), Out: io.Discard})
		if err != nil || res.State != ir.Success {
			b.Fatalf("%v %v", err, res.State)
		}
	}
}
