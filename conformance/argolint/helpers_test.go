package main

import (
	"encoding/json"
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

// Helpers shared by the tests that run dagc's rendered manifests through Argo's own templater
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
