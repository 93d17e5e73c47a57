package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/util/expr/argoexpr"
	"github.com/argoproj/argo-workflows/v3/util/expr/env"
	"github.com/argoproj/argo-workflows/v3/util/template"
	"github.com/argoproj/argo-workflows/v3/workflow/common"

	"github.com/dagc-dev/dagc/ir"
)

// run.attempt and $DAGC_ATTEMPT go through Argo's own substitution with
// the retries value the controller sets for retry child n (0 for the
// first attempt): the program gets n+1 in its argv and its environment.
func TestAttemptThroughArgo(t *testing.T) {
	attempt := ir.Str{Parts: []ir.Part{{Lit: "attempt "}, {Ref: &ir.Ref{Kind: ir.RefRunAttempt}}}}
	p := &ir.Pipeline{Name: "attempt", Timezone: "UTC", Tasks: []*ir.Task{{
		Name: "flaky", Trigger: ir.AllSuccess, Retry: ir.Retry{Attempts: 3, Delay: time.Second, Backoff: 1},
		Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{lit("printf"), lit(`%s\0`), attempt}},
	}}}
	wf := render(t, p)
	for retries, want := range []string{"attempt 1", "attempt 2", "attempt 3"} {
		tmpl := wf.Spec.Templates[1].DeepCopy()
		got, err := common.SubstituteParams(tmpl, globals, common.Parameters{common.LocalVarRetries: strconv.Itoa(retries)})
		if err != nil {
			t.Fatalf("SubstituteParams: %v", err)
		}
		b, _ := json.Marshal(got.Container)
		s, err := template.Replace(string(b), map[string]any{}, true)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Command []string
			Env     []struct{ Name, Value string }
		}
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			t.Fatal(err)
		}
		if c.Command[len(c.Command)-1] != want {
			t.Errorf("retries=%d: argv ends %q, want %q", retries, c.Command[len(c.Command)-1], want)
		}
		envAttempt := ""
		for _, e := range c.Env {
			if e.Name == "DAGC_ATTEMPT" {
				envAttempt = e.Value
			}
		}
		if envAttempt != strings.TrimPrefix(want, "attempt ") {
			t.Errorf("retries=%d: DAGC_ATTEMPT = %q, want %q", retries, envAttempt, strings.TrimPrefix(want, "attempt "))
		}
	}
}

// retry { on_exit_codes } becomes retryStrategy.expression, evaluated
// here as the controller does (operator.go: buildRetryStrategyLocalScope,
// env.GetFuncMap, argoexpr.EvalBool) for each last exit code.
func TestOnExitCodesThroughArgo(t *testing.T) {
	p := &ir.Pipeline{Name: "codes", Timezone: "UTC", Tasks: []*ir.Task{{
		Name: "flaky", Trigger: ir.AllSuccess, Retry: ir.Retry{Attempts: 3, Delay: time.Second, Backoff: 1, OnExitCodes: []int{2, 75}},
		Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{lit("true")}},
	}}}
	wf := render(t, p)
	var rs *wfv1.RetryStrategy
	for i := range wf.Spec.Templates {
		if wf.Spec.Templates[i].Name == "flaky" {
			rs = wf.Spec.Templates[i].RetryStrategy
		}
	}
	if rs == nil || rs.Expression == "" {
		t.Fatalf("no retryStrategy.expression rendered: %+v", rs)
	}
	for code, want := range map[string]bool{"2": true, "75": true, "1": false, "3": false, "0": false, "-1": false, "137": false} {
		scope := env.GetFuncMap(map[string]any{common.LocalVarRetries: "0", common.LocalVarRetriesLastExitCode: code,
			common.LocalVarRetriesLastStatus: "Failed", common.LocalVarRetriesLastDuration: "1", common.LocalVarRetriesLastMessage: ""})
		got, err := argoexpr.EvalBool(rs.Expression, scope)
		if err != nil {
			t.Fatalf("%s: %v", rs.Expression, err)
		}
		if got != want {
			t.Errorf("%s with lastRetry.exitCode %s = %v, want %v", rs.Expression, code, got, want)
		}
	}
}
