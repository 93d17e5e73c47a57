package ir

import (
	"math"
	"slices"
	"strings"
)

// DefaultShell runs a script when a task gives no shell.
var DefaultShell = []string{"sh", "-euc"}

// Normalize fills, once, every value a pipeline may leave zero, and puts
// the pipeline in its one normal form, so that Validate only checks and
// backends never meet a zero value or an order they must fix:
//
//   - Timezone "" → "UTC"; Schedule in the canonical cron form (when it
//     parses; Validate reports it otherwise);
//   - Param.Type "" → string; Params sorted by name;
//   - Trigger "" → all_success; Retry.Backoff 0 → 1; a script's Shell
//     nil → DefaultShell; Env sorted by name;
//   - Edges sorted by upstream name, one per upstream, each with a range;
//   - each comparison's Numeric flag from its operands (DESIGN 2.4);
//   - Tasks in stable topological order: upstream first, ties by name,
//     tasks caught in or behind a cycle last, by name; final tasks after
//     every other task (they have no edges), by name;
//   - a final task's Trigger "" → all_done.
//
// The language's own `defaults {}` block is the parser's to apply; what is
// here is what the IR means by a zero value. Normalize never fails: it
// leaves what it cannot make sense of (nil members, unknown names, cycles)
// for Validate to report, and it is idempotent. Every step is linear in the
// size of the pipeline plus a sort, without recursion along chains.
func Normalize(p *Pipeline) {
	if p == nil {
		return
	}
	if s, err := NormalSchedule(p.Schedule); err == nil {
		p.Schedule = s
	}
	if p.Timezone == "" {
		p.Timezone = "UTC"
	}
	paramType := make(map[string]ParamType, len(p.Params))
	for _, pa := range p.Params {
		if pa == nil {
			continue
		}
		if pa.Type == "" {
			pa.Type = ParamString
		}
		if _, dup := paramType[pa.Name]; !dup {
			paramType[pa.Name] = pa.Type
		}
	}
	slices.SortStableFunc(p.Params, func(a, b *Param) int {
		if a == nil || b == nil {
			return boolCmp(a == nil, b == nil)
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, t := range p.Tasks {
		if t != nil {
			normalizeTask(t, paramType)
		}
	}
	p.Tasks = finalLast(topoOrder(p.Tasks))
}

// finalLast moves final tasks after every other task, keeping both
// groups' order: an exit handler runs after every other task.
func finalLast(tasks []*Task) []*Task {
	var final []*Task
	rest := tasks[:0:0]
	for _, t := range tasks {
		if t != nil && t.Final {
			final = append(final, t)
		} else {
			rest = append(rest, t)
		}
	}
	if len(final) == 0 {
		return tasks
	}
	// nil members stay last (topoOrder put them there).
	n := len(rest)
	for n > 0 && rest[n-1] == nil {
		n--
	}
	out := append(append(append(make([]*Task, 0, len(tasks)), rest[:n]...), final...), rest[n:]...)
	return out
}

// boolCmp orders false before true: nil members sort last.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func normalizeTask(t *Task, paramType map[string]ParamType) {
	switch {
	case t.Trigger == "" && t.Final:
		t.Trigger = AllDone // every other task, whatever its state
	case t.Trigger == "":
		t.Trigger = AllSuccess
	}
	if t.Retry.Backoff == 0 {
		t.Retry.Backoff = 1
	}
	tp := &t.Run
	if tp.Script != nil && len(tp.Shell) == 0 {
		tp.Shell = make([]Str, len(DefaultShell))
		for i, s := range DefaultShell {
			tp.Shell[i] = Lit(s)
		}
	}
	if !slices.IsSortedFunc(tp.Env, cmpEnv) {
		slices.SortStableFunc(tp.Env, cmpEnv)
	}
	cmpInput := func(a, b Input) int { return strings.Compare(a.Name, b.Name) }
	if !slices.IsSortedFunc(t.Inputs, cmpInput) {
		slices.SortStableFunc(t.Inputs, cmpInput)
	}
	normalizeEdges(t)
	if t.When != nil {
		markNumeric(t.When, paramType)
	}
}

// markNumeric sets each comparison's Numeric flag per DESIGN 2.4: a
// comparison is numeric when either side is a number literal or a param of
// type number. An explicit stack: a parser may build left-deep trees for
// long && chains.
func markNumeric(c *Cond, paramType map[string]ParamType) {
	numeric := func(o Operand) bool {
		if o.Ref == nil {
			return o.LitKind == LitNumber
		}
		return o.Ref.Kind == RefParam && paramType[o.Ref.Name] == ParamNumber
	}
	stack := []*Cond{c}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c == nil {
			continue
		}
		if c.Op == CondCompare {
			c.Numeric = numeric(c.Left) || numeric(c.Right)
		}
		stack = append(stack, c.Args...)
	}
}

// normalizeEdges sorts Edges by upstream name and keeps the first edge
// seen for each upstream, giving an edge without a source range the task's
// own range.
func normalizeEdges(t *Task) {
	if len(t.Edges) == 0 {
		t.Edges = nil
		return
	}
	// The parser's output is already normal: leave it as is.
	if edgesNormal(t) {
		return
	}
	edges := slices.Clone(t.Edges)
	slices.SortStableFunc(edges, cmpEdge)
	out := edges[:0]
	for _, e := range edges {
		if len(out) > 0 && out[len(out)-1].From == e.From {
			continue
		}
		if e.Range == (Range{}) {
			e.Range = t.Range
		}
		out = append(out, e)
	}
	t.Edges = out
}

// edgesNormal reports whether t's edges are sorted by upstream, one per
// upstream, each with a range where the task has one.
func edgesNormal(t *Task) bool {
	edges := t.Edges
	for k, e := range edges {
		if e.Range == (Range{}) && t.Range != (Range{}) || k > 0 && edges[k-1].From >= e.From {
			return false
		}
	}
	return true
}

func cmpEnv(a, b EnvVar) int { return strings.Compare(a.Name, b.Name) }

func cmpEdge(a, b Edge) int { return strings.Compare(a.From, b.From) }

// taskGraph is the dependency graph of a task list by index: what
// Normalize orders and Validate searches for cycles.
type taskGraph struct {
	// up[i] lists the index of each upstream of task i, in Edges order, or
	// -1 for an unknown name, the task itself or a nil task; a name
	// declared twice resolves to its first declaration.
	up [][]int
	// byName ranks tasks by (name, index); rank is its inverse.
	byName, rank []int
	// down[u] lists the tasks that wait for u, sorted by rank; all lists
	// share one backing array.
	down [][]int
	// indeg[i] counts the known upstreams of task i.
	indeg []int
}

func newTaskGraph(tasks []*Task) *taskGraph {
	n := len(tasks)
	g := &taskGraph{up: make([][]int, n), byName: make([]int, n), rank: make([]int, n), down: make([][]int, n), indeg: make([]int, n)}
	first := make(map[string]int, n)
	edges := 0
	for i, t := range tasks {
		if t == nil {
			continue
		}
		if _, dup := first[t.Name]; !dup {
			first[t.Name] = i
		}
		edges += len(t.Edges)
	}
	flat := make([]int, 0, edges)
	for i, t := range tasks {
		if t == nil {
			continue
		}
		start := len(flat)
		for _, e := range t.Edges {
			j, ok := first[e.From]
			if !ok || e.From == t.Name {
				j = -1
			}
			flat = append(flat, j)
		}
		g.up[i] = flat[start:len(flat):len(flat)]
	}

	for i := range g.byName {
		g.byName[i] = i
	}
	name := func(i int) string {
		if tasks[i] == nil {
			return "\xff" // nil tasks rank last
		}
		return tasks[i].Name
	}
	slices.SortFunc(g.byName, func(a, b int) int {
		if c := strings.Compare(name(a), name(b)); c != 0 {
			return c
		}
		return a - b
	})
	for r, i := range g.byName {
		g.rank[i] = r
	}

	outdeg := make([]int, n)
	total := 0
	for i, up := range g.up {
		for _, j := range up {
			if j >= 0 {
				g.indeg[i]++
				outdeg[j]++
				total++
			}
		}
	}
	down := make([]int, total)
	at := 0
	for j := range n {
		g.down[j] = down[at : at : at+outdeg[j]]
		at += outdeg[j]
	}
	for _, i := range g.byName {
		for _, j := range g.up[i] {
			if j >= 0 {
				g.down[j] = append(g.down[j], i)
			}
		}
	}
	return g
}

// topoOrder returns tasks in stable topological order with Kahn's
// algorithm, taking the smallest name among ready tasks each time; what is
// left (every cycle plus whatever waits on one) follows by name, and nil
// tasks come last.
func topoOrder(tasks []*Task) []*Task {
	g := newTaskGraph(tasks)
	n := len(tasks)
	indeg := slices.Clone(g.indeg)
	// ready is a min-heap of task indices by rank.
	ready := make([]int, 0, n)
	for i := range n {
		if indeg[i] == 0 && tasks[i] != nil {
			ready = append(ready, i)
		}
	}
	for k := len(ready)/2 - 1; k >= 0; k-- {
		siftDown(ready, k, g.rank)
	}
	order := make([]*Task, 0, n)
	placed := make([]bool, n)
	for len(ready) > 0 {
		i := ready[0]
		last := len(ready) - 1
		ready[0] = ready[last]
		ready = ready[:last]
		siftDown(ready, 0, g.rank)
		order = append(order, tasks[i])
		placed[i] = true
		for _, j := range g.down[i] {
			if indeg[j]--; indeg[j] == 0 {
				ready = append(ready, j)
				siftUp(ready, len(ready)-1, g.rank)
			}
		}
	}
	for _, i := range g.byName {
		if !placed[i] {
			order = append(order, tasks[i])
		}
	}
	return order
}

// siftDown and siftUp keep h, a slice of task indices, a binary min-heap by
// rank; written out rather than container/heap to avoid boxing each index.
func siftDown(h []int, k int, rank []int) {
	for {
		c := 2*k + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && rank[h[c+1]] < rank[h[c]] {
			c++
		}
		if rank[h[c]] >= rank[h[k]] {
			return
		}
		h[k], h[c] = h[c], h[k]
		k = c
	}
}

func siftUp(h []int, k int, rank []int) {
	for k > 0 {
		parent := (k - 1) / 2
		if rank[h[k]] >= rank[h[parent]] {
			return
		}
		h[k], h[parent] = h[parent], h[k]
		k = parent
	}
}

// validBackoff reports whether a normalized backoff factor is usable.
func validBackoff(b float64) bool {
	return !math.IsNaN(b) && !math.IsInf(b, 0) && b >= 1
}
