package argo

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dagc-dev/dagc/ir"
)

// This test checks the depends/when/target encoding against DESIGN 2.4 on
// random graphs: a reference scheduler applies the design's rules, and a
// model of Argo's dag controller (workflow/controller/dag.go:
// evaluateDependsLogic, the when check, TaskGroup phases, assessDAGPhase with
// target and failFast: false) runs the rendered manifest. Both must run the
// same tasks and agree on whether the run failed.

type outcome struct {
	when    bool // the task's when condition
	succeed bool // what running it does
}

// designRun applies DESIGN 2.4 directly.
func designRun(p *ir.Pipeline, out map[string]outcome) (map[string]ir.State, bool) {
	st := map[string]ir.State{}
	runFailed := false
	for _, t := range p.Tasks {
		var nSucc, nFail, nUp int
		for _, u := range t.Upstream() {
			nUp++
			switch st[u] {
			case ir.Success:
				nSucc++
			case ir.Failed, ir.UpstreamFailed:
				nFail++
			}
		}
		holds := false
		var otherwise ir.State = ir.Skipped
		switch t.Trigger {
		case ir.AllSuccess:
			holds = nSucc == nUp
			if nFail > 0 {
				otherwise = ir.UpstreamFailed
			}
		case ir.AllDone:
			holds = true
		case ir.OneFailed:
			holds = nFail > 0
		case ir.AllFailed:
			holds = nFail == nUp
		}
		switch {
		case !holds:
			st[t.Name] = otherwise
		case !out[t.Name].when:
			st[t.Name] = ir.Skipped
		case out[t.Name].succeed:
			st[t.Name] = ir.Success
		default:
			st[t.Name] = ir.Failed
			runFailed = true
		}
	}
	return st, runFailed
}

type argoNode struct {
	phase        string // Succeeded Failed Skipped Omitted
	anySucceeded bool
	parents      []string
}

type dagManifest struct {
	Spec struct {
		Templates []struct {
			Name string
			DAG  *struct {
				FailFast *bool `yaml:"failFast"`
				Target   string
				Tasks    []struct {
					Name, Depends, When string
					WithItems           []any `yaml:"withItems"`
				}
			}
		}
	}
}

// argoRun models Argo's controller on the rendered dag.
func argoRun(t *testing.T, data []byte, out map[string]outcome, names map[string]string) (map[string]argoNode, bool) {
	t.Helper()
	var m dagManifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	dag := m.Spec.Templates[0].DAG
	if dag == nil || dag.FailFast == nil || *dag.FailFast {
		t.Fatal("entrypoint dag must set failFast: false")
	}
	byArgo := map[string]string{}
	for k, v := range names {
		byArgo[v] = k
	}
	nodes := map[string]argoNode{}
	for _, task := range dag.Tasks { // rendered in topological order
		o := out[byArgo[task.Name]]
		n := argoNode{}
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
		switch {
		case !execute:
			n.phase = "Omitted"
		case task.When != "" && !evalWhen(t, task.When, o):
			// withItems: every item is Skipped and the TaskGroup reports
			// Succeeded with no child Succeeded.
			n.phase = "Skipped"
			if task.WithItems != nil {
				n.phase = "Succeeded"
			}
		case o.succeed:
			n.phase, n.anySucceeded = "Succeeded", true
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
	if len(strings.Fields(dag.Target)) != len(dag.Tasks) {
		t.Fatalf("target %q does not list every task", dag.Target)
	}
	return nodes, failed
}

func evalWhen(t *testing.T, when string, o outcome) bool {
	switch when {
	case "{{=true}}":
		return true
	case "{{=false}}":
		return false
	}
	t.Fatalf("unexpected when %q", when)
	return false
}

func evalDepends(t *testing.T, e ast.Expr, nodes map[string]argoNode) bool {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return evalDepends(t, x.X, nodes)
	case *ast.UnaryExpr:
		return !evalDepends(t, x.X, nodes)
	case *ast.BinaryExpr:
		l, r := evalDepends(t, x.X, nodes), evalDepends(t, x.Y, nodes)
		if x.Op == token.LAND {
			return l && r
		}
		return l || r
	case *ast.SelectorExpr:
		name := strings.ReplaceAll(x.X.(*ast.Ident).Name, "_", "-")
		n, ok := nodes[name]
		if !ok {
			t.Fatalf("depends names %q before it ran (not topological?)", name)
		}
		switch x.Sel.Name {
		case "Succeeded", "Failed", "Skipped", "Omitted":
			return n.phase == x.Sel.Name
		case "Errored":
			return false
		case "AnySucceeded":
			return n.anySucceeded
		}
	}
	t.Fatalf("unexpected depends syntax %T", e)
	return false
}

func randomPipeline(rng *rand.Rand, n int) (*ir.Pipeline, map[string]outcome) {
	p := &ir.Pipeline{Name: "random", Timezone: "UTC"}
	out := map[string]outcome{}
	triggers := []ir.Trigger{ir.AllSuccess, ir.AllSuccess, ir.AllDone, ir.OneFailed, ir.AllFailed}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("t_%d", i)
		t := &ir.Task{Name: name, Trigger: triggers[rng.Intn(len(triggers))]}
		for j := 0; j < i; j++ {
			if rng.Intn(3) == 0 {
				t.Edges = append(t.Edges, ir.Edge{From: fmt.Sprintf("t_%d", j)})
			}
		}
		o := outcome{when: rng.Intn(4) != 0, succeed: rng.Intn(3) != 0}
		if rng.Intn(3) == 0 {
			t.When = ir.ConstCond(o.when)
		} else {
			o.when = true
		}
		inst := &ir.Instance{Image: "alpine", Command: cmd("true")}
		t.Run = one(inst)
		if rng.Intn(4) == 0 {
			t.ForEach = ir.StringItems("0", "1")
		}
		p.Tasks = append(p.Tasks, t)
		out[name] = o
	}
	return p, out
}

func TestDependsMatchDesignSemantics(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		p, out := randomPipeline(rng, 2+rng.Intn(6))
		r := New(KindWorkflow)
		files, diags := r.Render(p)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		want, wantFailed := designRun(p, out)
		rr := &renderer{p: p, taskName: map[string]string{}}
		rr.mapNames()
		got, gotFailed := argoRun(t, files[0].Data, out, rr.taskName)
		for _, task := range p.Tasks {
			n := got[rr.taskName[task.Name]]
			ran := n.phase == "Failed" || n.anySucceeded
			wantRan := want[task.Name] == ir.Success || want[task.Name] == ir.Failed
			if ran != wantRan {
				t.Fatalf("case %d: task %s: argo phase %s, design state %s (%+v)\n%s", i, task.Name, n.phase, want[task.Name], out, files[0].Data)
			}
		}
		if gotFailed != wantFailed {
			t.Fatalf("case %d: argo run failed=%v, design run failed=%v\n%s", i, gotFailed, wantFailed, files[0].Data)
		}
	}
}
