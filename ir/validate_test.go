package ir

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// at returns a distinct one-line range, so tests can tell which source
// span a diagnostic points at.
func at(line int) Range {
	return Range{Filename: "p.dag.hcl", Start: Pos{Line: line, Column: 3, Byte: line * 10}, End: Pos{Line: line, Column: 9, Byte: line*10 + 6}}
}

// task builds a plain task running `echo NAME` that waits for deps; its
// range is at(line) and each edge k is at(line*100+k).
func task(name string, line int, deps ...string) *Task {
	t := &Task{Name: name, Range: at(line), Run: Template{Command: []Str{Lit("echo"), Lit(name)}}}
	for k, d := range deps {
		t.Edges = append(t.Edges, Edge{From: d, Range: at(line*100 + k)})
	}
	return t
}

func pipe(tasks ...*Task) *Pipeline {
	return &Pipeline{Name: "p", Range: at(1), Tasks: tasks}
}

func names(p *Pipeline) string {
	var s []string
	for _, t := range p.Tasks {
		s = append(s, t.Name)
	}
	return strings.Join(s, " ")
}

// wantDiag asserts ds holds exactly one diagnostic, with this summary, this
// subject and a detail containing detail.
func wantDiag(t *testing.T, ds Diagnostics, summary string, subject Range, detail string) {
	t.Helper()
	if len(ds) != 1 {
		t.Fatalf("want 1 diagnostic %q, got %d:\n%s", summary, len(ds), dump(ds))
	}
	d := ds[0]
	if d.Severity != Error || d.Summary != summary || d.Subject != subject || !strings.Contains(d.Detail, detail) {
		t.Fatalf("got  %s (subject line %d)\nwant summary %q, subject line %d, detail containing %q", d.Error(), d.Subject.Start.Line, summary, subject.Start.Line, detail)
	}
}

func dump(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "  line %d: %s\n", d.Subject.Start.Line, d.Error())
	}
	return b.String()
}

func TestValidateOrdersTopologicallyTiesByName(t *testing.T) {
	// d and b are both ready first; b comes first by name. c waits for b
	// and a; a waits for d.
	p := pipe(task("d", 2), task("c", 3, "b", "a"), task("b", 4), task("a", 5, "d"), task("e", 6))
	if ds := check(p); len(ds) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", dump(ds))
	}
	if got, want := names(p), "b d a c e"; got != want {
		t.Fatalf("order = %q, want %q", got, want)
	}
	// Edges are sorted by upstream name.
	c := p.Task("c")
	if strings.Join(c.Upstream(), ",") != "a,b" || c.Edges[0].From != "a" || c.Edges[0].Range != at(301) {
		t.Fatalf("upstream not normalised: %v %v", c.Upstream(), c.Edges)
	}
}

func TestValidateOrderIsDeterministic(t *testing.T) {
	build := func(perm []int) *Pipeline {
		all := []*Task{task("x", 2), task("y", 3, "x"), task("z", 4, "x"), task("w", 5, "y", "z"), task("a", 6)}
		var ts []*Task
		for _, i := range perm {
			ts = append(ts, all[i])
		}
		return pipe(ts...)
	}
	want := ""
	for _, perm := range [][]int{{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}} {
		p := build(perm)
		if ds := check(p); len(ds) > 0 {
			t.Fatal(dump(ds))
		}
		if want == "" {
			want = names(p)
		}
		if got := names(p); got != want {
			t.Fatalf("order %q depends on declaration order (first %q)", got, want)
		}
	}
	if want != "a x y z w" {
		t.Fatalf("order = %q", want)
	}
}

func TestNormalizeFillsDefaults(t *testing.T) {
	script := Lit("echo hi")
	tk := &Task{Name: "s", Range: at(2), Run: Template{Script: &script, Env: []EnvVar{{Name: "B"}, {Name: "A"}}}}
	p := pipe(tk)
	p.Params = []*Param{{Name: "z"}, {Name: "a", Type: ParamNumber}}
	if ds := check(p); len(ds) > 0 {
		t.Fatal(dump(ds))
	}
	in := tk.Instances()[0]
	if p.Timezone != "UTC" || tk.Trigger != AllSuccess || tk.Retry.Backoff != 1 ||
		strings.Join(in.Shell, " ") != "sh -euc" || in.Env[0].Name != "A" ||
		p.Params[0].Name != "a" || p.Params[1].Type != ParamString {
		t.Fatalf("defaults not filled: tz=%q trigger=%q backoff=%v shell=%v env=%v params=%v/%v",
			p.Timezone, tk.Trigger, tk.Retry.Backoff, in.Shell, in.Env, p.Params[0].Name, p.Params[1].Type)
	}
}

