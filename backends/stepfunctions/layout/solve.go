package layout

import "sort"

// Tuning of the search; see docs/stepfunctions-layout.md.
var (
	// lookahead is how many cuts of a piece that is not series-parallel
	// are laid out in full before keeping the best; the others are only
	// ranked by their lower bound.
	lookahead = 6
	// workPerNode bounds the search with lookahead: once it has cut pieces
	// totalling workPerNode nodes per node of the graph, every further piece
	// takes its best-ranked cut. This keeps the search polynomial.
	workPerNode = 100
	// Past largeGraph nodes even the best-ranked cut alone costs enough that
	// the search narrows to largeLookahead cuts and largeWorkPerNode.
	largeGraph       = 1000
	largeLookahead   = 2
	largeWorkPerNode = 10
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
	s.lookahead, s.budget = lookahead, workPerNode*len(p.names)
	if len(p.names) > largeGraph {
		s.lookahead, s.budget = largeLookahead, largeWorkPerNode*len(p.names)
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

// candidate is a cut of a piece into a Seq of two parts A then B.
type candidate struct {
	bound float64 // critical path of A plus critical path of B
	sizeA int
	fam   int // which ordering built it (see cut)
	arg   int // how many nodes of the ordering form A (down) or B (up)
}

// cut lays out a piece that is connected and has no series cut, so it is not
// series-parallel: any layout is Seq(A, B) with A closed under predecessors,
// and adds the order A before B. The makespan of such a layout is at least
// cp(A)+cp(B), the cut's bound. For a threshold h, the best A among those
// with cp(A) <= h is {v : head(v) <= h} (head: longest path ending at v,
// inclusive), so the cuts at each distinct head value include the one
// minimising the bound. Because the bound ignores the loss inside A and B,
// other cuts are added: at each tail value (longest path starting at v), at
// each depth and height counted in nodes, and on small pieces the ancestors
// of each node and the complement of its descendants. Candidates are ranked
// by bound, then by balance; the best few are laid out in full and the
// shortest kept (branch and bound: a cut whose bound already reaches the
// best makespan found is skipped). The piece's level-by-level layout is the
// last resort, so no piece is ever worse than the naive layout.
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
	// Families order the nodes by a key; a prefix of the order is A
	// (down) or B (up). Ties stay on one side so that A stays closed.
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
				continue
			}
			if fam.down {
				cands = append(cands, candidate{preHead[p] + sufTail[p], p, f, p})
			} else {
				cands = append(cands, candidate{sufHead[p] + preTail[p], k - p, f, p})
			}
		}
	}
	sort.SliceStable(cands, func(a, b int) bool {
		if cands[a].bound != cands[b].bound {
			return cands[a].bound < cands[b].bound
		}
		// Balanced cuts first: peeling one cheap node at a time adds
		// up, a split near the middle leaves two smaller problems.
		return abs(2*cands[a].sizeA-k) < abs(2*cands[b].sizeA-k)
	})

	want := 1
	if s.budget > 0 {
		want = s.lookahead
		s.budget -= k
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
		inA := newBitset(k)
		// A is the prefix of a down ordering, or what follows the
		// prefix of an up one.
		inOrderA := orders[c.fam][:c.arg]
		if !families[c.fam].down {
			inOrderA = orders[c.fam][c.arg:]
		}
		for _, i := range inOrderA {
			inA.set(i)
		}
		key := inA.key()
		if tried[key] {
			continue
		}
		tried[key] = true
		var a, b []int
		for i, v := range set {
			if inA.has(i) {
				a = append(a, v)
			} else {
				b = append(b, v)
			}
		}
		tries = append(tries, split{c.bound, a, b})
	}
	levels, top := s.levels(set, mem)
	best := s.byLevels(set, levels, top)
	for _, t := range tries {
		if t.bound >= best.span {
			break
		}
		ra, rb := s.solve(t.a), s.solve(t.b)
		if span := ra.span + rb.span; span < best.span {
			best = solved{seq([]*Tree{ra.tree, rb.tree}), span}
		}
	}
	return best
}

// byLevels is the naive layout of a piece: one Par per depth.
func (s *solver) byLevels(set []int, levels []int, top int) solved {
	groups := make([][]*Tree, top+1)
	longest := make([]float64, top+1)
	for i, v := range set {
		groups[levels[i]] = append(groups[levels[i]], s.leaf(v).tree)
		longest[levels[i]] = max(longest[levels[i]], s.w[v])
	}
	var children []*Tree
	span := 0.0
	for l, g := range groups {
		sort.Slice(g, func(a, b int) bool { return g[a].Task < g[b].Task })
		children = append(children, par(g))
		span += longest[l]
	}
	return solved{seq(children), span}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
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
