package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/util/template"
	"github.com/argoproj/argo-workflows/v3/workflow/common"

	"github.com/dagc-dev/dagc/ir"
)

// failedNode is one element of workflow.failures, as
// workflow/controller/operator.go writes it (failedNodeStatus).
type failedNode struct {
	DisplayName  string `json:"displayName"`
	Message      string `json:"message"`
	TemplateName string `json:"templateName"`
	Phase        string `json:"phase"`
	PodName      string `json:"podName"`
	FinishedAt   string `json:"finishedAt"`
}

// failures is workflow.failures as the controller sets it before the exit
// handler runs: the JSON list, strconv-quoted ("null" when empty).
func failures(nodes []failedNode) string {
	b, _ := json.Marshal(nodes)
	return strconv.Quote(string(b))
}

// itemName is the display name the controller gives instance index of a
// withItems task (operator.go generateNodeName: parentheses removed from
// the item's text).
func itemName(task string, index int, item wfv1.Item) string {
	return fmt.Sprintf("%s(%d:%s)", task, index, strings.NewReplacer("(", "", ")", "").Replace(item.String()))
}

// The final tasks run in the onExit dag with workflow.status and
// workflow.failures set: what the container and when receive is dagc's
// run.status and run.failed_tasks, in pipeline order, for a plain task, a
// retried one whose retry node failed (its attempts are nodes too), a
// retried one that succeeded after a failed attempt, and for_each
// instances (retried too).
func TestExitHandlerReadsRunState(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found")
	}
	img := ir.Lit("alpine")
	fe := &ir.ForEach{Items: []ir.Item{{Key: "0", Value: "x"}, {Key: "1", Value: "y(z)"}, {Key: "2", Value: "w<&>"}}}
	value := &ir.Ref{Kind: ir.RefEachValue}
	status := &ir.Ref{Kind: ir.RefRunStatus}
	failed := &ir.Ref{Kind: ir.RefRunFailedTasks}
	p := &ir.Pipeline{Name: "exit", Timezone: "UTC", Tasks: []*ir.Task{
		{Name: "a_task", Trigger: ir.AllSuccess, Retry: ir.Retry{Attempts: 1, Backoff: 1}, Run: ir.Template{Image: img, Command: []ir.Str{lit("false")}}},
		{Name: "b", Trigger: ir.AllSuccess, Retry: ir.Retry{Attempts: 1, Backoff: 1}, Run: ir.Template{Image: img, Command: []ir.Str{lit("true")}}},
		{Name: "fan", Trigger: ir.AllSuccess, ForEach: fe, Retry: ir.Retry{Attempts: 1, Backoff: 1}, Run: ir.Template{Image: img, Command: []ir.Str{lit("echo"), {Parts: []ir.Part{{Ref: value}}}}}},
		{Name: "report", Final: true, Trigger: ir.AllDone, Run: ir.Template{Image: img, Command: []ir.Str{
			lit("printf"), lit(`%s\0`), {Parts: []ir.Part{{Ref: status}}}, {Parts: []ir.Part{{Lit: "{"}, {Ref: failed}, {Lit: "}"}}},
		}}},
		{Name: "on_failure", Final: true, Trigger: ir.AllDone, When: &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq,
			Left: ir.Operand{Ref: status}, Right: ir.Operand{Lit: "failed", LitKind: ir.LitString}},
			Run: ir.Template{Image: img, Command: []ir.Str{lit("true")}}},
	}}
	if ir.Normalize(p); ir.Validate(p).HasErrors() {
		ds := ir.Validate(p)
		t.Fatal(ds)
	}
	wf := render(t, p)
	if wf.Spec.OnExit != "dagc-exit" {
		t.Fatalf("onExit = %q", wf.Spec.OnExit)
	}
	var exit, report *wfv1.Template
	var fan wfv1.DAGTask
	for i := range wf.Spec.Templates {
		switch tm := &wf.Spec.Templates[i]; tm.Name {
		case "dagc-exit":
			exit = tm
		case "report":
			report = tm
		case "main":
			for _, dt := range tm.DAG.Tasks {
				if dt.Name == "fan" {
					fan = dt
				}
			}
			for _, dt := range tm.DAG.Tasks {
				if dt.Name == "report" || dt.Name == "on-failure" {
					t.Errorf("final task %s is in the entrypoint dag", dt.Name)
				}
			}
		}
	}
	if exit == nil || report == nil || len(fan.WithItems) != 3 {
		t.Fatalf("exit dag %v, report template %v, fan items %d", exit != nil, report != nil, len(fan.WithItems))
	}
	var when string
	for _, dt := range exit.DAG.Tasks {
		if dt.Name == "on-failure" {
			when = dt.When
		}
	}
	cases := []struct {
		name, phase string
		nodes       []failedNode
		wantStatus  string
		wantFailed  string
	}{
		{"failed run", "Failed", []failedNode{
			{DisplayName: "fan", Phase: "Failed"},                               // the TaskGroup
			{DisplayName: itemName("fan", 2, fan.WithItems[2]), Phase: "Error"}, // Errored counts as failed
			{DisplayName: "exit-x1", Phase: "Failed"},                           // the entrypoint's node
			{DisplayName: "a-task(1)", Phase: "Failed"},                         // attempts of a_task
			{DisplayName: "a-task(0)", Phase: "Failed"},
			{DisplayName: "a-task", Phase: "Failed"},                                     // its retry node
			{DisplayName: "b(0)", Phase: "Failed"},                                       // b's retry succeeded
			{DisplayName: itemName("fan", 0, fan.WithItems[0]) + "(0)", Phase: "Failed"}, // so did fan[0]'s
		}, "failed", `["a_task","fan[2]"]`},
		{"instance failed", "Failed", []failedNode{
			{DisplayName: itemName("fan", 1, fan.WithItems[1]), Phase: "Failed"},
			{DisplayName: "fan", Phase: "Failed"},
		}, "failed", `["fan[1]"]`},
		{"succeeded run", "Succeeded", nil, "success", `[]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := common.Parameters{"workflow.name": "exit-x1", "workflow.status": c.phase, "workflow.failures": failures(c.nodes)}
			got := runTemplateWith(t, report.DeepCopy(), g)
			if want := []string{c.wantStatus, "{" + c.wantFailed + "}"}; strings.Join(got, "\x00") != strings.Join(want, "\x00") {
				t.Errorf("the final task got %q, want %q", got, want)
			}
			scope := map[string]any{}
			for k, v := range g {
				scope[k] = v
			}
			b, _ := json.Marshal(when)
			resolved, err := template.ReplaceStrictAny(string(b), scope, []string{"tasks", "steps"})
			if err != nil {
				t.Fatalf("when %s: %v", when, err)
			}
			var w string
			if err := json.Unmarshal([]byte(resolved), &w); err != nil {
				t.Fatal(err)
			}
			runs, err := shouldExecute(w)
			if err != nil {
				t.Fatalf("when %q → %q: %v", when, w, err)
			}
			if want := c.wantStatus == "failed"; runs != want {
				t.Errorf("when run.status == \"failed\" decides %v, want %v", runs, want)
			}
		})
	}
}
