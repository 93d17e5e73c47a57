// Package truthtable enumerates the cells of the DESIGN 2.4 decision table
// that every backend's semantic test checks its rendered rules against,
// with ir.Decide as the oracle.
package truthtable

import (
	"fmt"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// Upstream is one upstream task of a cell and the final state of each of
// its instances.
type Upstream struct {
	ForEach bool
	States  []ir.State
}

// Uniform reports whether every instance got the same decision: all
// skipped, all upstream_failed, or all ran (success or failed). A mixed
// skip takes a per-instance `when` (DESIGN 2.5); upstream_failed mixed
// with another state no pipeline gives, as it is decided per task.
func (u Upstream) Uniform() bool {
	ran, skipped, uf := 0, 0, 0
	for _, s := range u.States {
		switch s {
		case ir.Success, ir.Failed:
			ran++
		case ir.Skipped:
			skipped++
		case ir.UpstreamFailed:
			uf++
		}
	}
	n := len(u.States)
	return ran == n || skipped == n || uf == n
}

func (u Upstream) String() string {
	parts := make([]string, len(u.States))
	for i, s := range u.States {
		parts[i] = string(s)
	}
	if u.ForEach {
		return "[" + strings.Join(parts, " ") + "]"
	}
	return parts[0]
}

// When is the outcome of the decided task's own `when`.
type When uint8

const (
	NoWhen When = iota
	WhenTrue
	WhenFalse
)

func (w When) String() string { return [...]string{"no when", "when true", "when false"}[w] }

// Cell is one row of the table.
type Cell struct {
	Trigger  ir.Trigger
	Upstream []Upstream
	When     When
}

// States are the final states of every upstream instance.
func (c Cell) States() []ir.State {
	var out []ir.State
	for _, u := range c.Upstream {
		out = append(out, u.States...)
	}
	return out
}

// Want is the oracle: ir.Decide on the cell.
func (c Cell) Want() ir.Decision {
	var when func() (bool, error)
	if c.When != NoWhen {
		when = func() (bool, error) { return c.When == WhenTrue, nil }
	}
	d, err := ir.Decide(c.Trigger, c.States(), when)
	if err != nil {
		panic(err)
	}
	return d
}

// Uniform reports whether every upstream is Uniform.
func (c Cell) Uniform() bool {
	for _, u := range c.Upstream {
		if !u.Uniform() {
			return false
		}
	}
	return true
}

func (c Cell) String() string {
	ups := make([]string, len(c.Upstream))
	for i, u := range c.Upstream {
		ups[i] = u.String()
	}
	return fmt.Sprintf("%s over (%s), %s", c.Trigger, strings.Join(ups, ", "), c.When)
}

// Shapes are the upstream kinds a cell draws from: a plain task in each
// final state, and a for_each task of two instances in every combination
// of states.
func Shapes() []Upstream {
	var out []Upstream
	for _, s := range ir.FinalStates {
		out = append(out, Upstream{States: []ir.State{s}})
	}
	for i, a := range ir.FinalStates {
		for _, b := range ir.FinalStates[i:] {
			out = append(out, Upstream{ForEach: true, States: []ir.State{a, b}})
		}
	}
	return out
}

// Cells enumerates every trigger with 0 to maxUpstream upstream tasks, each
// combination of shapes (order does not matter to any rule, so every
// multiset once), and every When.
func Cells(triggers []ir.Trigger, maxUpstream int) []Cell {
	shapes := Shapes()
	var cells []Cell
	var rec func(ups []Upstream, from int)
	rec = func(ups []Upstream, from int) {
		for _, tr := range triggers {
			for _, w := range []When{NoWhen, WhenTrue, WhenFalse} {
				cells = append(cells, Cell{Trigger: tr, Upstream: append([]Upstream(nil), ups...), When: w})
			}
		}
		if len(ups) == maxUpstream {
			return
		}
		for i := from; i < len(shapes); i++ {
			rec(append(ups, shapes[i]), i)
		}
	}
	rec(nil, 0)
	return cells
}

// Pipeline builds the upstream tasks u0… of the cell and the decided task d
// over them, with the cell's trigger. newTask makes a task the backend can
// render, with one instance per key (a for_each task when keys are given).
// d gets no when: each test writes the cell's When its own way.
func (c Cell) Pipeline(newTask func(name string, keys []string) *ir.Task) (*ir.Pipeline, *ir.Task) {
	p := &ir.Pipeline{Name: "cell", Timezone: "UTC"}
	d := newTask("d", nil)
	d.Trigger = c.Trigger
	d.Edges = nil
	for i, u := range c.Upstream {
		var keys []string
		if u.ForEach {
			for j := range u.States {
				keys = append(keys, fmt.Sprint(j))
			}
		}
		ut := newTask(fmt.Sprintf("u%d", i), keys)
		p.Tasks = append(p.Tasks, ut)
		d.Edges = append(d.Edges, ir.Edge{From: ut.Name})
	}
	p.Tasks = append(p.Tasks, d)
	return p, d
}
