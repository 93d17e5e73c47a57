package local

import (
	"context"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

func finalTask(t *ir.Task) *ir.Task {
	t.Final, t.Trigger = true, ir.AllDone
	return t
}

// Exit handlers start only once every other task has ended, whatever their
// states; they read run.status and run.failed_tasks as judged over those
// tasks; a failing one fails the run, though the rest succeeded.
func TestFinalTasks(t *testing.T) {
	dir := t.TempDir()
	slow := shTask("slow", "sleep 0.3")
	boom := shTask("boom", "exit 1")
	after := after(cmdTask("after", "true"), "boom")
	report := finalTask(shTask("report", `printf '%s|%s' "$STATUS" "$FAILED" > "$DAGC_OUTPUTS/seen"`))
	report.Outputs = []string{"seen"}
	report.Run.Env = []ir.EnvVar{
		{Name: "FAILED", Value: refStr(&ir.Ref{Kind: ir.RefRunFailedTasks})},
		{Name: "STATUS", Value: refStr(&ir.Ref{Kind: ir.RefRunStatus})},
	}
	onSuccess := finalTask(cmdTask("on_success", "true"))
	onSuccess.When = &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq, Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefRunStatus}}, Right: ir.Operand{Lit: "success", LitKind: ir.LitString}}
	p := pipeline(report, onSuccess, slow, boom, after)
	if ir.Normalize(p); ir.Validate(p).HasErrors() {
		ds := ir.Validate(p)
		t.Fatal(ds)
	}
	oc := runIt(t, context.Background(), p, dir, Options{Jobs: 4})
	wantStates(t, oc, map[string]ir.State{"slow": S, "boom": F, "after": ir.UpstreamFailed, "report": S, "on_success": ir.Skipped})
	if got, want := oc.inst("report").Outputs["seen"], `failed|["boom"]`; got != want {
		t.Errorf("report saw %q, want %q", got, want)
	}
	if r, s := oc.inst("report"), oc.inst("slow"); !r.Start.After(s.End) {
		t.Errorf("report started %s, before slow ended %s", r.Start, s.End)
	}
	if oc.res.State != ir.Failed {
		t.Errorf("run %s, want failed", oc.res.State)
	}

	// Every other task succeeded: run.status is success, the list empty,
	// and a final task that fails still fails the run.
	ok := shTask("ok", "true")
	report2 := finalTask(shTask("report", `printf '%s|%s' "$STATUS" "$FAILED" > "$DAGC_OUTPUTS/seen"`))
	report2.Outputs, report2.Run.Env = report.Outputs, report.Run.Env
	broken := finalTask(shTask("broken", "exit 2"))
	p = pipeline(ok, report2, broken)
	if ir.Normalize(p); ir.Validate(p).HasErrors() {
		ds := ir.Validate(p)
		t.Fatal(ds)
	}
	oc = runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"ok": S, "report": S, "broken": F})
	if got, want := oc.inst("report").Outputs["seen"], `success|[]`; got != want {
		t.Errorf("report saw %q, want %q", got, want)
	}
	if oc.res.State != ir.Failed {
		t.Errorf("run %s, want failed: a final task failed", oc.res.State)
	}
}