func TestValidateGraphDiagnostics(t *testing.T) {
	tests := []struct {
		name    string
		p       *Pipeline
		summary string
		subject Range
		detail  string
	}{
		{"unknown upstream", pipe(task("train", 2), task("serve", 3, "trian")),
			"Reference to undeclared task", at(300), `depends on "trian", which is not declared. Did you mean "train"?`},
		{"self dependency", pipe(task("a", 2, "a")),
			"Task depends on itself", at(200), `Task "a" lists itself`},
		{"duplicate task", pipe(task("a", 2), task("b", 3), task("a", 4)),
			"Duplicate task name", at(4), "already declared at p.dag.hcl:2:3"},
		// The closing edge is the one written last: c's dependency on b.
		{"cycle of three", pipe(task("c", 4, "b"), task("b", 3, "a"), task("a", 2, "c"), task("x", 5, "a")),
			"Dependency cycle", at(400), ": c → a → b → c."},
		{"two-cycle", pipe(task("p", 2, "q"), task("q", 3, "p")),
			"Dependency cycle", at(300), ": q → p → q."},
		// Without source ranges the cycle starts at its first task by name.
		{"cycle without ranges", pipe(
			&Task{Name: "y", Edges: EdgesFrom("x"), Run: Template{Command: []Str{Lit("y")}}},
			&Task{Name: "x", Edges: EdgesFrom("y"), Run: Template{Command: []Str{Lit("x")}}}),
			"Dependency cycle", Range{}, ": x → y → x."},
		{"invalid task name", pipe(task("9lives", 2)),
			"Invalid task name", at(2), `"9lives" does not match`},
		{"task name too long", pipe(task(strings.Repeat("a", 129), 2)),
			"Invalid task name", at(2), "129 characters long; the limit is 128"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDiag(t, check(tc.p), tc.summary, tc.subject, tc.detail)
		})
	}
}

func TestValidateReportsEachCycleOnceInOrder(t *testing.T) {
	// Two separate cycles and a task downstream of one of them; the
	// shortest cycle through a is chosen (a → d → a, not a → b → c → a),
	// closed by its dependency written last (d waits for a).
	p := pipe(
		task("a", 2, "c", "d"), task("b", 3, "a"), task("c", 4, "b"), task("d", 5, "a"),
		task("m", 6, "n"), task("n", 7, "m"),
		task("after", 8, "c"), task("free", 9),
	)
	ds := check(p)
	if len(ds) != 2 {
		t.Fatalf("want 2 cycles, got:\n%s", dump(ds))
	}
	if !strings.Contains(ds[0].Detail, ": d → a → d.") || ds[0].Subject != at(500) {
		t.Fatalf("first cycle: %s (line %d)", ds[0].Error(), ds[0].Subject.Start.Line)
	}
	if !strings.Contains(ds[1].Detail, ": n → m → n.") || ds[1].Subject != at(700) {
		t.Fatalf("second cycle: %s", ds[1].Error())
	}
	// Tasks outside cycles come first in order; the rest follow by name.
	if got := names(p); got != "free a after b c d m n" {
		t.Fatalf("order with cycles = %q", got)
	}
}

func TestValidateDeepChainAndLongCycle(t *testing.T) {
	const n = 100_000
	tasks := make([]*Task, n)
	for i := range n {
		tasks[i] = &Task{Name: fmt.Sprintf("t%06d", i), Run: Template{Command: []Str{Lit("true")}}}
		if i > 0 {
			tasks[i].Edges = EdgesFrom(tasks[i-1].Name)
		}
	}
	// Reverse so the order really has to be computed.
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		tasks[i], tasks[j] = tasks[j], tasks[i]
	}
	p := pipe(tasks...)
	if ds := check(p); len(ds) > 0 {
		t.Fatal(dump(ds[:1]))
	}
	if p.Tasks[0].Name != "t000000" || p.Tasks[n-1].Name != fmt.Sprintf("t%06d", n-1) {
		t.Fatalf("chain misordered")
	}
	// Close the chain into one cycle of n tasks.
	p.Tasks[0].Edges = EdgesFrom(p.Tasks[n-1].Name)
	ds := check(p)
	if len(ds) != 1 || ds[0].Summary != "Dependency cycle" {
		t.Fatalf("want one cycle, got %d diagnostics", len(ds))
	}
	_, cycle, _ := strings.Cut(ds[0].Detail, "): ")
	if c := strings.Count(cycle, "→"); c != n {
		t.Fatalf("cycle has %d arrows, want %d", c, n)
	}
}

