package argo

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dagc-dev/dagc/internal/truthtable"
	"github.com/dagc-dev/dagc/ir"
)

// These tests check the depends/when/target encoding against DESIGN 2.4,
// with ir.Decide and ir.RunState as the oracle: a model of Argo's dag
// controller (workflow/controller/dag.go: evaluateDependsLogic, the when
// check, TaskGroup phases, assessDAGPhase with target and failFast: false)
// runs the rendered manifest.

// outcome is what happens when a task gets to run.
type outcome struct {
	when    bool   // the task's when condition
	succeed []bool // what running each instance does
}

// designRun applies ir.Decide to every instance, in task order.
func designRun(p *ir.Pipeline, out map[string]outcome) (map[string][]ir.State, bool) {
	st := map[string][]ir.State{}
	var ended []ir.Ended
	for _, t := range p.Tasks {
		var up []ir.State
		for _, u := range t.Upstream() {
			up = append(up, st[u]...)
		}
		o := out[t.Name]
		var when func() (bool, error)
		if t.When != nil {
			when = func() (bool, error) { return o.when, nil }
		}
		d, _ := ir.Decide(t.Trigger, up, when)
		for i := range t.Instances() {
			s := d.State()
			if d == ir.Run {
				s = ir.Failed
				if o.succeed[i] {
					s = ir.Success
				}
			}
			st[t.Name] = append(st[t.Name], s)
			ended = append(ended, ir.Ended{State: s, FailureTolerated: t.AllowFailure})
		}
	}
	return st, ir.RunState(ended) == ir.Failed
}

type argoNode struct {
	phase        string // Succeeded Failed Skipped Omitted
	anySucceeded bool   // TaskGroup: some child Succeeded
	allFailed    bool   // TaskGroup: every child Failed
	parents      []string
}

type dagTemplate struct {
	FailFast *bool `yaml:"failFast"`
	Target   string
	Tasks    []struct {
		Name, Template, Depends, When string
		WithItems                     []any `yaml:"withItems"`
		Arguments                     struct {
			Parameters []manifestParam
		}
	}
}

type dagManifest struct {
	Spec struct {
		Templates []specTemplate
	}
}

type specTemplate struct {
	Name        string
	Parallelism *int
	DAG         *dagTemplate
	Container   *struct{ Command []string }
}

type manifestParam struct{ Name, Value string }

