package airflow

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// upstreamCombos lists every sequence of 1 to 3 upstream final states.
func upstreamCombos() [][]ir.State {
	var out [][]ir.State
	var grow func(prefix []ir.State)
	grow = func(prefix []ir.State) {
		if len(prefix) > 0 {
			out = append(out, append([]ir.State(nil), prefix...))
		}
		if len(prefix) == 3 {
			return
		}
		for _, s := range ir.FinalStates {
			grow(append(prefix, s))
		}
	}
	grow(nil)
	return out
}

// leafRuleHolds tells, from ir.Decide alone, whether a task under tr ends
// upstream_failed exactly when an upstream instance is failed or
// upstream_failed, whatever its when: then Airflow's leaf rule judges the
// run as DESIGN 2.4 does and the DAG needs no watcher.
func leafRuleHolds(t *testing.T, tr ir.Trigger) bool {
	t.Helper()
	for _, up := range upstreamCombos() {
		failing := false
		for _, s := range up {
			failing = failing || ir.Failing.Has(s)
		}
		for _, when := range []func() (bool, error){nil, func() (bool, error) { return false, nil }} {
			d, err := ir.Decide(tr, up, when)
			if err != nil {
				t.Fatal(err)
			}
			if (d == ir.PropagateFailure) != failing {
				return false
			}
		}
	}
	return true
}

// TestWatcherOnlyWhereNeeded: the run-state watcher is rendered exactly
// when Airflow's leaf rule could judge a run differently from DESIGN 2.4,
// decided here from the truth table of ir.Decide, not from a list.
func TestWatcherOnlyWhereNeeded(t *testing.T) {
	pipeline := func(name string, tasks ...*ir.Task) *ir.Pipeline {
		p := &ir.Pipeline{Name: name, Timezone: "UTC", Tasks: tasks}
		ir.Normalize(p)
		if diags := ir.Validate(p); diags.HasErrors() {
			t.Fatal(diags)
		}
		return p
	}
	hasWatcher := func(p *ir.Pipeline) bool {
		t.Helper()
		data, diags := render(p)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		text := string(data)
		got := strings.Contains(text, `task_id="dagc.run_state"`)
		// An items task is the only other PythonOperator.
		python := strings.Contains(text, "PythonOperator")
		if got != strings.Contains(text, "dagc_check_run") || python != (got || strings.Contains(text, "__items = PythonOperator(")) {
			t.Errorf("%s: the watcher, dagc_check_run and the PythonOperator import must come together:\n%s", p.Name, text)
		}
		return got
	}
	sawBoth := map[bool]bool{}
	for _, tr := range ir.DesignTriggers {
		a, b := plainTask("a", "true"), plainTask("b", "true")
		c := plainTask("c", "true")
		c.Edges, c.Trigger = ir.EdgesFrom("a", "b"), tr
		want := !leafRuleHolds(t, tr)
		sawBoth[want] = true
		if got := hasWatcher(pipeline("t_"+string(tr), a, b, c)); got != want {
			t.Errorf("trigger %s below two tasks: watcher %v, want %v", tr, got, want)
		}
		// Without upstream, Airflow runs the task whatever its rule.
		if got := hasWatcher(pipeline("root_"+string(tr), func() *ir.Task { x := plainTask("x", "true"); x.Trigger = tr; return x }())); got {
			t.Errorf("trigger %s on a task without upstream: a watcher, want none", tr)
		}
	}
	if !sawBoth[true] || !sawBoth[false] {
		t.Fatalf("the truth table gave the same answer for every trigger: %v", sawBoth)
	}
	tolerated := plainTask("b", "false")
	tolerated.AllowFailure = true
	if !hasWatcher(pipeline("tolerated", plainTask("a", "true"), tolerated)) {
		t.Error("allow_failure: no watcher, want one (Airflow would fail the run on the tolerated leaf)")
	}
	notify := plainTask("notify", "true")
	notify.Final, notify.Trigger = true, ir.AllDone
	if !hasWatcher(pipeline("final", plainTask("a", "false"), notify)) {
		t.Error("a final task: no watcher, want one (it runs under all_done over a failure)")
	}
	dyn := plainTask("each", "echo")
	dyn.ForEach = &ir.ForEach{Source: &ir.Ref{Kind: ir.RefOutput, Task: "list", Name: "items"}}
	dyn.Edges = ir.EdgesFrom("list")
	list := plainTask("list", "true")
	list.Outputs = []string{"items"}
	if hasWatcher(pipeline("dynamic", list, dyn)) {
		t.Error("a run-time fan-out under all_success: a watcher, want none")
	}
}

// TestNoWatcherRunFails runs, in real Airflow, a DAG without a watcher in
// which a task that is not a leaf fails while another upstream of its
// dependent still runs: the failure reaches the leaves as upstream_failed
// and Airflow fails the run, once every task has ended, as DESIGN 2.4 says.
func TestNoWatcherRunFails(t *testing.T) {
	py := realAirflow(t)
	boom := plainTask("boom", "sh", "-c", "exit 1")
	slow := plainTask("slow", "true")
	x := plainTask("x", "true")
	x.Edges = ir.EdgesFrom("boom", "slow")
	y := plainTask("y", "true")
	y.Edges, y.Trigger = ir.EdgesFrom("x"), ir.NoneFailed
	ok := plainTask("ok", "true")
	ok.Edges = ir.EdgesFrom("slow")
	p := &ir.Pipeline{Name: "no_watcher", Timezone: "UTC", Tasks: []*ir.Task{boom, slow, x, y, ok}}
	ir.Normalize(p)
	if diags := ir.Validate(p); diags.HasErrors() {
		t.Fatal(diags)
	}
	data, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if strings.Contains(string(data), watcherTaskID) {
		t.Fatalf("the DAG has a watcher, want none:\n%s", data)
	}
	dag := filepath.Join(t.TempDir(), "no_watcher.py")
	writeDAG(t, dag, data)
	r := runOrderCheck(t, py, dag)
	t.Logf("%+v", r)
	if r.HeldPasses < 2 {
		t.Fatalf("the scheduler loop evaluated the DAG %d times while slow ran after boom failed; want at least 2", r.HeldPasses)
	}
	for task, want := range map[string]string{"boom": "failed", "slow": "success", "x": "upstream_failed", "y": "upstream_failed", "ok": "success"} {
		if got := r.States[task]; got != want {
			t.Errorf("%s ended %q, want %s", task, got, want)
		}
	}
	if r.Run != "failed" {
		t.Errorf("run ended %s, want failed", r.Run)
	}
}