func outTask(name string, line int, outputs []string, deps ...string) *Task {
	t := task(name, line, deps...)
	t.Outputs = outputs
	return t
}

// refTo builds a command whose second word is "${ref}" with range at(line).
func withRef(t *Task, r *Ref) *Task {
	t.Run.Command = append(t.Run.Command, Str{Parts: []Part{{Lit: "--x="}, {Ref: r}}})
	return t
}

func TestValidateReferenceDiagnostics(t *testing.T) {
	outRef := func(task, name string, line int) *Ref {
		return &Ref{Kind: RefOutput, Task: task, Name: name, Range: at(line)}
	}
	paramRef := func(name string, line int) *Ref { return &Ref{Kind: RefParam, Name: name, Range: at(line)} }
	withParams := func(p *Pipeline) *Pipeline {
		p.Params = []*Param{{Name: "dataset", Type: ParamString, Range: at(90)}}
		return p
	}
	tests := []struct {
		name    string
		p       *Pipeline
		summary string
		subject Range
		detail  string
	}{
		{"unknown param", withParams(pipe(withRef(task("a", 2), paramRef("datset", 20)))),
			"Reference to undeclared param", at(20), `param.datset, which is not declared. Did you mean "dataset"?`},
		{"unknown output", pipe(outTask("p", 2, []string{"rows"}), withRef(task("c", 3, "p"), outRef("p", "row", 30))),
			"Reference to undeclared output", at(30), `but it declares "rows". Did you mean "rows"?`},
		{"output of task without outputs", pipe(task("p", 2), withRef(task("c", 3, "p"), outRef("p", "rows", 30))),
			"Reference to undeclared output", at(30), "it declares no outputs"},
		{"output of unknown task", pipe(withRef(task("c", 3), outRef("proces", "rows", 30)), task("process", 4)),
			"Reference to undeclared task", at(30), `task "proces" is not declared. Did you mean "process"?`},
		{"output of task not upstream", pipe(outTask("p", 2, []string{"rows"}), withRef(task("c", 3), outRef("p", "rows", 30))),
			"Reference to a task that is not upstream", at(30), "add task.p to depends_on"},
		{"own output", pipe(withRef(outTask("c", 3, []string{"rows"}), outRef("c", "rows", 30))),
			"Task depends on itself", at(30), "its own output"},
		{"unknown kind", pipe(withRef(task("c", 3), &Ref{Kind: "env", Name: "HOME", Range: at(30)})),
			"Invalid reference", at(30), `unknown kind "env"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDiag(t, check(tc.p), tc.summary, tc.subject, tc.detail)
		})
	}
}

func TestValidateRefsInScriptEnvAndWhen(t *testing.T) {
	ref := func(line int) *Ref { return &Ref{Kind: RefParam, Name: "nope", Range: at(line)} }
	script := Str{Parts: []Part{{Lit: "echo "}, {Ref: ref(20)}}}
	s := &Task{Name: "s", Range: at(2), Run: Template{Script: &script}}
	e := task("e", 3)
	e.Run.Env = []EnvVar{{Name: "X", Value: Str{Parts: []Part{{Ref: ref(30)}}}}}
	w := task("w", 4)
	w.When = &Cond{Op: CondAnd, Range: at(40), Args: []*Cond{
		{Op: CondConst, Const: true, Range: at(41)},
		{Op: CondNot, Range: at(42), Args: []*Cond{{Op: CondCompare, Cmp: Eq, Left: Operand{Ref: ref(43)}, Right: Operand{Lit: "1", LitKind: LitNumber}, Range: at(44)}}},
	}}
	ds := check(pipe(s, e, w))
	var lines []int
	for _, d := range ds {
		if d.Summary != "Reference to undeclared param" {
			t.Fatalf("unexpected %s", d.Error())
		}
		lines = append(lines, d.Subject.Start.Line)
	}
	slices.Sort(lines) // Validate reports in task order, the parser sorts by position
	if fmt.Sprint(lines) != "[20 30 43]" {
		t.Fatalf("reference diagnostics at lines %v, want [20 30 43]:\n%s", lines, dump(ds))
	}
}

func TestValidateForEachRefsReportedOnce(t *testing.T) {
	r := &Ref{Kind: RefParam, Name: "nope", Range: at(20)}
	tk := &Task{Name: "f", ForEach: StringItems("a", "b", "c"), Range: at(2), Run: Template{Command: []Str{{Parts: []Part{{Ref: r}}}}}}
	wantDiag(t, check(pipe(tk)), "Reference to undeclared param", at(20), "param.nope")
}

func TestNormalizeMarksNumeric(t *testing.T) {
	p := pipe(task("w", 2))
	p.Params = []*Param{{Name: "n", Type: ParamNumber, Range: at(9)}, {Name: "s", Type: ParamString, Range: at(8)}}
	num := &Cond{Op: CondCompare, Cmp: Gt, Left: Operand{Ref: &Ref{Kind: RefParam, Name: "n"}}, Right: Operand{Lit: "x", LitKind: LitString}}
	str := &Cond{Op: CondCompare, Cmp: Eq, Numeric: true, Left: Operand{Ref: &Ref{Kind: RefParam, Name: "s"}}, Right: Operand{Lit: "1", LitKind: LitString}}
	lit := &Cond{Op: CondCompare, Cmp: Eq, Left: Operand{Ref: &Ref{Kind: RefParam, Name: "s"}}, Right: Operand{Lit: "0.5", LitKind: LitNumber}}
	p.Tasks[0].When = &Cond{Op: CondOr, Args: []*Cond{num, str, lit}}
	if ds := check(p); len(ds) > 0 {
		t.Fatal(dump(ds))
	}
	if !num.Numeric || str.Numeric || !lit.Numeric {
		t.Fatalf("Numeric = %v %v %v, want true false true", num.Numeric, str.Numeric, lit.Numeric)
	}
}

func TestValidateTaskDiagnostics(t *testing.T) {
	script := Lit("x")
	mod := func(f func(*Task)) *Pipeline {
		tk := task("t", 2)
		f(tk)
		return pipe(tk)
	}
	tests := []struct {
		name    string
		p       *Pipeline
		summary string
		detail  string
	}{
		{"both", mod(func(t *Task) { t.Run.Script = &script }), "Both command and script", "sets both"},
		{"neither", mod(func(t *Task) { t.Run.Command = nil }), "Missing command or script", "neither"},
		{"empty command", mod(func(t *Task) { t.Run.Command = []Str{} }), "Empty command", "empty command"},
		{"empty for_each", mod(func(t *Task) { t.ForEach = &ForEach{} }), "for_each has no elements", "empty collection"},
		{"duplicate key", mod(func(t *Task) { t.ForEach = StringItems("k", "k") }), "Duplicate for_each key", `key "k"`},
		{"each outside for_each", mod(func(t *Task) { t.Run.Command = append(t.Run.Command, EachKey()) }), "Reference to each outside for_each", "each.key"},
		{"missing field", mod(func(t *Task) {
			t.ForEach = StringItems("a")
			t.Run.Command = append(t.Run.Command, Str{Parts: []Part{{Ref: &Ref{Kind: RefEachField, Name: "f"}}}})
		}), "Invalid reference", "each.value.f"},
		{"derived index", mod(func(t *Task) {
			t.ForEach = StringItems("a")
			t.Run.Command = append(t.Run.Command, Str{Parts: []Part{{Ref: &Ref{Kind: RefEachExpr, Name: "upper(each.key)", Index: 0}}}})
		}), "Invalid reference", "derived value 0"},
		{"run-time for_each over an undeclared param", mod(func(t *Task) { t.ForEach = &ForEach{Source: &Ref{Kind: RefParam, Name: "p"}} }), "Reference to undeclared param", "param.p"},
		{"run-time for_each over run.id", mod(func(t *Task) { t.ForEach = &ForEach{Source: &Ref{Kind: RefRunID}} }), "Invalid for_each source", "list(string)"},
		{"run-time image", mod(func(t *Task) { t.Run.Image = Str{Parts: []Part{{Ref: &Ref{Kind: RefRunID}}}} }), "Run-time reference not allowed here", "run.id"},
		{"trigger", mod(func(t *Task) { t.Trigger = "all_sucess" }), "Invalid trigger", `Did you mean "all_success"?`},
		{"attempts", mod(func(t *Task) { t.Retry.Attempts = -1 }), "Invalid retry", "-1 retry attempts"},
		{"delay", mod(func(t *Task) { t.Retry.Delay = -time.Second }), "Invalid retry", "negative retry delay"},
		{"backoff", mod(func(t *Task) { t.Retry.Backoff = 0.5 }), "Invalid retry", "backoff 0.5"},
		{"max delay", mod(func(t *Task) { t.Retry.Delay, t.Retry.MaxDelay = time.Minute, time.Second }), "Invalid retry", "max_delay 1s below its delay 1m0s"},
		{"timeout", mod(func(t *Task) { t.Timeout = -1 }), "Invalid timeout", "must not be negative"},
		{"gpu", mod(func(t *Task) { t.Resources.GPU = -1 }), "Invalid resources", "-1 GPUs"},
		{"max_parallel", mod(func(t *Task) { t.ForEach = StringItems("a", "b"); t.ForEach.MaxParallel = -1 }), "Invalid max_parallel", "max_parallel -1"},
		{"output name", mod(func(t *Task) { t.Outputs = []string{"my-out"} }), "Invalid output name", `"my-out" does not match`},
		{"duplicate output", mod(func(t *Task) { t.Outputs = []string{"o", "o"} }), "Duplicate output name", `"o" twice`},
		{"env name", mod(func(t *Task) { t.Run.Env = []EnvVar{{Name: "A=B"}} }), "Invalid environment variable name", `"A=B"`},
		{"reserved env", mod(func(t *Task) { t.Run.Env = []EnvVar{{Name: "DAGC_OUTPUTS"}} }), "Reserved environment variable name", "DAGC_"},
		{"duplicate env", mod(func(t *Task) { t.Run.Env = []EnvVar{{Name: "A"}, {Name: "A"}} }), "Duplicate environment variable", `"A" twice`},
		{"bad not", mod(func(t *Task) { t.When = &Cond{Op: CondNot} }), "Invalid condition", "takes one operand, not 0"},
		{"bad and", mod(func(t *Task) { t.When = &Cond{Op: CondAnd, Args: []*Cond{{Op: CondConst, Const: true}}} }), "Invalid condition", "two or more operands, not 1"},
		{"bad cmp", mod(func(t *Task) {
			t.When = &Cond{Op: CondCompare, Cmp: "=~", Left: Operand{Ref: &Ref{Kind: RefRunID}}, Right: Operand{Lit: "x", LitKind: LitString}}
		}), "Invalid condition", `unknown comparison "=~"`},
		{"bad number literal", mod(func(t *Task) {
			t.When = &Cond{Op: CondCompare, Cmp: Eq, Left: Operand{Ref: &Ref{Kind: RefRunID}}, Right: Operand{Lit: "1x", LitKind: LitNumber}}
		}), "Invalid condition", `"1x", which is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDiag(t, check(tc.p), tc.summary, at(2), tc.detail)
		})
	}
}