// argoRun models Argo's controller on the rendered dag. out is keyed by
// Argo task name.
func argoRun(t *testing.T, data []byte, out map[string]outcome) (map[string]argoNode, bool) {
	t.Helper()
	var m dagManifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	dag := m.Spec.Templates[0].DAG
	if dag == nil || dag.FailFast == nil || *dag.FailFast {
		t.Fatal("entrypoint dag must set failFast: false")
	}
	// A max_parallel task calls a dag template holding only its withItems
	// loop: its node is a dag, which runs every instance (failFast: false)
	// and fails when one failed, and has no AnySucceeded or AllFailed.
	wrappers := map[string]bool{}
	for _, tp := range m.Spec.Templates[1:] {
		if tp.DAG == nil {
			continue
		}
		if tp.Parallelism == nil || tp.DAG.FailFast == nil || *tp.DAG.FailFast || len(tp.DAG.Tasks) != 1 ||
			tp.DAG.Tasks[0].WithItems == nil || tp.DAG.Tasks[0].Depends != "" || tp.DAG.Tasks[0].When != "" {
			t.Fatalf("dag template %s is not a max_parallel wrapper (parallelism, failFast: false, one withItems task)", tp.Name)
		}
		wrappers[tp.Name] = true
	}
	nodes := map[string]argoNode{}
	for _, task := range dag.Tasks { // rendered in topological order
		o := out[task.Name]
		n := argoNode{}
		if task.Name == runStateName {
			o = outcome{when: true, succeed: []bool{runStateContainer(t, m.Spec.Templates, task.Arguments.Parameters, nodes)}}
		}
		if wrappers[task.Template] {
			if task.WithItems != nil {
				t.Fatalf("%s: withItems on a task calling a wrapper", task.Name)
			}
			task.WithItems = make([]any, len(o.succeed)) // run by the wrapper
		}
		execute := true
		if task.Depends != "" {
			expr, err := parser.ParseExpr(strings.ReplaceAll(task.Depends, "-", "_"))
			if err != nil {
				t.Fatalf("depends %q: %v", task.Depends, err)
			}
			ast.Inspect(expr, func(x ast.Node) bool {
				if s, ok := x.(*ast.SelectorExpr); ok {
					n.parents = append(n.parents, strings.ReplaceAll(s.X.(*ast.Ident).Name, "_", "-"))
				}
				return true
			})
			execute = evalDepends(t, expr, nodes)
		}
		perItem := task.WithItems != nil && strings.Contains(task.When, "jsonpath(item")
		switch {
		case !execute:
			n.phase = "Omitted"
		case perItem:
			// A per-instance when: each item decides on its own; a skipped
			// child counts neither as succeeded nor as failed.
			n.phase, n.allFailed = "Succeeded", true
			for i, it := range task.WithItems {
				// Each item is a string holding a JSON object (itemField).
				var fields map[string]any
				if text, ok := it.(string); !ok || json.Unmarshal([]byte(text), &fields) != nil {
					t.Fatalf("%s: withItems entry %v is not a JSON object text", task.Name, it)
				}
				if !evalWhenItem(t, task.When, fields) {
					n.allFailed = false
					continue
				}
				ok := o.succeed[i]
				n.anySucceeded = n.anySucceeded || ok
				n.allFailed = n.allFailed && !ok
				if !ok {
					n.phase = "Failed"
				}
			}
		case task.When != "" && !evalWhen(t, task.When):
			// withItems: every item is Skipped and the TaskGroup reports
			// Succeeded with no child Succeeded; a dag node is Skipped.
			n.phase = "Skipped"
			if task.WithItems != nil && !wrappers[task.Template] {
				n.phase = "Succeeded"
			}
		case task.WithItems != nil:
			if len(task.WithItems) != len(o.succeed) {
				t.Fatalf("%s: %d items, want %d", task.Name, len(task.WithItems), len(o.succeed))
			}
			n.phase, n.allFailed = "Succeeded", true
			for _, ok := range o.succeed {
				n.anySucceeded = n.anySucceeded || ok
				n.allFailed = n.allFailed && !ok
				if !ok {
					n.phase = "Failed"
				}
			}
			if wrappers[task.Template] {
				n.anySucceeded, n.allFailed = false, false
			}
		case o.succeed[0]:
			n.phase = "Succeeded"
		default:
			n.phase = "Failed"
		}
		nodes[task.Name] = n
	}
	// assessDAGPhase: an Omitted target inherits its parents' branch phase,
	// preferring failure; the dag fails when any target's phase is Failed.
	var branch func(name string) string
	branch = func(name string) string {
		n := nodes[name]
		if n.phase != "Omitted" {
			return n.phase
		}
		ph := "Succeeded"
		for _, p := range n.parents {
			if b := branch(p); b == "Failed" {
				ph = b
			}
		}
		return ph
	}
	failed := false
	for _, target := range strings.Fields(dag.Target) {
		if branch(target) == "Failed" {
			failed = true
		}
	}
	if dag.Target != runStateName && len(strings.Fields(dag.Target)) != len(dag.Tasks) {
		t.Fatalf("target %q does not list every task", dag.Target)
	}
	return nodes, failed
}

