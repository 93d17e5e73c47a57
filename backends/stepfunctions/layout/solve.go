package layout

import "sort"

// Tuning of the search; see docs/stepfunctions-layout.md.
const (
	// lookahead is how many cuts of a non-series-parallel piece are laid out
	// in full before keeping the best; the rest are ranked by lower bound.
	lookahead = 6
	// exactBudgetPerNode bounds the pieces searched with lookahead, so the
	// search stays polynomial; past it every piece takes its best-ranked cut.
	exactBudgetPerNode = 40
	// greedyAbove is the size past which only the best-ranked cut is tried.
	greedyAbove = 1000
)

type solved struct {
	tree *Tree
	span float64
}

type solver struct {
	*problem
	slot      []int // node → index in the piece being analysed (scratch)
	memo      map[string]solved
	budget    int
	lookahead int
}

func newSolver(p *problem) *solver {
	s := &solver{problem: p, slot: make([]int, len(p.names)), memo: map[string]solved{}}
	s.lookahead = lookahead
	s.budget = exactBudgetPerNode * len(p.names)
	if len(p.names) > greedyAbove {
		s.lookahead = 1
	}
	return s
}

func (s *solver) leaf(v int) solved {
	return solved{&Tree{Kind: Leaf, Task: s.names[v]}, s.w[v]}
}

// solve lays out a piece: a set of nodes listed in topological order. Every
// piece is convex (it holds every node on a path between two of its nodes),
// so paths inside it are the paths of the whole graph.
func (s *solver) solve(set []int) solved {
	if len(set) == 1 {
		return s.leaf(set[0])
	}
	mem := newBitset(len(s.names))
	for _, v := range set {
		mem.set(v)
	}
	key := mem.key()
	if r, ok := s.memo[key]; ok {
		return r
	}
	r := s.split(set, mem)
	s.memo[key] = r
	return r
}

// split decomposes a piece exactly when it is a parallel or series
// composition, and otherwise adds the order that loses least.
func (s *solver) split(set []int, mem bitset) solved {
	for i, v := range set {
		s.slot[v] = i
	}
	if comps := s.components(set, mem); len(comps) > 1 {
		var children []*Tree
		span := 0.0
		for _, c := range comps {
			r := s.solve(c)
			children = append(children, r.tree)
			if r.span > span {
				span = r.span
			}
		}
		return solved{par(children), span}
	}
	if pieces := s.seriesPieces(set, mem); len(pieces) > 1 {
		var children []*Tree
		span := 0.0
		for _, c := range pieces {
			r := s.solve(c)
			children = append(children, r.tree)
			span += r.span
		}
		return solved{seq(children), span}
	}
	return s.cut(set, mem)
}

// components are the weakly connected components of the piece, each in
// topological order, ordered by their first node name.
func (s *solver) components(set []int, mem bitset) [][]int {
	parent := make([]int, len(set))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i, v := range set {
		for _, u := range s.pred[v] {
			if mem.has(u) {
				a, b := find(i), find(s.slot[u])
				if a != b {
					parent[a] = b
				}
			}
		}
	}
	byRoot := map[int]int{}
	var comps [][]int
	var first []int
	for i, v := range set {
		r := find(i)
		c, ok := byRoot[r]
		if !ok {
			c = len(comps)
			byRoot[r] = c
			comps = append(comps, nil)
			first = append(first, v)
		}
		comps[c] = append(comps[c], v)
		if v < first[c] {
			first[c] = v
		}
	}
	sort.Sort(byFirst{comps, first})
	return comps
}

type byFirst struct {
	comps [][]int
	first []int
}

func (b byFirst) Len() int           { return len(b.comps) }
func (b byFirst) Less(i, j int) bool { return b.first[i] < b.first[j] }
func (b byFirst) Swap(i, j int) {
	b.comps[i], b.comps[j] = b.comps[j], b.comps[i]
	b.first[i], b.first[j] = b.first[j], b.first[i]
}

// levels gives each node of the piece its depth: 0 for a node with no
// predecessor in the piece, else one more than its deepest predecessor.
func (s *solver) levels(set []int, mem bitset) ([]int, int) {
	lvl := make([]int, len(set))
	top := 0
	for i, v := range set {
		for _, u := range s.pred[v] {
			if mem.has(u) {
				if l := lvl[s.slot[u]] + 1; l > lvl[i] {
					lvl[i] = l
				}
			}
		}
		if lvl[i] > top {
			top = lvl[i]
		}
	}
	return lvl, top
}

// seriesPieces splits the piece at every series cut: a set A such that every
// node of A is an ancestor of every node outside it. Such an A is always
// "levels 0..L": the nodes of level L+1 are the minimal nodes outside it, and
// their ancestors in the piece all lie in A, so A is a series cut exactly
// when each of them has |A| ancestors in the piece.
func (s *solver) seriesPieces(set []int, mem bitset) [][]int {
	lvl, top := s.levels(set, mem)
	count := make([]int, top+1)
	for _, l := range lvl {
		count[l]++
	}
	below := make([]int, top+1) // nodes at level <= L
	sum := 0
	for l := 0; l <= top; l++ {
		sum += count[l]
		below[l] = sum
	}
	isCut := make([]bool, top+1) // isCut[L]: a cut between L and L+1
	for l := 0; l < top; l++ {
		isCut[l] = true
	}
	for i, v := range set {
		if l := lvl[i]; l > 0 && isCut[l-1] && s.anc[v].andCount(mem) != below[l-1] {
			isCut[l-1] = false
		}
	}
	// piece index of each level
	pieceOf := make([]int, top+1)
	n := 0
	for l := 0; l <= top; l++ {
		pieceOf[l] = n
		if isCut[l] {
			n++
		}
	}
	pieces := make([][]int, n+1)
	for i, v := range set {
		pieces[pieceOf[lvl[i]]] = append(pieces[pieceOf[lvl[i]]], v)
	}
	return pieces
}