func TestValidatePipelineDiagnostics(t *testing.T) {
	mod := func(f func(*Pipeline)) *Pipeline {
		p := pipe(task("t", 2))
		f(p)
		return p
	}
	tests := []struct {
		name    string
		p       *Pipeline
		summary string
		subject Range
		detail  string
	}{
		{"name", mod(func(p *Pipeline) { p.Name = "my pipeline" }), "Invalid pipeline name", at(1), `"my pipeline" does not match`},
		{"schedule", mod(func(p *Pipeline) { p.Schedule = "0 25 * * *" }), "Invalid schedule", at(1), `hour field "25": 25 is outside 0-23`},
		{"preset", mod(func(p *Pipeline) { p.Schedule = "@daly" }), "Invalid schedule", at(1), `Did you mean "@daily"?`},
		{"timezone", mod(func(p *Pipeline) { p.Timezone = "Mars/Olympus" }), "Invalid timezone", at(1), `"Mars/Olympus" is not an IANA timezone`},
		{"start date", mod(func(p *Pipeline) { p.StartDate = "2026-13-01" }), "Invalid start_date", at(1), "YYYY-MM-DD"},
		{"concurrency", mod(func(p *Pipeline) { p.Concurrency = -2 }), "Invalid concurrency", at(1), "concurrency is -2"},
		{"timeout", mod(func(p *Pipeline) { p.Timeout = -time.Hour }), "Invalid timeout", at(1), "-1h0m0s"},
		{"param name", mod(func(p *Pipeline) { p.Params = []*Param{{Name: "a.b", Range: at(7)}} }), "Invalid param name", at(7), `"a.b" does not match`},
		{"duplicate param", mod(func(p *Pipeline) { p.Params = []*Param{{Name: "a", Range: at(7)}, {Name: "a", Range: at(8)}} }), "Duplicate param name", at(8), "already declared at p.dag.hcl:7:3"},
		{"param type", mod(func(p *Pipeline) { p.Params = []*Param{{Name: "a", Type: "list", Range: at(7)}} }), "Invalid param type", at(7), `type "list"`},
		{"number default", mod(func(p *Pipeline) {
			p.Params = []*Param{{Name: "a", Type: ParamNumber, Default: "ten", HasDefault: true, Range: at(7)}}
		}), "Invalid param default", at(7), `"ten", which is not a number`},
		{"bool default", mod(func(p *Pipeline) {
			p.Params = []*Param{{Name: "a", Type: ParamBool, Default: "yes", HasDefault: true, Range: at(7)}}
		}), "Invalid param default", at(7), `"yes", which is not true or false`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDiag(t, check(tc.p), tc.summary, tc.subject, tc.detail)
		})
	}
}