// runStateContainer runs the run-state task's container command with sh,
// its {{tasks.NAME.status}} arguments replaced by the phases the model
// gave those tasks, and reports whether it succeeded.
func runStateContainer(t *testing.T, templates []specTemplate, params []manifestParam, nodes map[string]argoNode) bool {
	t.Helper()
	inputs := map[string]string{}
	for _, pa := range params {
		name, ok := strings.CutPrefix(pa.Value, "{{tasks.")
		name, ok2 := strings.CutSuffix(name, ".status}}")
		n, seen := nodes[name]
		if !ok || !ok2 || !seen {
			t.Fatalf("run-state argument %s = %q does not read an earlier task's status", pa.Name, pa.Value)
		}
		inputs["{{inputs.parameters."+pa.Name+"}}"] = n.phase
	}
	for _, tp := range templates {
		if tp.Name != runStateName || tp.Container == nil {
			continue
		}
		argv := make([]string, len(tp.Container.Command))
		for i, a := range tp.Container.Command {
			for k, v := range inputs {
				a = strings.ReplaceAll(a, k, v)
			}
			argv[i] = a
		}
		return exec.Command(argv[0], argv[1:]...).Run() == nil
	}
	t.Fatal("no run-state template")
	return false
}

func evalWhen(t *testing.T, when string) bool {
	return evalWhenItem(t, when, nil)
}

// evalWhenItem evaluates the "{{=...}}" conditions these tests render:
// true, false, string comparisons of plain literals, && and parentheses,
// and fromBase64(jsonpath(item, "$.NAME")) reading the withItems item.
func evalWhenItem(t *testing.T, when string, item map[string]any) bool {
	t.Helper()
	src, ok := strings.CutPrefix(when, "{{=")
	if src, ok = strings.CutSuffix(src, "}}"); !ok {
		t.Fatalf("unexpected when %q", when)
	}
	e, err := parser.ParseExpr(src)
	if err != nil {
		t.Fatalf("when %q: %v", when, err)
	}
	var str func(e ast.Expr) string
	str = func(e ast.Expr) string {
		switch x := e.(type) {
		case *ast.BasicLit:
			v, err := strconv.Unquote(x.Value)
			if err != nil {
				t.Fatalf("when %q: %v", when, err)
			}
			return v
		case *ast.CallExpr:
			if f, ok := x.Fun.(*ast.Ident); ok && f.Name == "fromBase64" && len(x.Args) == 1 {
				if jp, ok := x.Args[0].(*ast.CallExpr); ok && item != nil && len(jp.Args) == 2 {
					path := strings.TrimPrefix(str(jp.Args[1]), "$.")
					b, err := base64.StdEncoding.DecodeString(fmt.Sprint(item[path]))
					if err != nil {
						t.Fatalf("when %q: %v", when, err)
					}
					return string(b)
				}
			}
		}
		t.Fatalf("when %q: unexpected operand %T", when, e)
		return ""
	}
	var eval func(e ast.Expr) bool
	eval = func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.ParenExpr:
			return eval(x.X)
		case *ast.Ident:
			switch x.Name {
			case "true":
				return true
			case "false":
				return false
			}
		case *ast.BinaryExpr:
			switch x.Op {
			case token.LAND:
				return eval(x.X) && eval(x.Y)
			case token.EQL:
				return str(x.X) == str(x.Y)
			case token.NEQ:
				return str(x.X) != str(x.Y)
			}
		}
		t.Fatalf("when %q: unexpected %T", when, e)
		return false
	}
	return eval(e)
}

// evalDepends evaluates a depends expression with Argo's task results
// (dag.go: TaskResults; AnySucceeded and AllFailed are false for a node
// that is not a TaskGroup).
func evalDepends(t *testing.T, e ast.Expr, nodes map[string]argoNode) bool {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return evalDepends(t, x.X, nodes)
	case *ast.UnaryExpr:
		if x.Op == token.NOT {
			return !evalDepends(t, x.X, nodes)
		}
	case *ast.BinaryExpr:
		l, r := evalDepends(t, x.X, nodes), evalDepends(t, x.Y, nodes)
		switch x.Op {
		case token.LAND:
			return l && r
		case token.LOR:
			return l || r
		}
	case *ast.SelectorExpr:
		name := strings.ReplaceAll(x.X.(*ast.Ident).Name, "_", "-")
		n, ok := nodes[name]
		if !ok {
			t.Fatalf("depends names %q before it ran (not topological?)", name)
		}
		switch x.Sel.Name {
		case "Succeeded", "Failed", "Skipped", "Omitted":
			return n.phase == x.Sel.Name
		case "Errored", "Daemoned":
			return false
		case "AnySucceeded":
			return n.anySucceeded
		case "AllFailed":
			return n.allFailed
		}
	}
	t.Fatalf("unexpected depends syntax %T", e)
	return false
}

