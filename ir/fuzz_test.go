package ir

import (
	"fmt"
	"slices"
	"testing"
)

// fuzzBytes hands out fuzz input a byte at a time, then a fixed
// pseudo-random sequence, so that short inputs still build varied
// pipelines rather than always taking choice 0.
type fuzzBytes struct {
	b     []byte
	state uint32
}

func (f *fuzzBytes) next() int {
	if len(f.b) == 0 {
		f.state = f.state*1664525 + 1013904223
		return int(f.state >> 24)
	}
	c := f.b[0]
	f.b = f.b[1:]
	return int(c)
}

func (f *fuzzBytes) pick(n int) int { return f.next() % n }

// Names mix valid ones, near-misses (for suggestions) and invalid ones.
var fuzzNames = []string{"a", "b", "c", "d", "e", "train", "trian", "serve", "x-y", "_u", "9bad", "", "a b", "long_name_0123456789"}
var fuzzOutputs = []string{"rows", "row", "score", "bad-out"}
var fuzzTriggers = []Trigger{"", AllSuccess, AllDone, OneFailed, AllFailed, "sometimes"}

// fuzzPipeline builds a pipeline from fuzz bytes. The first byte picks a
// mode: wild pipelines draw every name, edge and reference from small pools
// of valid, misspelt and invalid values (self edges, cycles, unknown names);
// tame ones use unique names and mostly backward edges and declared outputs,
// so that many of them are valid and the order check below really runs.
func fuzzPipeline(data []byte) *Pipeline {
	f := &fuzzBytes{b: data}
	tame := f.pick(2) == 0
	p := &Pipeline{Name: "fuzz", Range: at(1)}
	for i := range f.pick(3) {
		name := fuzzNames[f.pick(len(fuzzNames))]
		if tame {
			name = fmt.Sprintf("p%d", i)
		}
		p.Params = append(p.Params, &Param{Name: name, Type: []ParamType{"", ParamString, ParamNumber, ParamBool}[f.pick(4)], Range: at(2)})
	}
	n := f.pick(16) + 1
	taskName := func(i int) string {
		if tame {
			return fmt.Sprintf("t%02d", i)
		}
		return fuzzNames[f.pick(len(fuzzNames))]
	}
	for i := range n {
		t := &Task{Name: taskName(i), Range: at(10 + i)}
		if !tame || f.pick(8) == 0 {
			t.Trigger = fuzzTriggers[f.pick(len(fuzzTriggers))]
		}
		for k := range f.pick(3) {
			if tame {
				t.Outputs = append(t.Outputs, fmt.Sprintf("o%d", k))
			} else {
				t.Outputs = append(t.Outputs, fuzzOutputs[f.pick(len(fuzzOutputs))])
			}
		}
		for k := range f.pick(5) {
			var d string
			switch {
			case !tame:
				d = fuzzNames[f.pick(len(fuzzNames))]
			case f.pick(32) != 0:
				if i == 0 {
					continue
				}
				d = taskName(f.pick(i)) // backward: keeps the graph acyclic
			default:
				d = taskName(f.pick(n)) // anything, cycles included
			}
			e := Edge{From: d}
			if f.pick(4) > 0 {
				e.Range = at(1000 + 10*i + k)
			}
			t.Edges = append(t.Edges, e)
		}
		randRef := func() *Ref {
			switch f.pick(4) {
			case 0:
				if tame && len(p.Params) > 0 {
					return &Ref{Kind: RefParam, Name: p.Params[f.pick(len(p.Params))].Name}
				}
				if tame && f.pick(8) != 0 {
					return &Ref{Kind: RefRunDate}
				}
				return &Ref{Kind: RefParam, Name: fuzzNames[f.pick(len(fuzzNames))]}
			case 1:
				if tame && len(t.Edges) > 0 {
					u := t.Edges[f.pick(len(t.Edges))].From
					var outs []string
					for _, prev := range p.Tasks {
						if prev.Name == u {
							outs = prev.Outputs
						}
					}
					if len(outs) > 0 {
						return &Ref{Kind: RefOutput, Task: u, Name: outs[f.pick(len(outs))]}
					}
				}
				if tame {
					return &Ref{Kind: RefRunID}
				}
				return &Ref{Kind: RefOutput, Task: fuzzNames[f.pick(len(fuzzNames))], Name: fuzzOutputs[f.pick(len(fuzzOutputs))]}
			case 2:
				return &Ref{Kind: RefRunID}
			}
			return &Ref{Kind: RefRunDate}
		}
		if f.pick(3) == 0 {
			instances := f.pick(4)
			if tame && instances == 0 && f.pick(8) != 0 {
				instances = 1
			}
			t.ForEach = &ForEach{}
			for k := range instances {
				key := fmt.Sprint(k)
				if !tame {
					key = fuzzNames[f.pick(len(fuzzNames))]
				}
				t.ForEach.Items = append(t.ForEach.Items, Item{Key: key, Value: key})
			}
		}
		script := f.pick(2) == 0
		in := &t.Run
		s := Str{Parts: []Part{{Lit: "x"}}}
		if f.pick(2) == 0 {
			s.Parts = append(s.Parts, Part{Ref: randRef()})
		}
		if (t.ForEach != nil || !tame) && f.pick(4) == 0 {
			s.Parts = append(s.Parts, Part{Ref: &Ref{Kind: RefEachKey}})
		}
		kind := f.pick(32)
		if tame && kind > 1 {
			kind = 3
			if script {
				kind = 0
			}
		}
		switch kind {
		case 0:
			in.Script = &s
		case 1:
			in.Script, in.Command = &s, []Str{s}
		case 2:
		default:
			in.Command = []Str{Lit("run"), s}
		}
		if f.pick(3) == 0 {
			in.Env = []EnvVar{{Name: []string{"A", "B", "A", "1x"}[f.pick(4)], Value: s}}
			if tame {
				in.Env[0].Name = "A"
			}
		}
		if f.pick(3) == 0 {
			cmps := []CmpOp{Eq, Gt, Ne, "?"}
			if tame {
				cmps = cmps[:3]
			}
			cmp := &Cond{Op: CondCompare, Cmp: cmps[f.pick(len(cmps))], Left: Operand{Ref: randRef()}, Right: Operand{Lit: "1", LitKind: LitNumber}}
			op := []CondOp{CondAnd, CondOr, CondNot, CondCompare}[f.pick(4)]
			switch {
			case op == CondCompare:
				t.When = cmp
			case op == CondNot && tame:
				t.When = &Cond{Op: op, Args: []*Cond{cmp}}
			case tame:
				t.When = &Cond{Op: op, Args: []*Cond{cmp, {Op: CondConst, Const: true}}}
			default:
				t.When = &Cond{Op: op, Args: []*Cond{cmp, {Op: CondConst, Const: true}}[:f.pick(3)]}
			}
		}
		if !tame {
			t.Retry.Attempts = f.pick(4) - 1
			t.Retry.Backoff = float64(f.pick(4)) / 2
		}
		p.Tasks = append(p.Tasks, t)
	}
	return p
}

