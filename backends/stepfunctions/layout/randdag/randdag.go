// Package randdag generates random DAGs for the layout's tests and
// benchmark: series-parallel graphs by random composition, and graphs that
// are usually not series-parallel (random forward edges, layered graphs
// with cross edges). Everything depends only on the *rand.Rand given.
package randdag

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dagc-dev/dagc/backends/stepfunctions/layout"
)

// builder accumulates nodes named in random order, so that name order (the
// layout's tie-break) says nothing about the structure.
type builder struct {
	rng      *rand.Rand
	names    []string
	upstream map[string][]string
	weight   map[string]float64
}

func newBuilder(rng *rand.Rand, n, maxWeight int) *builder {
	b := &builder{rng: rng, upstream: map[string][]string{}, weight: map[string]float64{}}
	for _, i := range rng.Perm(n) {
		name := fmt.Sprintf("t%03d", i)
		b.names = append(b.names, name)
		if maxWeight > 0 {
			b.weight[name] = float64(1 + rng.IntN(maxWeight))
		}
	}
	return b
}

func (b *builder) edge(from, to int) {
	b.upstream[b.names[to]] = append(b.upstream[b.names[to]], b.names[from])
}

func (b *builder) graph() layout.Graph {
	g := layout.Graph{Nodes: b.names, Upstream: b.upstream}
	if len(b.weight) > 0 {
		g.Weight = b.weight
	}
	return g
}

// SeriesParallel builds an n-node graph by random series and parallel
// composition (a series composition joins every sink of the first part to
// every source of the second), plus a few implied edges that skip ahead,
// which a series-parallel graph may have. Weights are integers 1..maxWeight,
// or nil when maxWeight is 0.
func SeriesParallel(rng *rand.Rand, n, maxWeight int) layout.Graph {
	b := newBuilder(rng, n, maxWeight)
	var build func(lo, hi int) (sources, sinks []int)
	build = func(lo, hi int) ([]int, []int) {
		if hi-lo == 1 {
			return []int{lo}, []int{lo}
		}
		mid := lo + 1 + rng.IntN(hi-lo-1)
		s1, t1 := build(lo, mid)
		s2, t2 := build(mid, hi)
		if rng.IntN(2) == 0 {
			return append(s1, s2...), append(t1, t2...)
		}
		for _, t := range t1 {
			for _, s := range s2 {
				b.edge(t, s)
			}
		}
		// An implied edge from the first part to the second.
		if rng.IntN(3) == 0 {
			b.edge(lo+rng.IntN(mid-lo), mid+rng.IntN(hi-mid))
		}
		return s1, t2
	}
	build(0, n)
	return b.graph()
}

// Random adds each forward edge i→j (i<j) with probability density.
func Random(rng *rand.Rand, n, maxWeight int, density float64) layout.Graph {
	b := newBuilder(rng, n, maxWeight)
	for j := 1; j < n; j++ {
		for i := 0; i < j; i++ {
			if rng.Float64() < density {
				b.edge(i, j)
			}
		}
	}
	return b.graph()
}

// Layered puts nodes in layers of 1..maxWidth nodes; each node depends on
// one to three nodes of the previous layer, and with probability cross on a
// node of an earlier layer.
func Layered(rng *rand.Rand, n, maxWeight, maxWidth int, cross float64) layout.Graph {
	b := newBuilder(rng, n, maxWeight)
	var layers [][]int
	for i := 0; i < n; {
		w := min(1+rng.IntN(maxWidth), n-i)
		var layer []int
		for j := 0; j < w; j++ {
			layer = append(layer, i+j)
		}
		layers = append(layers, layer)
		i += w
	}
	for l := 1; l < len(layers); l++ {
		prev := layers[l-1]
		for _, v := range layers[l] {
			for _, k := range rng.Perm(len(prev))[:min(len(prev), 1+rng.IntN(3))] {
				b.edge(prev[k], v)
			}
			if l > 1 && rng.Float64() < cross {
				earlier := layers[rng.IntN(l-1)]
				b.edge(earlier[rng.IntN(len(earlier))], v)
			}
		}
	}
	return b.graph()
}

// Optimum is the best makespan of any layout of g, by exhaustive search
// over every way to cut each connected piece into a Seq of two parts (the
// top block of a connected piece is always such a Seq). Exponential: for
// checking the layout on graphs of at most about 16 nodes; it panics above
// 30. Weights follow the layout's rules (see layout.Graph).
func Optimum(g layout.Graph) float64 {
	if len(g.Nodes) > 30 {
		panic("randdag.Optimum: graph too large for exhaustive search")
	}
	n := len(g.Nodes)
	idx := map[string]int{}
	for i, name := range g.Nodes {
		idx[name] = i
	}
	pred := make([]uint32, n)
	adj := make([]uint32, n)
	for v, us := range g.Upstream {
		for _, u := range us {
			pred[idx[v]] |= 1 << idx[u]
			adj[idx[v]] |= 1 << idx[u]
			adj[idx[u]] |= 1 << idx[v]
		}
	}
	w := func(i int) float64 {
		return layout.Simulate(&layout.Tree{Kind: layout.Leaf, Task: g.Nodes[i]}, g.Weight)
	}
	memo := map[uint32]float64{}
	var opt func(s uint32) float64
	opt = func(s uint32) float64 {
		if s&(s-1) == 0 {
			for i := 0; i < n; i++ {
				if s == 1<<i {
					return w(i)
				}
			}
		}
		if r, ok := memo[s]; ok {
			return r
		}
		// the component of the lowest node
		comp := s & -s
		for {
			grown := comp
			for i := 0; i < n; i++ {
				if comp&(1<<i) != 0 {
					grown |= adj[i] & s
				}
			}
			if grown == comp {
				break
			}
			comp = grown
		}
		best := math.Inf(1)
		if comp != s {
			best = max(opt(comp), opt(s&^comp))
		} else {
			for a := (s - 1) & s; a > 0; a = (a - 1) & s {
				closed := true
				for i := 0; i < n && closed; i++ {
					if a&(1<<i) != 0 && pred[i]&s&^a != 0 {
						closed = false
					}
				}
				if closed {
					best = min(best, opt(a)+opt(s&^a))
				}
			}
		}
		memo[s] = best
		return best
	}
	return opt(1<<n - 1)
}
