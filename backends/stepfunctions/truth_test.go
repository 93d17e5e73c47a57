package stepfunctions

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/internal/truthtable"
	"github.com/dagc-dev/dagc/ir"
)

// TestTruthTable renders every cell of the DESIGN 2.4 decision table,
// then runs the rendered Choice states of the decided task over a state
// document holding its upstream tasks' records, as Step Functions would,
// and compares where they lead with ir.Decide.
func TestTruthTable(t *testing.T) {
	cells := truthtable.Cells(ir.AcceptedTriggers, 3)
	// The rendering depends on the trigger, which upstream tasks are
	// for_each and whether d has a when, not on the states: render each
	// such pipeline once.
	type rendered struct {
		states map[string]map[string]any
		ts     *taskStates
		entry  string
	}
	cache := map[string]*rendered{}
	for _, c := range cells {
		p, d := cellPipeline(c)
		key := fmt.Sprint(c.Trigger, c.When != truthtable.NoWhen)
		for _, u := range c.Upstream {
			key += fmt.Sprint(u.ForEach)
		}
		r := cache[key]
		if r == nil {
			files, diags := render(p)
			if diags.HasErrors() {
				t.Fatalf("%s: %v", c, diags)
			}
			var def any
			if err := json.Unmarshal(files[0].Data, &def); err != nil {
				t.Fatal(err)
			}
			r = &rendered{states: map[string]map[string]any{}, ts: newBuilder(p).states(d), entry: newBuilder(p).taskEntry(d)}
			collectStates(def, r.states)
			cache[key] = r
		}
		got := runChoices(t, c, r.states, r.ts, r.entry, cellDocument(c))
		if want := c.Want(); got != want.String() {
			t.Errorf("%s: the rendered states lead to %s, DESIGN 2.4 says %s", c, got, want)
		}
	}
	t.Logf("%d cells, %d renderings", len(cells), len(cache))
}

// cellPipeline builds upstream tasks u0… of the cell's shapes and the
// decided task d. d's when compares a string param, so that the rendered
// when Choice is run too.
func cellPipeline(c truthtable.Cell) (*ir.Pipeline, *ir.Task) {
	p, d := c.Pipeline(func(name string, keys []string) *ir.Task {
		t := task(name)
		if keys != nil {
			t.ForEach = ir.StringItems(keys...)
		}
		return t
	})
	p.Params = []*ir.Param{{Name: "go", Type: ir.ParamString, Default: "yes", HasDefault: true}}
	if c.When != truthtable.NoWhen {
		d.When = &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq,
			Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "go"}}, Right: ir.Operand{Lit: "yes", LitKind: ir.LitString}}
	}
	return p, d
}

// cellDocument is the state document when d's turn comes: each upstream
// task's record holds one flag per state, set when any instance ended so
// (see record and the Map's ResultSelector).
func cellDocument(c truthtable.Cell) map[string]any {
	tasks := map[string]any{}
	for i, u := range c.Upstream {
		// The record the backend writes: the state of a task without
		// for_each, flags of every state some instance ended in otherwise.
		rec := map[string]any{"state": string(u.States[0])}
		if u.ForEach {
			for _, s := range ir.FinalStates {
				rec[string(s)] = ir.SetOf(u.States...).Has(s)
			}
		}
		tasks[stateKey(fmt.Sprintf("u%d", i))] = rec
	}
	goes := "yes"
	if c.When == truthtable.WhenFalse {
		goes = "no"
	}
	return map[string]any{"params": map[string]any{"go": goes}, "tasks": tasks, "run": map[string]any{"id": "r"}}
}

// collectStates gathers the states of the machine and of every nested
// branch (names are unique across the definition).
func collectStates(v any, out map[string]map[string]any) {
	switch x := v.(type) {
	case map[string]any:
		if ss, ok := x["States"].(map[string]any); ok {
			for name, s := range ss {
				out[name] = s.(map[string]any)
			}
		}
		for _, e := range x {
			collectStates(e, out)
		}
	case []any:
		for _, e := range x {
			collectStates(e, out)
		}
	}
}

// runChoices follows Choice states from entry until the task runs (its
// run entry) or ends in a recorded state without running.
func runChoices(t *testing.T, c truthtable.Cell, states map[string]map[string]any, ts *taskStates, entry string, doc map[string]any) string {
	t.Helper()
	name := entry
	for steps := 0; steps < 20; steps++ {
		switch name {
		case ts.runEntry():
			return ir.Run.String()
		case ts.name(string(ir.Skipped)), ts.name(string(ir.UpstreamFailed)), ts.name(string(ir.Failed)):
			return strings.TrimPrefix(name, ts.base+" ")
		}
		s, ok := states[name]
		if !ok {
			t.Fatalf("%s: no state %q", c, name)
		}
		if s["Type"] != "Choice" {
			t.Fatalf("%s: state %q is a %v before the task is decided", c, name, s["Type"])
		}
		next, _ := s["Default"].(string)
		for _, ch := range s["Choices"].([]any) {
			rule := ch.(map[string]any)
			if choiceHolds(t, rule, doc) {
				next = rule["Next"].(string)
				break
			}
		}
		if next == "" {
			t.Fatalf("%s: no choice of %q matched and no Default", c, name)
		}
		name = next
	}
	t.Fatalf("%s: too many Choice states", c)
	return ""
}