func FuzzValidate(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 3, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 3, 0, 1, 0, 1, 0, 0, 0, 0, 0, 2, 0, 1, 1, 2, 0, 0, 0})
	f.Add([]byte("a cycle of tasks that wait for each other and a few refs"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := fuzzPipeline(data)
		before := len(p.Tasks)
		ds := check(p)
		if len(p.Tasks) != before {
			t.Fatalf("Validate changed the number of tasks from %d to %d", before, len(p.Tasks))
		}
		for _, d := range ds {
			if d.Summary == "" || d.Severity != Error {
				t.Fatalf("malformed diagnostic %#v", d)
			}
		}
		if ds.HasErrors() {
			return
		}
		// A valid pipeline: names are unique and every upstream comes first.
		pos := make(map[string]int, len(p.Tasks))
		for i, tk := range p.Tasks {
			pos[tk.Name] = i
		}
		for i, tk := range p.Tasks {
			if up := tk.Upstream(); !slices.IsSorted(up) || len(slices.Compact(up)) != len(tk.Edges) {
				t.Fatalf("task %q: edges %v not normalised", tk.Name, tk.Edges)
			}
			for _, u := range tk.Upstream() {
				j, ok := pos[u]
				if !ok || j >= i {
					t.Fatalf("task %q at %d runs before its upstream %q (at %d, known %v)", tk.Name, i, u, j, ok)
				}
			}
		}
		// The order does not depend on declaration order.
		q := fuzzPipeline(data)
		slices.Reverse(q.Tasks)
		if qs := check(q); qs.HasErrors() {
			t.Fatalf("reversed pipeline has errors: %v", qs)
		}
		for i := range p.Tasks {
			if p.Tasks[i].Name != q.Tasks[i].Name {
				t.Fatalf("order differs with declaration order at %d: %q vs %q", i, p.Tasks[i].Name, q.Tasks[i].Name)
			}
		}
	})
}
