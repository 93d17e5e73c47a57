// Package layout turns a DAG into nested sequences and parallel blocks, the
// only shapes Step Functions can express (a Parallel state waits for all of
// its branches). Every edge of the DAG is respected; on graphs that are not
// series-parallel some parallelism is necessarily lost, and the algorithm
// tries to lose as little as possible.
package layout

import "sort"

// Kind is the shape of a Tree node.
type Kind int

const (
	Leaf Kind = iota // one task
	Seq              // children run one after another
	Par              // children run at once; the block ends when all end
)

// Tree is a series-parallel layout.
type Tree struct {
	Kind     Kind
	Task     string // for Leaf
	Children []*Tree
}

// Graph is the input: node names and, for each, the names it depends on.
// Weight estimates each node's duration, in any unit (the renderer passes
// nil or the task timeouts in seconds). A nil map, a missing entry, or a
// negative, NaN or infinite value counts as 1; zero is allowed. Weights only
// steer the layout of graphs that are not series-parallel: whatever they
// are, every edge is respected and series-parallel graphs are exact.
type Graph struct {
	Nodes    []string
	Upstream map[string][]string
	Weight   map[string]float64
}

// Naive lays the graph out as one Par block per topological level, the
// baseline the real layout is measured against.
func Naive(g Graph) *Tree {
	level := map[string]int{}
	known := map[string]bool{}
	for _, n := range g.Nodes {
		known[n] = true
	}
	visiting := map[string]bool{}
	var depth func(string) int
	depth = func(n string) int {
		if l, ok := level[n]; ok {
			return l
		}
		// A cycle (which the IR never has) is cut where it is met, so
		// that a bad input gives a layout Validate rejects, not a hang.
		visiting[n] = true
		l := 0
		for _, u := range g.Upstream[n] {
			if !known[u] || visiting[u] {
				continue
			}
			if d := depth(u) + 1; d > l {
				l = d
			}
		}
		visiting[n] = false
		level[n] = l
		return l
	}
	maxLevel := -1
	for _, n := range g.Nodes {
		if d := depth(n); d > maxLevel {
			maxLevel = d
		}
	}
	levels := make([][]string, maxLevel+1)
	placed := map[string]bool{}
	for _, n := range g.Nodes {
		if !placed[n] {
			placed[n] = true
			levels[level[n]] = append(levels[level[n]], n)
		}
	}
	seq := &Tree{Kind: Seq}
	for _, names := range levels {
		sort.Strings(names)
		if len(names) == 1 {
			seq.Children = append(seq.Children, &Tree{Kind: Leaf, Task: names[0]})
			continue
		}
		par := &Tree{Kind: Par}
		for _, n := range names {
			par.Children = append(par.Children, &Tree{Kind: Leaf, Task: n})
		}
		seq.Children = append(seq.Children, par)
	}
	if len(seq.Children) == 1 {
		return seq.Children[0]
	}
	return seq
}

// Layout returns the layout Step Functions renders. A series-parallel graph
// is laid out exactly (Simulate equals CriticalPath). Any other graph gets
// the order it lacks added where, by the weights, it costs least; every edge
// is always respected. Ties are broken by node name, so the result does not
// depend on the order of Nodes or Upstream. An empty graph gives an empty
// Seq. See docs/stepfunctions-layout.md.
func Layout(g Graph) *Tree {
	p := newProblem(g)
	if len(p.names) == 0 {
		return &Tree{Kind: Seq}
	}
	all := append([]int(nil), p.order...)
	return newSolver(p).solve(all).tree
}