func succeedAll(n int) []bool {
	s := make([]bool, n)
	for i := range s {
		s[i] = true
	}
	return s
}

func randomPipeline(rng *rand.Rand, n int) (*ir.Pipeline, map[string]outcome) {
	return randomPipelineMP(rng, nil, nil, n)
}

// randomPipelineMP draws a pipeline from rng, and from mp (if not nil)
// which for_each tasks get max_parallel and from tolerate (if not nil)
// which tasks get allow_failure: sources of their own, so the graphs and
// outcomes are those randomPipeline draws.
func randomPipelineMP(rng, mp, tolerate *rand.Rand, n int) (*ir.Pipeline, map[string]outcome) {
	p := &ir.Pipeline{Name: "random", Timezone: "UTC"}
	out := map[string]outcome{}
	triggers := append([]ir.Trigger{ir.AllSuccess}, ir.AcceptedTriggers...)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("t_%d", i)
		t := &ir.Task{Name: name, Trigger: triggers[rng.Intn(len(triggers))]}
		for j := 0; j < i; j++ {
			if rng.Intn(3) == 0 {
				t.Edges = append(t.Edges, ir.Edge{From: fmt.Sprintf("t_%d", j)})
			}
		}
		// A random source of its own keeps the graphs, triggers and
		// outcomes what they were before allow_failure was drawn.
		t.AllowFailure = tolerate != nil && tolerate.Intn(4) == 0
		o := outcome{when: rng.Intn(4) != 0}
		if rng.Intn(3) == 0 {
			t.When = ir.ConstCond(o.when)
		} else {
			o.when = true
		}
		t.Run = one(&ir.Instance{Image: "alpine", Command: cmd("true")})
		if rng.Intn(4) == 0 {
			t.ForEach = ir.StringItems("0", "1")
			if mp != nil && mp.Intn(2) == 0 {
				t.ForEach.MaxParallel = 1
			}
		}
		for range t.Instances() {
			o.succeed = append(o.succeed, rng.Intn(3) != 0)
		}
		p.Tasks = append(p.Tasks, t)
		out[name] = o
	}
	return p, out
}

// refusesAfterWrapped reports whether p has a one_success or all_failed
// task right after a max_parallel task that runs in a wrapper: the rules
// the argo backend refuses there (expr.go).
func refusesAfterWrapped(p *ir.Pipeline) bool {
	for _, t := range p.Tasks {
		if t.Trigger != ir.OneSuccess && t.Trigger != ir.AllFailed {
			continue
		}
		for _, u := range t.Upstream() {
			if wrapped(p.Task(u)) {
				return true
			}
		}
	}
	return false
}

// renderCell renders p and keys out by Argo task name; data is nil when
// the backend refused p, which it must do exactly for refusesAfterWrapped.
func renderCell(t *testing.T, p *ir.Pipeline, out map[string]outcome) ([]byte, map[string]outcome, map[string]string) {
	t.Helper()
	files, diags := New(KindWorkflow).Render(p)
	// The refusals the backend must make, and no other.
	var want []string
	if refusesAfterWrapped(p) {
		want = append(want, "right after a max_parallel task")
	}
	for _, tk := range p.Tasks {
		if wrapped(tk) && tk.When.UsesEach() {
			want = append(want, "a per-instance when together with max_parallel")
			break
		}
	}
	if len(want) > 0 {
		for _, w := range want {
			if !diags.HasErrors() || !strings.Contains(fmt.Sprint(diags), w) {
				t.Fatalf("want a refusal %q, got %v", w, diags)
			}
		}
		for _, d := range diags {
			known := false
			for _, w := range want {
				known = known || strings.Contains(d.Summary+d.Detail, w)
			}
			if d.Severity == ir.Error && !known {
				t.Fatalf("unexpected diagnostic %v", d)
			}
		}
		return nil, nil, nil
	}
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rr := &renderer{p: p, taskName: map[string]string{}}
	rr.mapNames()
	byArgo := map[string]outcome{}
	for name, o := range out {
		byArgo[rr.taskName[name]] = o
	}
	return files[0].Data, byArgo, rr.taskName
}