func TestValidateHandBuiltEdgesWithoutRanges(t *testing.T) {
	// Edges given without source ranges fall back to the task's range.
	b := &Task{Name: "b", Range: at(3), Edges: EdgesFrom("zz", "a", "a"), Run: Template{Command: []Str{Lit("x")}}}
	ds := check(pipe(task("a", 2), b))
	wantDiag(t, ds, "Reference to undeclared task", at(3), `"zz"`)
	if strings.Join(b.Upstream(), ",") != "a,zz" || len(b.Edges) != 2 || b.Edges[1].From != "zz" {
		t.Fatalf("upstream/edges = %v %v", b.Upstream(), b.Edges)
	}
}

func TestValidateNilsDoNotPanic(t *testing.T) {
	p := pipe(nil, task("a", 2))
	p.Params = []*Param{nil}
	p.Tasks[1].ForEach = &ForEach{Items: []Item{{Key: "a", Exprs: []string{"x"}}}}
	p.Tasks[1].When = &Cond{Op: CondAnd, Args: []*Cond{nil, nil}}
	if ds := check(p); !ds.HasErrors() {
		t.Fatal("nil members must be errors")
	}
}

// check is what the parser does: Normalize, then Validate.
func check(p *Pipeline) Diagnostics {
	Normalize(p)
	return Validate(p)
}

