package ir

import (
	"slices"
	"testing"
)

func finalTask(name string, line int) *Task {
	t := task(name, line)
	t.Final = true
	return t
}

// Final tasks come last in the order, whatever their names, and get the
// all_done trigger.
func TestValidateOrdersFinalTasksLast(t *testing.T) {
	p := pipe(finalTask("a_notify", 2), task("z", 3, "b"), task("b", 4), finalTask("aa", 5))
	if ds := check(p); ds.HasErrors() {
		t.Fatal(dump(ds))
	}
	// "a_notify" < "aa" byte-wise: final tasks keep the order by name.
	if got := names(p); got != "b z a_notify aa" {
		t.Fatalf("order %q: final tasks must come last, by name among themselves", got)
	}
	for _, tk := range p.Tasks[2:] {
		if tk.Trigger != AllDone {
			t.Errorf("final task %s has trigger %q, want all_done", tk.Name, tk.Trigger)
		}
	}
}

func TestValidateFinalDiagnostics(t *testing.T) {
	statusRef := &Ref{Kind: RefRunStatus, Range: at(30)}
	withTrigger := finalTask("f", 3)
	withTrigger.Trigger = OneFailed
	withForEach := finalTask("f", 3)
	withForEach.ForEach = &ForEach{Items: []Item{{Key: "a"}}, Range: at(31)}
	withEdge := finalTask("f", 3)
	withEdge.Edges = []Edge{{From: "a", Range: at(32)}}
	tests := []struct {
		name    string
		p       *Pipeline
		summary string
		subject Range
		detail  string
	}{
		{"run.status outside final", pipe(withRef(task("a", 3), statusRef)),
			"run.status outside a final task", at(30), `Task "a" is not final`},
		{"run.failed_tasks outside final", pipe(withRef(task("a", 3), &Ref{Kind: RefRunFailedTasks, Range: at(30)})),
			"run.failed_tasks outside a final task", at(30), `Task "a" is not final`},
		{"depends on final", pipe(finalTask("f", 2), task("a", 3, "f")),
			"Dependency on a final task", at(300), `depends on task "f", which is final`},
		{"final with edge", pipe(task("a", 2), withEdge),
			"Dependency of a final task", at(32), `cannot depend on task "a"`},
		{"final with trigger", pipe(withTrigger), "Trigger on a final task", at(3), `trigger "one_failed"`},
		{"final with for_each", pipe(withForEach), "for_each on a final task", at(31), "cannot have for_each"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDiag(t, check(tc.p), tc.summary, tc.subject, tc.detail)
		})
	}
	dyn := task("d", 2)
	dyn.ForEach = &ForEach{Source: &Ref{Kind: RefParam, Name: "items"}}
	dp := pipe(dyn, withRef(finalTask("f", 3), &Ref{Kind: RefRunFailedTasks, Range: at(30)}))
	dp.Params = []*Param{{Name: "items", Type: ParamString}}
	var found bool
	for _, d := range check(dp) {
		found = found || d.Summary == "run.failed_tasks with a run-time fan-out" && d.Subject == at(30)
	}
	if !found {
		t.Errorf("run.failed_tasks over a run-time fan-out was not refused at the reference")
	}
	if ds := check(pipe(task("a", 2), withRef(finalTask("f", 3), &Ref{Kind: RefRunStatus, Range: at(30)}))); ds.HasErrors() {
		t.Fatalf("a final task may read run.status:\n%s", dump(ds))
	}
}

// run.status is RunState over the tasks that are not final; the run's own
// state also counts the final tasks; run.failed_tasks lists failed
// instances only (not upstream_failed), in the order given, final tasks
// left out, tolerated failures kept.
func TestRunStatusAndFailedTasks(t *testing.T) {
	ended := []Ended{
		{Name: "a", State: Success},
		{Name: "b[x]", State: Failed},
		{Name: "b[y]", State: UpstreamFailed},
		{Name: "c", State: Failed, FailureTolerated: true},
		{Name: "d", State: Skipped},
		{Name: "notify", State: Success, Final: true},
	}
	if got := RunStatus(ended); got != Failed {
		t.Errorf("RunStatus = %s, want failed", got)
	}
	if got, want := FailedTasks(ended), []string{"b[x]", "c"}; !slices.Equal(got, want) {
		t.Errorf("FailedTasks = %q, want %q", got, want)
	}
	ok := []Ended{{Name: "a", State: Success}, {Name: "c", State: Failed, FailureTolerated: true}, {Name: "f", State: Failed, Final: true}}
	if got := RunStatus(ok); got != Success {
		t.Errorf("RunStatus with only a tolerated failure and a failed final task = %s, want success", got)
	}
	if got := RunState(ok); got != Failed {
		t.Errorf("RunState with a failed final task = %s, want failed (a final task that fails fails the run)", got)
	}
	if got := FailedTasks(ok); !slices.Equal(got, []string{"c"}) {
		t.Errorf("FailedTasks = %q, want [c] (a final task is not listed)", got)
	}
	if got := FailedTasks(nil); got == nil || len(got) != 0 {
		t.Errorf("FailedTasks(nil) = %#v, want an empty, non-nil list (it encodes as [])", got)
	}
}

func TestFailedTaskOrder(t *testing.T) {
	fe := task("m", 3)
	fe.ForEach = &ForEach{Items: []Item{{Key: "0"}, {Key: "1"}}}
	p := pipe(finalTask("f", 2), fe, task("a", 4, "m"))
	if ds := check(p); ds.HasErrors() {
		t.Fatal(dump(ds))
	}
	var got []string
	for _, e := range FailedTaskOrder(p) {
		got = append(got, e.Name)
	}
	if want := []string{"m[0]", "m[1]", "a"}; !slices.Equal(got, want) {
		t.Fatalf("FailedTaskOrder = %q, want %q (pipeline order, final tasks left out)", got, want)
	}
}
