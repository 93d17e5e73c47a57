package local

import (
	"bytes"
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

// BenchmarkArtifactInputs stages one file as a task input, the way the
// runner gives a consumer its producer's artifact: as a hard link
// (same file system) and as a copy (--isolate, or another file system).
// The file is DAGC_BENCH_ARTIFACT (bench/artifacts/run.sh makes 1 GiB),
// else 64 MiB made here.
func BenchmarkArtifactInputs(b *testing.B) {
	src := os.Getenv("DAGC_BENCH_ARTIFACT")
	if src == "" {
		src = filepath.Join(b.TempDir(), "artifact")
		if err := os.WriteFile(src, bytes.Repeat([]byte("dagc artifact\n"), 64<<20/14), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	fi, err := os.Stat(src)
	if err != nil {
		b.Fatal(err)
	}
	dst := os.Getenv("DAGC_BENCH_ARTIFACT_DST")
	if dst == "" {
		dst = filepath.Dir(src)
	}
	for _, mode := range []struct {
		name string
		copy bool
	}{{"link", false}, {"copy", true}} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(fi.Size())
			sources := []inputSource{{name: "a", entries: []inputEntry{{segment: "_", path: src}}}}
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(dst, fmt.Sprintf("dagc-bench-inputs-%d", i))
				if err := stageInputs(dir, sources, mode.copy); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
	}
}
