package layout_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends/stepfunctions/layout"
	"github.com/dagc-dev/dagc/backends/stepfunctions/layout/randdag"
)

// randomGraph draws from every generator, so the properties below are
// checked on series-parallel, dense, sparse and layered graphs alike.
func randomGraph(rng *rand.Rand, n int) layout.Graph {
	switch rng.IntN(5) {
	case 0:
		return randdag.SeriesParallel(rng, n, 10)
	case 1:
		return randdag.Random(rng, n, 10, 0.05+rng.Float64()*0.4)
	case 2:
		return randdag.Random(rng, n, 0, 2.0/float64(n))
	case 3:
		return randdag.Layered(rng, n, 10, 1+rng.IntN(6), rng.Float64()*0.5)
	default:
		return randdag.Layered(rng, n, 0, 1+rng.IntN(4), 0.3)
	}
}

func TestLayoutRespectsEveryEdge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1500; i++ {
		g := randomGraph(rng, 1+rng.IntN(45))
		tree := layout.Layout(g)
		if err := layout.Validate(g, tree); err != nil {
			t.Fatalf("graph %d: %v\n%s", i, err, dump(g))
		}
		if err := layout.Validate(g, layout.Naive(g)); err != nil {
			t.Fatalf("graph %d: naive: %v", i, err)
		}
		cp, span := layout.CriticalPath(g), layout.Simulate(tree, g.Weight)
		if span < cp {
			t.Fatalf("graph %d: makespan %v below the critical path %v", i, span, cp)
		}
		if naive := layout.Simulate(layout.Naive(g), g.Weight); span > naive {
			t.Fatalf("graph %d: makespan %v worse than the naive layout's %v", i, span, naive)
		}
	}
}

// With the search narrowed to the best-ranked cut (as on large graphs once
// the work budget is spent), layouts stay valid, exact on series-parallel
// graphs and no worse than naive.
func TestNarrowSearch(t *testing.T) {
	defer layout.SetSearch(1, 0)()
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 500; i++ {
		g := randomGraph(rng, 1+rng.IntN(60))
		tree := layout.Layout(g)
		if err := layout.Validate(g, tree); err != nil {
			t.Fatalf("graph %d: %v", i, err)
		}
		span, cp := layout.Simulate(tree, g.Weight), layout.CriticalPath(g)
		naive := layout.Simulate(layout.Naive(g), g.Weight)
		if span < cp || span > naive || (layout.IsSeriesParallel(g) && span != cp) {
			t.Fatalf("graph %d: makespan %v, critical path %v, naive %v", i, span, cp, naive)
		}
	}
}

func TestSeriesParallelGraphsAreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 1000; i++ {
		n := 1 + rng.IntN(80)
		g := randdag.SeriesParallel(rng, n, 10*rng.IntN(2))
		if !layout.IsSeriesParallel(g) {
			t.Fatalf("graph %d not recognised as series-parallel\n%s", i, dump(g))
		}
		tree := layout.Layout(g)
		if err := layout.Validate(g, tree); err != nil {
			t.Fatalf("graph %d: %v", i, err)
		}
		if cp, span := layout.CriticalPath(g), layout.Simulate(tree, g.Weight); span != cp {
			t.Fatalf("graph %d: makespan %v, critical path %v\n%s", i, span, cp, dump(g))
		}
	}
}

// nFree reports whether the graph's order has no induced "N" (a<c, b<c,
// b<d, and no other relation among the four), the textbook
// characterisation of series-parallel orders; brute force, small graphs.
func nFree(g layout.Graph) bool {
	n := len(g.Nodes)
	idx := map[string]int{}
	for i, name := range g.Nodes {
		idx[name] = i
	}
	less := make([][]bool, n)
	for i := range less {
		less[i] = make([]bool, n)
	}
	for v, us := range g.Upstream {
		for _, u := range us {
			less[idx[u]][idx[v]] = true
		}
	}
	for k := 0; k < n; k++ {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if less[i][k] && less[k][j] {
					less[i][j] = true
				}
			}
		}
	}
	related := func(x, y int) bool { return less[x][y] || less[y][x] }
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			for c := 0; c < n; c++ {
				for d := 0; d < n; d++ {
					if a == b || a == c || a == d || b == c || b == d || c == d {
						continue
					}
					if less[a][c] && less[b][c] && less[b][d] &&
						!related(a, b) && !related(a, d) && !related(c, d) {
						return false
					}
				}
			}
		}
	}
	return true
}

func TestAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	hits, total := 0, 0
	for i := 0; i < 600; i++ {
		g := randomGraph(rng, 2+rng.IntN(9))
		cp := layout.CriticalPath(g)
		best := randdag.Optimum(g)
		span := layout.Simulate(layout.Layout(g), g.Weight)
		sp := nFree(g)
		if got := layout.IsSeriesParallel(g); got != sp {
			t.Fatalf("graph %d: IsSeriesParallel %v, brute force %v\n%s", i, got, sp, dump(g))
		}
		if best < cp || span < best {
			t.Fatalf("graph %d: critical path %v, optimum %v, layout %v", i, cp, best, span)
		}
		if sp && span != cp {
			t.Fatalf("graph %d: series-parallel but makespan %v > %v\n%s", i, span, cp, dump(g))
		}
		if !sp {
			total++
			if span == best {
				hits++
			}
		}
	}
	// A quality check, not a law: with this seed the search finds the
	// optimum every time; a change that loses it should be looked at.
	if hits != total {
		t.Errorf("layout optimal on %d of %d small non-series-parallel graphs", hits, total)
	}
}

// The "N" order: b before c and d, a before c. With heavy a and d, the best
// layout runs b first, then a→c beside d: 1 + max(5+1, 5) = 7, not 10 as
// the level-by-level layout does.
func TestNShape(t *testing.T) {
	g := layout.Graph{
		Nodes:    []string{"a", "b", "c", "d"},
		Upstream: map[string][]string{"c": {"a", "b"}, "d": {"b"}},
		Weight:   map[string]float64{"a": 5, "b": 1, "c": 1, "d": 5},
	}
	tree := layout.Layout(g)
	if err := layout.Validate(g, tree); err != nil {
		t.Fatal(err)
	}
	if got := layout.Simulate(tree, g.Weight); got != 7 {
		t.Fatalf("makespan %v, want 7: %s", got, show(tree))
	}
	if got := layout.Simulate(layout.Naive(g), g.Weight); got != 10 {
		t.Fatalf("naive makespan %v, want 10", got)
	}
	if layout.IsSeriesParallel(g) {
		t.Fatal("N recognised as series-parallel")
	}
}

