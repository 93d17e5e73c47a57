package layout

import (
	"fmt"
	"math"
	"sort"
)

// weightOf is the duration estimate of one node: Weight[name] when it is a
// finite number >= 0, otherwise 1 (nil map, missing entry, NaN, ±Inf or a
// negative value). Zero is allowed: an instantaneous task.
func weightOf(weight map[string]float64, name string) float64 {
	w, ok := weight[name]
	if !ok || math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		return 1
	}
	return w
}

// Simulate is the makespan of a layout: a Leaf lasts its weight (see
// Graph.Weight), a Seq the sum of its children, a Par the longest child.
// This is exactly how long the Step Functions execution takes when every
// task lasts its weight.
func Simulate(t *Tree, weight map[string]float64) float64 {
	if t == nil {
		return 0
	}
	switch t.Kind {
	case Leaf:
		return weightOf(weight, t.Task)
	case Seq:
		sum := 0.0
		for _, c := range t.Children {
			sum += Simulate(c, weight)
		}
		return sum
	default:
		longest := 0.0
		for _, c := range t.Children {
			if d := Simulate(c, weight); d > longest {
				longest = d
			}
		}
		return longest
	}
}

// CriticalPath is the ideal makespan of the DAG: its longest path, summing
// node weights. No layout can do better; a layout that reaches it loses no
// parallelism. Upstream names that are not nodes are ignored; on a cyclic
// input the result covers the acyclic part only.
func CriticalPath(g Graph) float64 {
	p := newProblem(g)
	longest := 0.0
	finish := make([]float64, len(p.names))
	for _, v := range p.order {
		start := 0.0
		for _, u := range p.pred[v] {
			if finish[u] > start {
				start = finish[u]
			}
		}
		finish[v] = start + p.w[v]
		if finish[v] > longest {
			longest = finish[v]
		}
	}
	return longest
}

// Validate checks that t is a layout of g: every node of g is exactly one
// Leaf, no Leaf names an unknown task, blocks are well formed, and for every
// edge u→v, u finishes before v starts (u precedes v in the Seq at their
// lowest common ancestor). It also rejects graphs with duplicate nodes,
// unknown upstream names or cycles, which no layout can honour.
func Validate(g Graph, t *Tree) error {
	known := map[string]bool{}
	for _, n := range g.Nodes {
		if known[n] {
			return fmt.Errorf("node %q listed twice", n)
		}
		known[n] = true
	}
	upstreamOwners := make([]string, 0, len(g.Upstream))
	for v := range g.Upstream {
		upstreamOwners = append(upstreamOwners, v)
	}
	sort.Strings(upstreamOwners)
	for _, v := range upstreamOwners {
		if !known[v] {
			return fmt.Errorf("upstream given for unknown node %q", v)
		}
		for _, u := range g.Upstream[v] {
			if !known[u] {
				return fmt.Errorf("node %q depends on unknown node %q", v, u)
			}
			if u == v {
				return fmt.Errorf("node %q depends on itself", v)
			}
		}
	}
	if t == nil {
		if len(g.Nodes) == 0 {
			return nil
		}
		return fmt.Errorf("no layout for %d nodes", len(g.Nodes))
	}
	// path[name] is the list of child indexes from the root to the leaf.
	path := map[string][]int{}
	var walk func(n *Tree, prefix []int, root bool) error
	walk = func(n *Tree, prefix []int, root bool) error {
		if n == nil {
			return fmt.Errorf("nil block at %v", prefix)
		}
		switch n.Kind {
		case Leaf:
			if len(n.Children) > 0 {
				return fmt.Errorf("leaf %q has children", n.Task)
			}
			if !known[n.Task] {
				return fmt.Errorf("leaf %q is not a node of the graph", n.Task)
			}
			if _, dup := path[n.Task]; dup {
				return fmt.Errorf("node %q appears twice", n.Task)
			}
			path[n.Task] = append([]int(nil), prefix...)
			return nil
		case Seq, Par:
			if len(n.Children) == 0 && !(root && len(g.Nodes) == 0) {
				return fmt.Errorf("empty block at %v", prefix)
			}
			for i, c := range n.Children {
				if err := walk(c, append(prefix, i), false); err != nil {
					return err
				}
			}
			return nil
		default:
			return fmt.Errorf("unknown block kind %d at %v", n.Kind, prefix)
		}
	}
	if err := walk(t, nil, true); err != nil {
		return err
	}
	for _, n := range g.Nodes {
		if _, ok := path[n]; !ok {
			return fmt.Errorf("node %q is missing from the layout", n)
		}
	}
	for _, v := range g.Nodes {
		for _, u := range g.Upstream[v] {
			pu, pv := path[u], path[v]
			// Neither path is a prefix of the other: both end at leaves.
			i := 0
			for pu[i] == pv[i] {
				i++
			}
			lca := t
			for _, c := range pu[:i] {
				lca = lca.Children[c]
			}
			if lca.Kind != Seq || pu[i] > pv[i] {
				return fmt.Errorf("edge %q → %q is not respected: %q may start before %q ends", u, v, v, u)
			}
		}
	}
	return nil
}

// IsSeriesParallel reports whether the graph's order is series-parallel,
// that is whether some layout reaches CriticalPath whatever the weights
// (Layout then finds it).
func IsSeriesParallel(g Graph) bool {
	p := newProblem(g)
	if len(p.names) == 0 {
		return true
	}
	s := newSolver(p)
	var sp func(set []int) bool
	sp = func(set []int) bool {
		if len(set) == 1 {
			return true
		}
		mem := newBitset(len(p.names))
		for _, v := range set {
			mem.set(v)
		}
		for i, v := range set {
			s.slot[v] = i
		}
		parts := s.components(set, mem)
		if len(parts) == 1 {
			if parts = s.seriesPieces(set, mem); len(parts) == 1 {
				return false
			}
		}
		for _, part := range parts {
			if !sp(part) {
				return false
			}
		}
		return true
	}
	return sp(append([]int(nil), p.order...))
}