func TestValidateRefusesAPipelineNotNormalized(t *testing.T) {
	p := pipe(task("b", 2, "a"), task("a", 3))
	ds := Validate(p)
	if len(ds) != 1 || ds[0].Summary != "Pipeline not normalized" || !strings.Contains(ds[0].Detail, "timezone") {
		t.Fatalf("got %s", dump(ds))
	}
	Normalize(p)
	if ds := Validate(p); len(ds) > 0 {
		t.Fatal(dump(ds))
	}
	// Out of order after Normalize: named as such, not as a cycle.
	p.Tasks[0], p.Tasks[1] = p.Tasks[1], p.Tasks[0]
	wantDiag(t, Validate(p), "Pipeline not normalized", at(1), `"b" comes before its upstream "a"`)
}

func TestValidateChangesNothing(t *testing.T) {
	script := Lit("echo hi")
	build := func() *Pipeline {
		s := &Task{Name: "s", Range: at(2), Run: Template{Script: &script, Env: []EnvVar{{Name: "B"}, {Name: "A"}}}, Edges: EdgesFrom("c", "a")}
		p := pipe(s, task("c", 3), task("a", 4, "c"))
		p.Params = []*Param{{Name: "z"}, {Name: "a", Type: ParamNumber}}
		p.Schedule = "0 0 * * 7"
		return p
	}
	p := build()
	Normalize(p)
	before := fmt.Sprintf("%#v", *p)
	for _, tk := range p.Tasks {
		before += fmt.Sprintf("%#v", *tk)
	}
	if ds := Validate(p); len(ds) > 0 {
		t.Fatal(dump(ds))
	}
	after := fmt.Sprintf("%#v", *p)
	for _, tk := range p.Tasks {
		after += fmt.Sprintf("%#v", *tk)
	}
	if before != after {
		t.Fatalf("Validate changed the pipeline:\n%s\n%s", before, after)
	}
	// Normalize is idempotent.
	Normalize(p)
	again := fmt.Sprintf("%#v", *p)
	for _, tk := range p.Tasks {
		again += fmt.Sprintf("%#v", *tk)
	}
	if again != before {
		t.Fatal("a second Normalize changed the pipeline")
	}
}