func TestShapes(t *testing.T) {
	chain := func(n int) layout.Graph {
		g := layout.Graph{Upstream: map[string][]string{}}
		for i := 0; i < n; i++ {
			g.Nodes = append(g.Nodes, fmt.Sprintf("n%04d", i))
			if i > 0 {
				g.Upstream[g.Nodes[i]] = []string{g.Nodes[i-1]}
			}
		}
		return g
	}
	wide := layout.Graph{Nodes: []string{"c", "a", "b"}}
	diamond := layout.Graph{
		Nodes:    []string{"start", "left", "right", "end"},
		Upstream: map[string][]string{"left": {"start"}, "right": {"start"}, "end": {"left", "right", "start"}},
	}
	cases := []struct {
		name string
		g    layout.Graph
		want string
	}{
		{"empty", layout.Graph{}, "Seq()"},
		{"one", layout.Graph{Nodes: []string{"only"}}, "only"},
		{"wide", wide, "Par(a, b, c)"},
		{"chain", chain(3), "Seq(n0000, n0001, n0002)"},
		{"diamond", diamond, "Seq(start, Par(left, right), end)"},
		{"two chains", layout.Graph{
			Nodes:    []string{"x2", "x1", "y1", "y2"},
			Upstream: map[string][]string{"x2": {"x1"}, "y2": {"y1"}},
		}, "Par(Seq(x1, x2), Seq(y1, y2))"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tree := layout.Layout(c.g)
			if err := layout.Validate(c.g, tree); err != nil {
				t.Fatal(err)
			}
			if got := show(tree); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
	t.Run("very wide", func(t *testing.T) {
		g := layout.Graph{}
		for i := 0; i < 1000; i++ {
			g.Nodes = append(g.Nodes, fmt.Sprintf("w%04d", i))
		}
		tree := layout.Layout(g)
		if err := layout.Validate(g, tree); err != nil {
			t.Fatal(err)
		}
		if tree.Kind != layout.Par || len(tree.Children) != 1000 || layout.Simulate(tree, nil) != 1 {
			t.Fatal("independent nodes should be one flat Par")
		}
	})
	t.Run("deep", func(t *testing.T) {
		g := chain(2000)
		tree := layout.Layout(g)
		if err := layout.Validate(g, tree); err != nil {
			t.Fatal(err)
		}
		if tree.Kind != layout.Seq || len(tree.Children) != 2000 {
			t.Fatalf("a chain should be one flat Seq, got %s", show(tree)[:80])
		}
	})
}

// Big graphs take the cheaper search; they must still be valid and no
// worse than the naive layout.
func TestLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, g := range []layout.Graph{
		randdag.Layered(rng, 2000, 10, 8, 0.3),
		randdag.Random(rng, 1500, 10, 0.004),
		randdag.SeriesParallel(rng, 2000, 10),
	} {
		tree := layout.Layout(g)
		if err := layout.Validate(g, tree); err != nil {
			t.Fatal(err)
		}
		span, cp := layout.Simulate(tree, g.Weight), layout.CriticalPath(g)
		if naive := layout.Simulate(layout.Naive(g), g.Weight); span > naive || span < cp {
			t.Fatalf("makespan %v, critical path %v, naive %v", span, cp, naive)
		}
	}
}

// The layout depends on names only, not on the order nodes and edges are
// listed in.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 200; i++ {
		g := randomGraph(rng, 2+rng.IntN(40))
		shuffled := layout.Graph{Nodes: append([]string(nil), g.Nodes...), Upstream: map[string][]string{}, Weight: g.Weight}
		rng.Shuffle(len(shuffled.Nodes), func(a, b int) {
			shuffled.Nodes[a], shuffled.Nodes[b] = shuffled.Nodes[b], shuffled.Nodes[a]
		})
		for v, us := range g.Upstream {
			us = append([]string(nil), us...)
			rng.Shuffle(len(us), func(a, b int) { us[a], us[b] = us[b], us[a] })
			shuffled.Upstream[v] = us
		}
		if a, b := layout.Layout(g), layout.Layout(shuffled); !reflect.DeepEqual(a, b) {
			t.Fatalf("graph %d: %s vs %s", i, show(a), show(b))
		}
	}
}

func TestWeights(t *testing.T) {
	g := layout.Graph{
		Nodes:  []string{"a", "b", "c", "d", "e"},
		Weight: map[string]float64{"a": 0, "b": -3, "c": math.NaN(), "d": math.Inf(1)},
	}
	tree := layout.Layout(g)
	if err := layout.Validate(g, tree); err != nil {
		t.Fatal(err)
	}
	// a weighs 0; b, c, d are invalid and e is missing: all weigh 1.
	if got := layout.Simulate(&layout.Tree{Kind: layout.Seq, Children: tree.Children}, g.Weight); got != 4 {
		t.Fatalf("sum of weights %v, want 4", got)
	}
	zero := layout.Graph{
		Nodes:    []string{"a", "b", "c", "d"},
		Upstream: map[string][]string{"c": {"a", "b"}, "d": {"b"}},
		Weight:   map[string]float64{"a": 0, "b": 0, "c": 0, "d": 0},
	}
	if err := layout.Validate(zero, layout.Layout(zero)); err != nil {
		t.Fatal(err)
	}
}