// On random graphs, both must run the same tasks and agree on whether the
// run failed.
func TestDependsMatchDesignSemantics(t *testing.T) {
	rng, mp, tolerate := rand.New(rand.NewSource(1)), rand.New(rand.NewSource(2)), rand.New(rand.NewSource(3))
	for i := 0; i < 3000; i++ {
		p, out := randomPipelineMP(rng, mp, tolerate, 2+rng.Intn(6))
		data, byArgo, names := renderCell(t, p, out)
		if data == nil {
			continue
		}
		want, wantFailed := designRun(p, out)
		got, gotFailed := argoRun(t, data, byArgo)
		for _, task := range p.Tasks {
			n := got[names[task.Name]]
			ran := n.phase == "Failed" || n.phase == "Succeeded" && (task.ForEach == nil || wrapped(task) || n.anySucceeded)
			wantRan := want[task.Name][0] == ir.Success || want[task.Name][0] == ir.Failed
			if ran != wantRan {
				t.Fatalf("case %d: task %s: argo phase %s, design states %s (%+v)\n%s", i, task.Name, n.phase, want[task.Name], out, data)
			}
		}
		if gotFailed != wantFailed {
			t.Fatalf("case %d: argo run failed=%v, design run failed=%v\n%s", i, gotFailed, wantFailed, data)
		}
	}
}

// cellPipeline builds the upstream tasks u0… of a cell, the decided task d
// and two probes that read d's state as any downstream task does:
// p_fail (one_failed: d failed or upstream_failed) and p_ok (all_success).
// An upstream_failed upstream ui is an all_success task after a failing fi;
// a skipped one has when = false.
//
// With maxParallel, every for_each upstream gets max_parallel =
// maxParallel.
func cellPipeline(c truthtable.Cell, maxParallel int) (*ir.Pipeline, map[string]outcome) {
	p := &ir.Pipeline{Name: "cell", Timezone: "UTC"}
	out := map[string]outcome{}
	add := func(t *ir.Task, o outcome) {
		if t.Trigger == "" {
			t.Trigger = ir.AllSuccess
		}
		p.Tasks = append(p.Tasks, t)
		out[t.Name] = o
	}
	mk := func(name string, instances int) *ir.Task {
		t := &ir.Task{Name: name, Run: one(&ir.Instance{Image: "alpine", Command: cmd("true")})}
		if instances > 1 {
			keys := make([]string, instances)
			for i := range keys {
				keys[i] = fmt.Sprint(i)
			}
			t.ForEach = ir.StringItems(keys...)
			t.ForEach.MaxParallel = maxParallel
			t.Run.Command = append(t.Run.Command, ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachKey}}}})
		}
		return t
	}
	d := mk("d", 1)
	d.Trigger = c.Trigger
	for i, u := range c.Upstream {
		ut := mk(fmt.Sprintf("u%d", i), len(u.States))
		o := outcome{when: true, succeed: succeedAll(len(u.States))}
		mixed := !u.Uniform()
		switch {
		case mixed:
			// Instances skipped one by one: a per-instance when on the
			// item's value (DESIGN 2.5).
			for j, s := range u.States {
				v := "run"
				if s == ir.Skipped {
					v = "skip"
				}
				ut.ForEach.Items[j].Value = v
				o.succeed[j] = s == ir.Success
			}
			ut.When = &ir.Cond{Op: ir.CondCompare, Cmp: ir.Ne, Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefEachValue}},
				Right: ir.Operand{Lit: "skip", LitKind: ir.LitString}}
		case u.States[0] == ir.Skipped:
			ut.When, o.when = ir.ConstCond(false), false
		case u.States[0] == ir.UpstreamFailed:
			f := mk(fmt.Sprintf("f%d", i), 1)
			add(f, outcome{when: true, succeed: []bool{false}})
			ut.Edges = ir.EdgesFrom(f.Name)
		default:
			for j, s := range u.States {
				o.succeed[j] = s == ir.Success
			}
		}
		add(ut, o)
		d.Edges = append(d.Edges, ir.Edge{From: ut.Name})
	}
	od := outcome{when: true, succeed: []bool{true}}
	if c.When != truthtable.NoWhen {
		od.when = c.When == truthtable.WhenTrue
		d.When = ir.ConstCond(od.when)
	}
	add(d, od)
	pFail, pOK := mk("p_fail", 1), mk("p_ok", 1)
	pFail.Trigger, pFail.Edges, pOK.Edges = ir.OneFailed, ir.EdgesFrom("d"), ir.EdgesFrom("d")
	add(pFail, outcome{when: true, succeed: []bool{true}})
	add(pOK, outcome{when: true, succeed: []bool{true}})
	return p, out
}

