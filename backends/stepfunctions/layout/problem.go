package layout

import (
	"container/heap"
	"encoding/binary"
	"math/bits"
	"sort"
)

// problem is a Graph in index form. Nodes are indexed in name order so that
// every tie the layout breaks is broken by name, whatever order the caller
// listed nodes and edges in.
type problem struct {
	names []string
	w     []float64
	pred  [][]int // transitive reduction: no edge implied by a longer path
	succ  [][]int
	order []int    // deterministic topological order (smallest name first)
	anc   []bitset // strict ancestors of each node
}

func newProblem(g Graph) *problem {
	seen := map[string]bool{}
	var names []string
	for _, n := range g.Nodes {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	p := &problem{names: names, w: make([]float64, len(names))}
	raw := make([][]int, len(names))
	for i, n := range names {
		p.w[i] = weightOf(g.Weight, n)
		dup := map[int]bool{}
		for _, u := range g.Upstream[n] {
			// Unknown names and self loops cannot be laid out; Validate
			// reports them, the layout ignores them.
			if j, ok := index[u]; ok && j != i && !dup[j] {
				dup[j] = true
				raw[i] = append(raw[i], j)
			}
		}
	}
	p.topoSort(raw)
	p.reduce(raw)
	return p
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// topoSort orders nodes with Kahn's algorithm, smallest name first. Nodes on
// a cycle (never produced by the IR) are appended in name order and their
// backward edges dropped, so the layout still terminates.
func (p *problem) topoSort(raw [][]int) {
	n := len(p.names)
	indeg := make([]int, n)
	out := make([][]int, n)
	for v, us := range raw {
		indeg[v] = len(us)
		for _, u := range us {
			out[u] = append(out[u], v)
		}
	}
	h := &intHeap{}
	for v := 0; v < n; v++ {
		if indeg[v] == 0 {
			*h = append(*h, v)
		}
	}
	heap.Init(h)
	placed := make([]bool, n)
	for h.Len() > 0 {
		v := heap.Pop(h).(int)
		placed[v] = true
		p.order = append(p.order, v)
		for _, s := range out[v] {
			if indeg[s]--; indeg[s] == 0 {
				heap.Push(h, s)
			}
		}
	}
	for v := 0; v < n; v++ {
		if !placed[v] {
			p.order = append(p.order, v)
		}
	}
}

// reduce computes ancestor sets and keeps only the edges of the transitive
// reduction: an implied edge changes neither the connected components nor
// any longest path, and a layout honouring the reduction honours the rest.
func (p *problem) reduce(raw [][]int) {
	n := len(p.names)
	pos := make([]int, n)
	for i, v := range p.order {
		pos[v] = i
	}
	p.anc = make([]bitset, n)
	p.pred = make([][]int, n)
	p.succ = make([][]int, n)
	for _, v := range p.order {
		var us []int
		for _, u := range raw[v] {
			if pos[u] < pos[v] {
				us = append(us, u)
			}
		}
		// Latest predecessor first: an implied edge comes from an ancestor
		// of a later predecessor, already covered when it is reached.
		sort.Slice(us, func(i, j int) bool { return pos[us[i]] > pos[us[j]] })
		a := newBitset(n)
		for _, u := range us {
			if a.has(u) {
				continue
			}
			p.pred[v] = append(p.pred[v], u)
			p.succ[u] = append(p.succ[u], v)
			a.set(u)
			a.or(p.anc[u])
		}
		p.anc[v] = a
	}
}

type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)      { b[i>>6] |= 1 << uint(i&63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<uint(i&63)) != 0 }
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

func (b bitset) count() int {
	c := 0
	for _, word := range b {
		c += bits.OnesCount64(word)
	}
	return c
}

// andCount is |b ∩ o|.
func (b bitset) andCount(o bitset) int {
	c := 0
	for i := range b {
		c += bits.OnesCount64(b[i] & o[i])
	}
	return c
}

// key is the bitset as a string, to memoise sub-layouts by node set.
func (b bitset) key() string {
	buf := make([]byte, 0, len(b)*8)
	for _, word := range b {
		buf = binary.LittleEndian.AppendUint64(buf, word)
	}
	return string(buf)
}
