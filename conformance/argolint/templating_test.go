package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/Knetic/govaluate"
	"sigs.k8s.io/yaml"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/util/template"
	"github.com/argoproj/argo-workflows/v3/workflow/common"

	"github.com/dagc-dev/dagc/backends/argo"
	"github.com/dagc-dev/dagc/ir"
)

// These tests run dagc's rendered manifests through Argo's own templater
// (util/template and workflow/common.SubstituteParams, the passes the
// controller makes before it creates a pod) and check that only dagc's own
// references change: the program receives exactly the strings the user
// wrote, and a when condition decides as ir.Cond.Eval does.

var hostile = []string{
	"", "yes", "~", "null", "1e3", "-", "*a", "&a", "#", "'", "\"", `\`, "tab\there", "a\nb", "é 💥",
	"{{", "}}", "{{x}}", "{{ x }}", "{{=1+1}}", "{{workflow.name}}", "{{inputs.parameters.x}}", "{{item}}",
	"a{{b", "{{{", "{", "x{", "}}{{", "${HOME}", "$(id)", "{{=sprig.env('HOME')}}", "<&>", `\u003c`,
}

// Run-time values: anything but "{{" (a known gap, see docs/argo.md).
var values = map[string]string{"p": "v'\"\\$(id)<&>\n", "out": " 0.95\n"}

func lit(s string) ir.Str { return ir.Lit(s) }

func hostilePipeline() *ir.Pipeline {
	var argv []ir.Str
	argv = append(argv, lit("printf"), lit(`%s\0`))
	for _, h := range hostile {
		argv = append(argv, lit(h))
		argv = append(argv, ir.Str{Parts: []ir.Part{{Lit: h}, {Ref: &ir.Ref{Kind: ir.RefParam, Name: "p"}}, {Lit: h}}})
		argv = append(argv, ir.Str{Parts: []ir.Part{{Lit: h + "{"}, {Ref: &ir.Ref{Kind: ir.RefOutput, Task: "producer", Name: "out"}}}})
	}
	return &ir.Pipeline{
		Name: "templating", Timezone: "UTC",
		Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "d", HasDefault: true}},
		Tasks: []*ir.Task{
			{Name: "producer", Trigger: ir.AllSuccess, Outputs: []string{"out"},
				Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{lit("true")}}},
			{Name: "consumer", Trigger: ir.AllSuccess, Edges: ir.EdgesFrom("producer"),
				Run: ir.Template{Image: ir.Lit("alpine"), Command: argv, Env: []ir.EnvVar{{Name: "E", Value: lit("{{=1}}")}}}},
		},
	}
}

func render(t *testing.T, p *ir.Pipeline) *wfv1.Workflow {
	t.Helper()
	r := argo.New(argo.KindWorkflow)
	if d := r.Check(p); d.HasErrors() {
		t.Fatal(d)
	}
	files, d := r.Render(p)
	if d.HasErrors() {
		t.Fatal(d)
	}
	var wf wfv1.Workflow
	if err := yaml.UnmarshalStrict(files[0].Data, &wf); err != nil {
		t.Fatalf("%v\n%s", err, files[0].Data)
	}
	return &wf
}

func TestArgoTemplaterLeavesUserTextAlone(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found")
	}
	p := hostilePipeline()
	wf := render(t, p)
	var tmpl *wfv1.Template
	for i := range wf.Spec.Templates {
		if wf.Spec.Templates[i].Name == "consumer" {
			tmpl = &wf.Spec.Templates[i]
		}
	}
	for i := range tmpl.Inputs.Parameters {
		tmpl.Inputs.Parameters[i].Value = wfv1.AnyStringPtr(values["out"])
	}
	gotArgv := runTemplate(t, tmpl)
	var want []string
	for _, a := range p.Tasks[1].Run.Command[2:] {
		want = append(want, a.Resolve(func(r *ir.Ref) string {
			if r.Kind == ir.RefParam {
				return values["p"]
			}
			return values["out"]
		}))
	}
	if len(gotArgv) != len(want) {
		t.Fatalf("argv has %d elements, want %d:\n%q\n%q", len(gotArgv), len(want), gotArgv, want)
	}
	for i := range want {
		if gotArgv[i] != want[i] {
			t.Errorf("argv[%d] = %q, want %q", i, gotArgv[i], want[i])
		}
	}
}

var globals = common.Parameters{"workflow.parameters.p": values["p"], "workflow.name": "templating-x1"}

// runTemplate makes Argo's substitution passes over a leaf template whose
// inputs are set (SubstituteParams, then the pod spec pass of
// workflowpod.go substitutePodParams) and runs its container command with
// sh, returning the argv printed by printf '%s\0'.
func runTemplate(t *testing.T, tmpl *wfv1.Template) []string {
	t.Helper()
	return runTemplateWith(t, tmpl, globals)
}

// runTemplateWith is runTemplate with these global parameters.
func runTemplateWith(t *testing.T, tmpl *wfv1.Template, globals common.Parameters) []string {
	t.Helper()
	got, err := common.SubstituteParams(tmpl, globals, common.Parameters{})
	if err != nil {
		t.Fatalf("SubstituteParams: %v", err)
	}
	podParams := map[string]any{"pod.name": "templating-x1-1"}
	for k, v := range globals {
		podParams[k] = v
	}
	for _, in := range got.Inputs.Parameters {
		podParams["inputs.parameters."+in.Name] = in.Value.String()
	}
	b, _ := json.Marshal(got.Container)
	s, err := template.Replace(string(b), podParams, true)
	if err != nil {
		t.Fatalf("pod pass: %v", err)
	}
	var c struct {
		Command []string
		Env     []struct{ Name, Value string }
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.Command[0], c.Command[1:]...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	for _, e := range c.Env {
		cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the container command: %v", err)
	}
	argv := strings.Split(string(out), "\x00")
	return argv[:len(argv)-1]
}

// TestForEachItemsSurviveArgo expands withItems the way the controller does
// (item fields substituted into the dag task's arguments, which become the
// template's inputs) for hostile each.value strings.
func TestForEachItemsSurviveArgo(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found")
	}
	param := &ir.Ref{Kind: ir.RefParam, Name: "p"}
	// One template; each.value is an item field, next to literal braces
	// and a run-time reference.
	value := &ir.Ref{Kind: ir.RefEachValue}
	fe := &ir.ForEach{}
	for i, h := range hostile {
		fe.Items = append(fe.Items, ir.Item{Key: fmt.Sprint(i), Value: h})
	}
	fan := &ir.Task{Name: "fan", Trigger: ir.AllSuccess, ForEach: fe, Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{
		lit("printf"), lit(`%s\0`), {Parts: []ir.Part{{Ref: value}}}, {Parts: []ir.Part{{Lit: "k="}, {Ref: value}, {Lit: "{"}, {Ref: param}, {Ref: value}}}, lit("const{{x}}"),
	}}}
	p := &ir.Pipeline{Name: "fan", Timezone: "UTC",
		Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "d", HasDefault: true}},
		Tasks:  []*ir.Task{fan}}
	insts := fan.Instances()
	wf := render(t, p)
	task := wf.Spec.Templates[0].DAG.Tasks[0]
	if len(task.WithItems) != len(insts) {
		t.Fatalf("withItems has %d items, want %d", len(task.WithItems), len(insts))
	}
	for i, item := range task.WithItems {
		// expandTask: every {{item.KEY}} of the dag task is replaced.
		replace := map[string]any{}
		var fields map[string]string
		if err := json.Unmarshal(item.Value, &fields); err != nil {
			t.Fatal(err)
		}
		for k, v := range fields {
			replace["item."+k] = v
		}
		b, _ := json.Marshal(task.Arguments)
		s, err := template.Replace(string(b), replace, false)
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		var args wfv1.Arguments
		if err := json.Unmarshal([]byte(s), &args); err != nil {
			t.Fatal(err)
		}
		tmpl := wf.Spec.Templates[1].DeepCopy()
		for j := range tmpl.Inputs.Parameters {
			tmpl.Inputs.Parameters[j].Value = args.GetParameterByName(tmpl.Inputs.Parameters[j].Name).Value
		}
		got := runTemplate(t, tmpl)
		var want []string
		for _, a := range insts[i].Command[2:] {
			want = append(want, a.Resolve(func(*ir.Ref) string { return values["p"] }))
		}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("item %d: argv\n%q\nwant\n%q", i, got, want)
		}
	}
}

// shouldExecute is workflow/controller/steps.go's (unexported) when check.
func shouldExecute(when string) (bool, error) {
	expression, err := govaluate.NewEvaluableExpression(when)
	if err != nil {
		return false, err
	}
	tokens := expression.Tokens()
	for i, tok := range tokens {
		if tok.Kind == govaluate.VARIABLE {
			tok.Kind = govaluate.STRING
			tokens[i] = tok
		}
	}
	expression, err = govaluate.NewEvaluableExpressionFromTokens(tokens)
	if err != nil {
		return false, err
	}
	result, err := expression.Evaluate(nil)
	if err != nil {
		return false, err
	}
	b, _ := result.(bool)
	return b, nil
}

func TestWhenDecidesLikeDagc(t *testing.T) {
	outRef := &ir.Ref{Kind: ir.RefOutput, Task: "producer", Name: "out"}
	param := &ir.Ref{Kind: ir.RefParam, Name: "p"}
	cmp := func(l ir.Operand, op ir.CmpOp, r ir.Operand, numeric bool) *ir.Cond {
		return &ir.Cond{Op: ir.CondCompare, Cmp: op, Left: l, Right: r, Numeric: numeric}
	}
	var conds []*ir.Cond
	for _, v := range []string{"0.9", "1", "0.95", "-3"} {
		for _, op := range []ir.CmpOp{ir.Eq, ir.Ne, ir.Lt, ir.Le, ir.Gt, ir.Ge} {
			conds = append(conds, cmp(ir.Operand{Ref: outRef}, op, ir.Operand{Lit: v, LitKind: ir.LitNumber}, true))
		}
	}
	for _, h := range append(hostile, values["p"], "v") {
		for _, op := range []ir.CmpOp{ir.Eq, ir.Ne, ir.Lt, ir.Ge} {
			conds = append(conds, cmp(ir.Operand{Ref: param}, op, ir.Operand{Lit: h, LitKind: ir.LitString}, false))
		}
	}
	conds = append(conds, &ir.Cond{Op: ir.CondNot, Args: []*ir.Cond{{Op: ir.CondOr, Args: []*ir.Cond{conds[0], conds[len(conds)-1]}}}})
	lookup := func(r *ir.Ref) string {
		if r.Kind == ir.RefParam {
			return values["p"]
		}
		return values["out"]
	}
	for i, c := range conds {
		p := hostilePipeline()
		p.Tasks[1].When = c
		wf := render(t, p)
		when := wf.Spec.Templates[0].DAG.Tasks[1].When
		scope := map[string]any{
			"workflow.parameters.p":                 values["p"],
			"tasks.producer.outputs.parameters.out": values["out"],
			"tasks.producer.status":                 "Succeeded",
		}
		b, _ := json.Marshal(when)
		resolved, err := template.ReplaceStrictAny(string(b), scope, []string{"tasks", "steps"})
		if err != nil {
			t.Fatalf("cond %d %s: %v (%s)", i, c, err, when)
		}
		var w string
		if err := json.Unmarshal([]byte(resolved), &w); err != nil {
			t.Fatal(err)
		}
		got, err := shouldExecute(w)
		if err != nil {
			t.Fatalf("cond %d %s: when %q → %q: %v", i, c, when, w, err)
		}
		want, err := c.Eval(lookup)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("cond %d %s: Argo decides %v, dagc %v (when %q → %q)", i, c, got, want, when, w)
		}
	}
}
