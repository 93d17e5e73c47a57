package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/util/template"

	"github.com/dagc-dev/dagc/ir"
)

// TestPerInstanceWhenDecidesLikeDagc runs the when of a withItems task
// through the two passes Argo's controller makes (workflow/controller/dag.go):
// resolveDependencyReferences, where the item is not known yet and the
// expression must be left alone, then expandTask's processItem, which puts a
// map item's fields into the scope as fmt.Sprintf("%v", field) — the JSON
// escaping that turns `a"b` into `a\"b` (issue 12) — and the whole item as
// JSON. Every item is hostile text, compared with hostile literals, a param
// and an upstream output, and as a number; each instance must decide as
// ir.Cond.EvalItem does.
func TestPerInstanceWhenDecidesLikeDagc(t *testing.T) {
	outRef := &ir.Ref{Kind: ir.RefOutput, Task: "producer", Name: "out"}
	param := &ir.Ref{Kind: ir.RefParam, Name: "p"}
	value := &ir.Ref{Kind: ir.RefEachValue}
	field := &ir.Ref{Kind: ir.RefEachField, Name: "n"}
	key := &ir.Ref{Kind: ir.RefEachKey}
	fe := &ir.ForEach{}
	texts := append(append([]string{}, hostile...), values["p"], strings.TrimSpace(values["out"]))
	for i, h := range texts {
		fe.Items = append(fe.Items, ir.Item{Key: fmt.Sprint(i), Value: h, Fields: map[string]string{"n": fmt.Sprint(i % 5)}})
	}
	cmp := func(l ir.Operand, op ir.CmpOp, r ir.Operand, numeric bool) *ir.Cond {
		return &ir.Cond{Op: ir.CondCompare, Cmp: op, Left: l, Right: r, Numeric: numeric}
	}
	var conds []*ir.Cond
	for _, h := range []string{`a"b`, `\`, "a\nb", "{{item}}", "{{=1+1}}", "é 💥", "'", "<&>", `\u003c`} {
		for _, op := range []ir.CmpOp{ir.Eq, ir.Ne, ir.Lt, ir.Ge} {
			conds = append(conds, cmp(ir.Operand{Ref: value}, op, ir.Operand{Lit: h, LitKind: ir.LitString}, false))
		}
	}
	conds = append(conds,
		cmp(ir.Operand{Ref: value}, ir.Eq, ir.Operand{Ref: param}, false),
		cmp(ir.Operand{Ref: outRef}, ir.Ne, ir.Operand{Ref: value}, false),
		cmp(ir.Operand{Ref: field}, ir.Gt, ir.Operand{Lit: "2", LitKind: ir.LitNumber}, true),
		cmp(ir.Operand{Ref: field}, ir.Le, ir.Operand{Ref: outRef}, true),
		&ir.Cond{Op: ir.CondAnd, Args: []*ir.Cond{
			cmp(ir.Operand{Ref: key}, ir.Ne, ir.Operand{Lit: "3", LitKind: ir.LitString}, false),
			{Op: ir.CondNot, Args: []*ir.Cond{cmp(ir.Operand{Ref: value}, ir.Eq, ir.Operand{Lit: "", LitKind: ir.LitString}, false)}},
		}},
	)
	lookup := func(r *ir.Ref) string {
		if r.Kind == ir.RefParam {
			return values["p"]
		}
		return values["out"]
	}
	scope := map[string]any{
		"workflow.parameters.p":                 values["p"],
		"tasks.producer.outputs.parameters.out": values["out"],
		"tasks.producer.status":                 "Succeeded",
	}
	for ci, c := range conds {
		p := &ir.Pipeline{Name: "fan", Timezone: "UTC",
			Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "d", HasDefault: true}},
			Tasks: []*ir.Task{
				{Name: "producer", Trigger: ir.AllSuccess, Outputs: []string{"out"},
					Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{lit("true")}}},
				{Name: "fan", Trigger: ir.AllSuccess, Edges: ir.EdgesFrom("producer"), ForEach: fe, When: c,
					Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{lit("echo"), {Parts: []ir.Part{{Ref: key}}}}}},
			}}
		wf := render(t, p)
		task := wf.Spec.Templates[0].DAG.Tasks[1]
		if len(task.WithItems) != len(fe.Items) {
			t.Fatalf("withItems has %d items, want %d", len(task.WithItems), len(fe.Items))
		}
		// resolveDependencyReferences: the item is not in scope yet.
		b, _ := json.Marshal(task.When)
		first, err := template.ReplaceStrictAny(string(b), scope, []string{"tasks", "steps"})
		if err != nil {
			t.Fatalf("cond %d %s: first pass: %v", ci, c, err)
		}
		var left string
		if err := json.Unmarshal([]byte(first), &left); err != nil || left != task.When {
			t.Fatalf("cond %d %s: the first pass decided before the item was known: %s (%v)", ci, c, first, err)
		}
		for i, item := range task.WithItems {
			// processItem, for a string item: dagc renders each item as a
			// string holding a JSON object (backends/argo itemField).
			replace := map[string]any{}
			for k, v := range scope {
				replace[k] = v
			}
			if item.GetType() != wfv1.String {
				t.Fatalf("item %d is not a string", i)
			}
			replace["item"] = item.GetStrVal()
			s, err := template.Replace(first, replace, false)
			if err != nil {
				t.Fatalf("cond %d %s, item %d: %v (when %s)", ci, c, i, err, task.When)
			}
			var w string
			if err := json.Unmarshal([]byte(s), &w); err != nil {
				t.Fatal(err)
			}
			got, err := shouldExecute(w)
			if err != nil {
				t.Fatalf("cond %d %s, item %d: when → %q: %v", ci, c, i, w, err)
			}
			want, err := c.EvalItem(&fe.Items[i], lookup)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("cond %d %s, item %d (%q): Argo decides %v, dagc %v (when → %q)", ci, c, i, fe.Items[i].Value, got, want, w)
			}
		}
	}
}

// TestSkipGuardSeesInstancesSkippedOneByOne: Argo reports a TaskGroup whose
// instances were partly skipped by their when as Succeeded and
// AnySucceeded, like one whose instances all ran, so an all_success or
// none_skipped dependent re-evaluates the upstream's when per item in its
// own when (backends/argo skipGuards). Through Argo's templater it must be
// false exactly when some instance's when is false.
func TestSkipGuardSeesInstancesSkippedOneByOne(t *testing.T) {
	param := &ir.Ref{Kind: ir.RefParam, Name: "p"}
	value := &ir.Ref{Kind: ir.RefEachValue}
	for _, trigger := range []ir.Trigger{ir.AllSuccess, ir.NoneSkipped, ir.NoneFailed} {
		for _, items := range [][]string{{values["p"], values["p"]}, {values["p"], `a"b`}, {`\`, "a\nb"}} {
			fe := &ir.ForEach{}
			for i, h := range items {
				fe.Items = append(fe.Items, ir.Item{Key: fmt.Sprint(i), Value: h})
			}
			when := &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq, Left: ir.Operand{Ref: value}, Right: ir.Operand{Ref: param}}
			p := &ir.Pipeline{Name: "guard", Timezone: "UTC",
				Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "d", HasDefault: true}},
				Tasks: []*ir.Task{
					{Name: "fan", Trigger: ir.AllSuccess, ForEach: fe, When: when,
						Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{lit("true")}}},
					{Name: "down", Trigger: trigger, Edges: ir.EdgesFrom("fan"),
						Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{lit("true")}}},
				}}
			wf := render(t, p)
			down := wf.Spec.Templates[0].DAG.Tasks[1]
			skipped := false
			for i := range fe.Items {
				ok, _ := when.EvalItem(&fe.Items[i], func(*ir.Ref) string { return values["p"] })
				skipped = skipped || !ok
			}
			// Only the rules that fail on a skipped instance ask.
			wantRun := !(skipped && trigger != ir.NoneFailed)
			if down.When == "" {
				if !wantRun {
					t.Errorf("%s over %q: no when, but an instance was skipped", trigger, items)
				}
				continue
			}
			b, _ := json.Marshal(down.When)
			s, err := template.ReplaceStrictAny(string(b), map[string]any{"workflow.parameters.p": values["p"]}, []string{"tasks", "steps"})
			if err != nil {
				t.Fatalf("%s over %q: %v", trigger, items, err)
			}
			var w string
			if err := json.Unmarshal([]byte(s), &w); err != nil {
				t.Fatal(err)
			}
			got, err := shouldExecute(w)
			if err != nil {
				t.Fatalf("%s over %q: when %q → %q: %v", trigger, items, down.When, w, err)
			}
			if got != wantRun {
				t.Errorf("%s over %q: the guard decides %v, want %v (when %q)", trigger, items, got, wantRun, down.When)
			}
		}
	}
}