// TestTruthTable renders every cell of the DESIGN 2.4 decision table that
// the IR can express (instances of one task share their when, so a
// for_each upstream whose instances were decided differently cannot
// arise), runs it through the controller model and reads d's state as the
// rendered probes do: ran (Succeeded), skipped (Skipped, or Omitted with
// p_fail Omitted) or upstream_failed (Omitted with p_fail run). It must be
// ir.Decide's, and p_ok must run exactly when d did.
//
// Each cell is rendered twice: as is, and with max_parallel = 1 on every
// for_each upstream (which then runs in a wrapper dag template); the
// cells the backend refuses there are counted.
func TestTruthTable(t *testing.T) {
	cells := truthtable.Cells(ir.AcceptedTriggers, 3)
	checked, refused := 0, 0
	for _, variant := range []int{0, 1} {
		for _, c := range cells {
			if !expressible(c) {
				continue
			}
			checked++
			if !truthCell(t, c, variant) {
				refused++
			}
		}
	}
	t.Logf("%d of %d cells twice (in the others an instance ends upstream_failed and another not, which no pipeline gives), %d refused after max_parallel", checked/2, len(cells), refused)
}

// truthCell checks one cell; false when the backend refused it.
func truthCell(t *testing.T, c truthtable.Cell, maxParallel int) bool {
	t.Helper()
	{
		p, out := cellPipeline(c, maxParallel)
		data, byArgo, names := renderCell(t, p, out)
		if data == nil {
			return false
		}
		nodes, _ := argoRun(t, data, byArgo)
		var got ir.Decision
		switch dn, pf := nodes[names["d"]], nodes[names["p_fail"]]; {
		case dn.phase == "Succeeded":
			got = ir.Run
		case dn.phase == "Skipped":
			got = ir.Skip
		case dn.phase == "Omitted" && pf.phase == "Succeeded":
			got = ir.PropagateFailure
		case dn.phase == "Omitted":
			got = ir.Skip
		default:
			t.Fatalf("%s: d ended %s", c, dn.phase)
		}
		if want := c.Want(); got != want {
			t.Errorf("%s: Argo decides %s, DESIGN 2.4 says %s\n%s", c, got, want, data)
		}
		if ok := nodes[names["p_ok"]].phase == "Succeeded"; ok != (got == ir.Run) {
			t.Errorf("%s: p_ok ran = %v, d decided %s\n%s", c, ok, got, data)
		}
	}
	return true
}