// run.attempt is known only once an attempt starts: fine in the command,
// an error in when, at the reference.
func TestRunAttemptOnlyOutsideWhen(t *testing.T) {
	a := task("a", 2)
	a.Run.Command = append(a.Run.Command, Str{Parts: []Part{{Ref: &Ref{Kind: RefRunAttempt, Range: at(3)}}}})
	if ds := check(pipe(a)); ds.HasErrors() {
		t.Fatalf("run.attempt in a command: %v", ds)
	}
	b := task("b", 5)
	b.When = &Cond{Op: CondCompare, Cmp: Gt, Range: at(6), Left: Operand{Ref: &Ref{Kind: RefRunAttempt, Range: at(7)}}, Right: Operand{Lit: "1", LitKind: LitNumber}}
	wantDiag(t, check(pipe(b)), "run.attempt in when", at(7), "before the first attempt")
}

// on_exit_codes holds sorted exit codes 1–255, each once.
func TestRetryOnExitCodesChecked(t *testing.T) {
	for _, c := range []struct {
		codes []int
		bad   bool
	}{{[]int{1, 75}, false}, {[]int{255}, false}, {[]int{0}, true}, {[]int{256}, true}, {[]int{3, 3}, true}, {[]int{75, 1}, true}} {
		a := task("a", 2)
		a.Retry = Retry{Attempts: 2, Delay: time.Second, Backoff: 1, OnExitCodes: c.codes}
		ds := check(pipe(a))
		if ds.HasErrors() != c.bad {
			t.Errorf("on_exit_codes %v: errors %v, want bad = %v", c.codes, ds, c.bad)
		}
	}
	r := Retry{OnExitCodes: []int{75}}
	if !r.Retries(75) || r.Retries(2) || r.Retries(-1) || !(Retry{}).Retries(-1) {
		t.Error("Retries: only a listed code is retried, and anything without on_exit_codes")
	}
}

func TestParseStorage(t *testing.T) {
	for uri, want := range map[string]string{
		"s3://bucket":              "s3 bucket ",
		"s3://my.bucket-1/a/b/":    "s3 my.bucket-1 a/b",
		"file:///srv/dagc/":        "file  /srv/dagc",
		"file://localhost/srv/x y": "file  /srv/x y",
	} {
		st, err := ParseStorage(uri)
		if err != nil || st.Scheme+" "+st.Bucket+" "+st.Prefix != want {
			t.Errorf("ParseStorage(%q) = %+v, %v; want %s", uri, st, err, want)
		}
	}
	for uri, want := range map[string]string{
		"gs://bucket/p":      `has the scheme "gs"`,
		"s3://Bucket/p":      "does not name a valid S3 bucket",
		"s3://b/p":           "does not name a valid S3 bucket",
		"s3://bucket/a//b":   `empty, "." or ".." segment`,
		"s3://bucket/a/../b": `empty, "." or ".." segment`,
		"s3://bucket/a b":    `has " " in its key prefix`,
		"s3://bucket/{{x}}":  `has "{" in its key prefix`,
		"s3://bucket/%41":    "holds %",
		"file://host/srv":    `names the host "host"`,
		"file:relative":      "opaque part",
		"file://localhost":   "not an absolute path",
		"s3://bucket/p?x=1":  "a query, fragment",
		"no scheme":          "is not a URI",
		"s3://user@bucket/p": "a query, fragment, user",
	} {
		if _, err := ParseStorage(uri); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseStorage(%q): %v, want an error with %q", uri, err, want)
		}
	}
}