func TestBadGraphs(t *testing.T) {
	cyclic := layout.Graph{
		Nodes:    []string{"a", "b", "c"},
		Upstream: map[string][]string{"a": {"c"}, "b": {"a"}, "c": {"b"}},
	}
	if err := layout.Validate(cyclic, layout.Layout(cyclic)); err == nil || !strings.Contains(err.Error(), "not respected") {
		t.Fatalf("cycle: %v", err)
	}
	if err := layout.Validate(cyclic, layout.Naive(cyclic)); err == nil {
		t.Fatal("naive layout of a cycle accepted")
	}
	unknown := layout.Graph{Nodes: []string{"a"}, Upstream: map[string][]string{"a": {"ghost"}}}
	if err := layout.Validate(unknown, layout.Layout(unknown)); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Fatalf("unknown upstream: %v", err)
	}
	if got := show(layout.Naive(unknown)); got != "a" {
		t.Fatalf("naive layout with an unknown upstream: %s", got)
	}
	self := layout.Graph{Nodes: []string{"a"}, Upstream: map[string][]string{"a": {"a"}}}
	if err := layout.Validate(self, layout.Layout(self)); err == nil {
		t.Fatal("self loop accepted")
	}
	dup := layout.Graph{Nodes: []string{"a", "a"}}
	if err := layout.Validate(dup, layout.Layout(dup)); err == nil {
		t.Fatal("duplicate node accepted")
	}
}

func TestValidateRejects(t *testing.T) {
	g := layout.Graph{
		Nodes:    []string{"a", "b", "c"},
		Upstream: map[string][]string{"b": {"a"}},
	}
	leaf := func(n string) *layout.Tree { return &layout.Tree{Kind: layout.Leaf, Task: n} }
	seq := func(c ...*layout.Tree) *layout.Tree { return &layout.Tree{Kind: layout.Seq, Children: c} }
	par := func(c ...*layout.Tree) *layout.Tree { return &layout.Tree{Kind: layout.Par, Children: c} }
	bad := map[string]*layout.Tree{
		"missing":     seq(leaf("a"), leaf("b")),
		"twice":       seq(leaf("a"), leaf("b"), leaf("c"), leaf("c")),
		"unknown":     seq(leaf("a"), leaf("b"), leaf("c"), leaf("z")),
		"parallel":    par(leaf("a"), leaf("b"), leaf("c")),
		"reversed":    seq(leaf("b"), par(leaf("a"), leaf("c"))),
		"empty block": seq(leaf("a"), leaf("b"), leaf("c"), par()),
		"nil":         nil,
		"leaf kids":   seq(leaf("a"), &layout.Tree{Kind: layout.Leaf, Task: "b", Children: []*layout.Tree{leaf("c")}}),
	}
	names := make([]string, 0, len(bad))
	for n := range bad {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := layout.Validate(g, bad[n]); err == nil {
			t.Errorf("%s: accepted", n)
		}
	}
	if err := layout.Validate(g, seq(par(leaf("a"), leaf("c")), leaf("b"))); err != nil {
		t.Errorf("valid layout rejected: %v", err)
	}
}

func show(t *layout.Tree) string {
	switch t.Kind {
	case layout.Leaf:
		return t.Task
	default:
		var parts []string
		for _, c := range t.Children {
			parts = append(parts, show(c))
		}
		kind := "Seq"
		if t.Kind == layout.Par {
			kind = "Par"
		}
		return kind + "(" + strings.Join(parts, ", ") + ")"
	}
}

func dump(g layout.Graph) string {
	var b strings.Builder
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "%s(%v) <- %v\n", n, g.Weight[n], g.Upstream[n])
	}
	return b.String()
}