// expressible: a pipeline gives the cell. upstream_failed is decided for
// the whole task; a per-instance when skips instances one by one among
// those that ran.
func expressible(c truthtable.Cell) bool {
	for _, u := range c.Upstream {
		if u.Uniform() {
			continue
		}
		for _, s := range u.States {
			if s == ir.UpstreamFailed {
				return false
			}
		}
	}
	return true
}

// A task without upstream runs whatever its trigger (DESIGN 2.4); Argo
// used to render one_failed as when: false.
func TestRootTaskRunsWhateverTrigger(t *testing.T) {
	for _, tr := range ir.AcceptedTriggers {
		h := &ir.Task{Name: "h", Trigger: tr, Run: one(&ir.Instance{Image: "alpine", Command: cmd("true")})}
		files, diags := New(KindWorkflow).Render(&ir.Pipeline{Name: "root", Timezone: "UTC", Tasks: []*ir.Task{h}})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if s := string(files[0].Data); strings.Contains(s, "when:") || strings.Contains(s, "depends:") {
			t.Errorf("trigger %s without upstream renders a condition:\n%s", tr, s)
		}
	}
}

// Layers of one_success tasks make the upstream_failed test repeat on every
// path; past the bound the renderer says so instead of hanging.
func TestOneSuccessLayersBounded(t *testing.T) {
	p := &ir.Pipeline{Name: "layers", Timezone: "UTC"}
	prev := []string{}
	for l := 0; l < 12; l++ {
		var layer []string
		for w := 0; w < 6; w++ {
			name := fmt.Sprintf("t%d_%d", l, w)
			p.Tasks = append(p.Tasks, &ir.Task{Name: name, Trigger: ir.OneSuccess, Edges: ir.EdgesFrom(prev...),
				Run: one(&ir.Instance{Image: "alpine", Command: cmd("true")})})
			layer = append(layer, name)
		}
		prev = layer
	}
	p.Tasks = append(p.Tasks, &ir.Task{Name: "end", Trigger: ir.OneFailed, Edges: ir.EdgesFrom(prev...),
		Run: one(&ir.Instance{Image: "alpine", Command: cmd("true")})})
	_, diags := New(KindWorkflow).Render(p)
	if !diags.HasErrors() || !strings.Contains(fmt.Sprint(diags), "more than 20000 terms") {
		t.Fatalf("want the depends bound, got %v", diags)
	}
}

// An upstream failure that passes through a one_success task reaches an
// all_failed task two steps on: one_success ends upstream_failed (no
// success, a failure), none_failed propagates it, all_failed runs. Argo
// once dropped it, testing only whether one_success's node Failed.
func TestFailureThroughOneSuccess(t *testing.T) {
	task := func(name string, trigger ir.Trigger, up ...string) *ir.Task {
		return &ir.Task{Name: name, Trigger: trigger, Edges: ir.EdgesFrom(up...), Run: one(&ir.Instance{Image: "alpine", Command: cmd("true")})}
	}
	p := &ir.Pipeline{Name: "through", Timezone: "UTC", Tasks: []*ir.Task{
		task("t1", ir.AllSuccess), task("t2", ir.OneSuccess, "t1"), task("t3", ir.NoneFailed, "t2"), task("t4", ir.AllFailed, "t3"),
	}}
	out := map[string]outcome{
		"t1": {when: true, succeed: []bool{false}}, "t2": {when: true, succeed: []bool{true}},
		"t3": {when: true, succeed: []bool{true}}, "t4": {when: true, succeed: []bool{true}},
	}
	data, byArgo, names := renderCell(t, p, out)
	want, wantFailed := designRun(p, out)
	got, gotFailed := argoRun(t, data, byArgo)
	if want["t4"][0] != ir.Success {
		t.Fatalf("design: t4 %v", want["t4"])
	}
	if n := got[names["t4"]]; n.phase != "Succeeded" || gotFailed != wantFailed {
		t.Fatalf("argo: t4 %s, run failed %v (want %v)\n%s", n.phase, gotFailed, wantFailed, data)
	}
}