// candidate is a cut of a piece into a Seq of two parts: the first
// prefixLen nodes of family fam's ordering, then the rest.
type candidate struct {
	bound     float64 // critical path of the first part plus of the second
	fam       int
	prefixLen int
}

// cut lays out a piece that is connected and has no series cut, so it is not
// series-parallel: any layout is Seq(A, B) with A closed under predecessors,
// and adds the order A before B. The makespan of such a layout is at least
// cp(A)+cp(B). For a threshold h, the best A among those with cp(A) <= h is
// {v : head(v) <= h} (head: longest path ending at v), so the cuts at each
// distinct head value include the one minimising the bound; cuts at tail
// values (longest path starting at v) and at unweighted depths are added
// because the bound ignores the loss inside A and B. The best few by bound
// are laid out in full and the shortest kept (branch and bound: a cut whose
// bound already reaches the best makespan found is skipped).
func (s *solver) cut(set []int, mem bitset) solved {
	k := len(set)
	head := make([]float64, k)  // longest path ending at the node, inclusive
	tail := make([]float64, k)  // longest path starting at the node, inclusive
	uhead := make([]float64, k) // the same, every node weighing 1
	utail := make([]float64, k)
	for i, v := range set {
		h, uh := 0.0, 0.0
		for _, u := range s.pred[v] {
			if mem.has(u) {
				j := s.slot[u]
				h = max(h, head[j])
				uh = max(uh, uhead[j])
			}
		}
		head[i], uhead[i] = h+s.w[v], uh+1
	}
	for i := k - 1; i >= 0; i-- {
		v := set[i]
		t, ut := 0.0, 0.0
		for _, x := range s.succ[v] {
			if mem.has(x) {
				j := s.slot[x]
				t = max(t, tail[j])
				ut = max(ut, utail[j])
			}
		}
		tail[i], utail[i] = t+s.w[v], ut+1
	}
	// Families: order by key; a prefix of the order is the first part
	// (down) or the second part (up).
	families := []struct {
		key  []float64
		down bool
	}{{head, true}, {uhead, true}, {tail, false}, {utail, false}}
	orders := make([][]int, len(families))
	var cands []candidate
	for f, fam := range families {
		ord := make([]int, k)
		for i := range ord {
			ord[i] = i
		}
		sort.SliceStable(ord, func(a, b int) bool { return fam.key[ord[a]] < fam.key[ord[b]] })
		orders[f] = ord
		// prefix and suffix maxima of head and tail along the order
		preHead, preTail := make([]float64, k+1), make([]float64, k+1)
		sufHead, sufTail := make([]float64, k+1), make([]float64, k+1)
		for i := 0; i < k; i++ {
			preHead[i+1] = max(preHead[i], head[ord[i]])
			preTail[i+1] = max(preTail[i], tail[ord[i]])
		}
		for i := k - 1; i >= 0; i-- {
			sufHead[i] = max(sufHead[i+1], head[ord[i]])
			sufTail[i] = max(sufTail[i+1], tail[ord[i]])
		}
		for p := 1; p < k; p++ {
			if fam.key[ord[p-1]] == fam.key[ord[p]] {
				continue // ties stay together so the part stays closed
			}
			b := preHead[p] + sufTail[p]
			if !fam.down {
				b = sufHead[p] + preTail[p]
			}
			cands = append(cands, candidate{b, f, p})
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].bound < cands[b].bound })

	want := 1
	if s.budget > 0 {
		want = s.lookahead
		s.budget--
	}
	// Build the distinct cuts to try before recursing: recursion reuses
	// the scratch slots.
	type split struct {
		bound float64
		a, b  []int
	}
	var tries []split
	tried := map[string]bool{}
	for _, c := range cands {
		if len(tries) == want {
			break
		}
		inPrefix := make([]bool, k)
		prefixIsFirst := families[c.fam].down
		for _, i := range orders[c.fam][:c.prefixLen] {
			inPrefix[i] = true
		}
		var a, b []int
		sig := newBitset(k)
		for i, v := range set {
			if inPrefix[i] == prefixIsFirst {
				a = append(a, v)
				sig.set(i)
			} else {
				b = append(b, v)
			}
		}
		if key := sig.key(); !tried[key] {
			tried[key] = true
			tries = append(tries, split{c.bound, a, b})
		}
	}
	var best solved
	for i, t := range tries {
		if i > 0 && t.bound >= best.span {
			break
		}
		ra, rb := s.solve(t.a), s.solve(t.b)
		if span := ra.span + rb.span; i == 0 || span < best.span {
			best = solved{seq([]*Tree{ra.tree, rb.tree}), span}
		}
	}
	return best
}

// seq and par build blocks, flattening nested blocks of the same kind
// (Seq(a, Seq(b, c)) is Seq(a, b, c)) and unwrapping single children.
func seq(children []*Tree) *Tree { return block(Seq, children) }
func par(children []*Tree) *Tree { return block(Par, children) }

func block(kind Kind, children []*Tree) *Tree {
	var flat []*Tree
	for _, c := range children {
		if c.Kind == kind {
			flat = append(flat, c.Children...)
		} else {
			flat = append(flat, c)
		}
	}
	if len(flat) == 1 {
		return flat[0]
	}
	return &Tree{Kind: kind, Children: flat}
}