// choiceHolds evaluates a Choice rule with the comparison operators dagc
// renders for triggers and this when.
func choiceHolds(t *testing.T, r map[string]any, doc map[string]any) bool {
	t.Helper()
	if and, ok := r["And"].([]any); ok {
		for _, a := range and {
			if !choiceHolds(t, a.(map[string]any), doc) {
				return false
			}
		}
		return true
	}
	if or, ok := r["Or"].([]any); ok {
		for _, a := range or {
			if choiceHolds(t, a.(map[string]any), doc) {
				return true
			}
		}
		return false
	}
	if not, ok := r["Not"].(map[string]any); ok {
		return !choiceHolds(t, not, doc)
	}
	path, _ := r["Variable"].(string)
	v, present := lookupPath(path, doc)
	for op, want := range r {
		switch op {
		case "Variable", "Next":
		case "BooleanEquals":
			b, ok := v.(bool)
			if !present || !ok {
				// Step Functions fails the execution on a missing path.
				t.Fatalf("BooleanEquals on %s, which is %v", path, v)
			}
			return b == want.(bool)
		case "StringEquals":
			return v == want
		case "StringEqualsPath":
			w, _ := lookupPath(want.(string), doc)
			return v == w
		case "StringMatches":
			// The backend only matches "*suffix" patterns.
			pat := want.(string)
			if !strings.HasPrefix(pat, "*") || strings.ContainsAny(pat[1:], "*\\") {
				t.Fatalf("unexpected StringMatches pattern %q", pat)
			}
			str, _ := v.(string)
			return strings.HasSuffix(str, pat[1:])
		case "IsPresent":
			return present == want.(bool)
		case "IsNumeric":
			_, num := v.(float64)
			return num == want.(bool)
		case "StringLessThan", "StringLessThanEquals", "StringGreaterThan", "StringGreaterThanEquals":
			a, _ := v.(string)
			return compareHolds(op, "String", strings.Compare(a, want.(string)))
		case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
			"NumericEqualsPath", "NumericLessThanPath", "NumericLessThanEqualsPath", "NumericGreaterThanPath", "NumericGreaterThanEqualsPath":
			a, _ := v.(float64)
			b, _ := want.(float64)
			if strings.HasSuffix(op, "Path") {
				w, _ := lookupPath(want.(string), doc)
				b, _ = w.(float64)
				op = strings.TrimSuffix(op, "Path")
			}
			c := 0
			if a < b {
				c = -1
			} else if a > b {
				c = 1
			}
			return compareHolds(op, "Numeric", c)
		default:
			t.Fatalf("unexpected Choice operator %s", op)
		}
	}
	t.Fatalf("Choice rule without a comparison: %v", r)
	return false
}

func lookupPath(path string, doc map[string]any) (any, bool) {
	if !strings.HasPrefix(path, "$.") {
		return nil, false
	}
	var cur any = doc
	for _, k := range strings.Split(path[2:], ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func compareHolds(op, kind string, c int) bool {
	switch strings.TrimPrefix(op, kind) {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThan":
		return c > 0
	case "GreaterThanEquals":
		return c >= 0
	}
	panic(op)
}

// TestRunStateTruth runs the rendered run-state Choice over every
// combination of final records of up to two tasks, plain or for_each,
// with and without allow_failure, and compares where it leads with
// ir.RunState.
func TestRunStateTruth(t *testing.T) {
	shapes := truthtable.Shapes()
	checked := 0
	var rec func(ups []truthtable.Upstream, tolerated []bool)
	rec = func(ups []truthtable.Upstream, tolerated []bool) {
		if len(ups) > 0 {
			checked++
			p := &ir.Pipeline{Name: "runstate", Timezone: "UTC"}
			tasks := map[string]any{}
			var ended []ir.Ended
			for i, u := range ups {
				tk := task(fmt.Sprintf("t%d", i))
				tk.AllowFailure = tolerated[i]
				r := map[string]any{"state": string(u.States[0])}
				if u.ForEach {
					keys := make([]string, len(u.States))
					for j := range keys {
						keys[j] = fmt.Sprint(j)
					}
					tk.ForEach = ir.StringItems(keys...)
					for _, s := range ir.FinalStates {
						r[string(s)] = ir.SetOf(u.States...).Has(s)
					}
				}
				for _, s := range u.States {
					ended = append(ended, ir.Ended{State: s, FailureTolerated: tolerated[i]})
				}
				p.Tasks = append(p.Tasks, tk)
				tasks[stateKey(tk.Name)] = r
			}
			files, diags := render(p)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var def any
			if err := json.Unmarshal(files[0].Data, &def); err != nil {
				t.Fatal(err)
			}
			states := map[string]map[string]any{}
			collectStates(def, states)
			choice := states[stateRunState]
			next := choice["Default"].(string)
			for _, ch := range choice["Choices"].([]any) {
				if rule := ch.(map[string]any); choiceHolds(t, rule, map[string]any{"tasks": tasks}) {
					next = rule["Next"].(string)
					break
				}
			}
			got := map[string]ir.State{"Fail": ir.Failed, "Succeed": ir.Success}[states[next]["Type"].(string)]
			if want := ir.RunState(ended); got != want {
				t.Errorf("tasks %v, allow_failure %v: the run-state Choice leads to %s, ir.RunState says %s", ups, tolerated, got, want)
			}
		}
		if len(ups) == 2 {
			return
		}
		for _, s := range shapes {
			for _, tol := range []bool{false, true} {
				rec(append(ups, s), append(tolerated, tol))
			}
		}
	}
	rec(nil, nil)
	t.Logf("%d combinations", checked)
}
