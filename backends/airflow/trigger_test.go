package airflow

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

// gatePipeline exercises one_failed (rendered as all_done plus the
// failed-upstream check) in every situation TestEngine can run: it is
// compared with the local runner there, and checkGate states the expected
// outcome independently.
func gatePipeline() *ir.Pipeline {
	sh := func(name, script string, upstream ...string) *ir.Task {
		t := plainTask(name, "sh", "-c", script)
		t.Edges = ir.EdgesFrom(upstream...)
		return t
	}
	handler := func(name string, upstream ...string) *ir.Task {
		t := sh(name, "echo handling", upstream...)
		t.Trigger = ir.OneFailed
		return t
	}
	fail := sh("fail", "exit 1")
	pass := sh("pass", "true")
	pass2 := sh("pass2", "true")
	wordIsXYZ := &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq,
		Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "word"}}, Right: ir.Operand{Lit: "xyz", LitKind: ir.LitString}}
	// Skipped by a false when; it would publish x.
	off := sh("off", `echo 1 > "$DAGC_OUTPUTS/x"`)
	off.Outputs, off.When = []string{"x"}, wordIsXYZ
	// One instance of a for_each upstream fails.
	fan := plainTask("fan", "true")
	fan.ForEach = ir.StringItems("a", "b")
	fan.Run = ir.Template{Command: []ir.Str{ir.Lit("sh"), ir.Lit("-c"), ir.Lit(`test "$0" = a`), ir.EachKey()}}

	mixed := handler("mixed", "fail", "pass")
	allOK := handler("all_ok", "pass", "pass2")
	onlySkipped := handler("only_skipped", "off")
	afterFan := handler("after_fan", "fan")
	// The trigger does not hold, so neither the numeric when (word is not
	// a number: evaluating it would fail the task) nor the reference to
	// off's unpublished output may be looked at: the task is skipped.
	unevaluated := handler("unevaluated", "pass", "off")
	unevaluated.When = &ir.Cond{Op: ir.CondCompare, Cmp: ir.Gt, Numeric: true,
		Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "word"}}, Right: ir.Operand{Lit: "1", LitKind: ir.LitNumber}}
	unevaluated.Run.Command = append(unevaluated.Run.Command, ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefOutput, Task: "off", Name: "x"}}}})
	// The trigger holds, then when is false.
	whenFalse := handler("when_false", "fail")
	whenFalse.When = wordIsXYZ
	// A KubernetesPodOperator handler whose trigger does not hold is
	// skipped before any pod is made (no cluster needed).
	pod := handler("pod_gate", "pass")
	pod.Settings = []*ir.Settings{settings.Block("airflow", ir.LevelTask, map[string]any{"operator": "kubernetes"})}
	pod.Run.Image = ir.Lit("alpine:3.20")
	// for_each handlers: each instance checks the trigger.
	mappedRuns := handler("mapped_runs", "fail")
	mappedSkips := handler("mapped_skips", "pass")
	for _, m := range []*ir.Task{mappedRuns, mappedSkips} {
		m.ForEach = ir.StringItems("x", "y")
		m.Run = ir.Template{Command: []ir.Str{ir.Lit("echo"), ir.EachKey()}}
	}
	// No upstream: runs whatever its trigger, on every dagc engine.
	alone := handler("alone")
	return &ir.Pipeline{Name: "one_failed_gate", Timezone: "UTC",
		Params: []*ir.Param{{Name: "word", Type: ir.ParamString, Default: "abc", HasDefault: true}},
		Tasks:  []*ir.Task{fail, pass, pass2, off, fan, mixed, allOK, onlySkipped, afterFan, unevaluated, whenFalse, pod, mappedRuns, mappedSkips, alone}}
}

func checkGate(t *testing.T, final map[string]trace.Record, run string) {
	for task, want := range map[string]string{
		"fail": "failed", "pass": "success", "off": "skipped", "fan[a]": "success", "fan[b]": "failed",
		"mixed": "success", "all_ok": "skipped", "only_skipped": "skipped", "after_fan": "success",
		"unevaluated": "skipped", "when_false": "skipped", "pod_gate": "skipped",
		"mapped_runs[x]": "success", "mapped_runs[y]": "success", "mapped_skips[x]": "skipped", "mapped_skips[y]": "skipped",
		"alone": "success",
	} {
		if got := final[task].State; got != want {
			t.Errorf("%s ended %q, want %s", task, got, want)
		}
	}
	if run != "failed" {
		t.Errorf("run ended %s, want failed", run)
	}
}

// orderPipeline: handlers of every trigger over a failing and a slower
// task. check_order.py keeps "slow" running while Airflow's scheduler
// loop evaluates everything else.
func orderPipeline() *ir.Pipeline {
	boom := plainTask("boom", "sh", "-c", "exit 1")
	slow := plainTask("slow", "true")
	var tasks = []*ir.Task{boom, slow}
	for _, tr := range []ir.Trigger{ir.OneFailed, ir.AllFailed, ir.AllDone} {
		h := plainTask("on_"+string(tr), "echo", "handled")
		h.Edges, h.Trigger = ir.EdgesFrom("boom", "slow"), tr
		tasks = append(tasks, h)
	}
	// one_success keeps Airflow's rule, which makes the handler ready as
	// soon as quick succeeded; its gate reschedules it until slow ends.
	quick := plainTask("quick", "true")
	h := plainTask("on_one_success", "echo", "handled")
	h.Edges, h.Trigger = ir.EdgesFrom("boom", "quick", "slow"), ir.OneSuccess
	none := plainTask("no_success", "echo", "never")
	none.Edges, none.Trigger = ir.EdgesFrom("boom"), ir.OneSuccess
	tasks = append(tasks, quick, h, none)
	return &ir.Pipeline{Name: "order", Timezone: "UTC", Tasks: tasks}
}

// withoutTask drops the reports about one task.
func withoutTask(reports []string, task string) []string {
	var out []string
	for _, r := range reports {
		if !strings.HasPrefix(r, task+" ") {
			out = append(out, r)
		}
	}
	return out
}

type orderReport struct {
	HeldPasses  int               `json:"held_passes"`
	Violations  []string          `json:"violations"`
	Ancestors   []string          `json:"ancestor_violations"`
	Deps        map[string]bool   `json:"deps_met_while_held"`
	Started     []string          `json:"started_violations"`
	Rescheduled []string          `json:"rescheduled"`
	States      map[string]string `json:"states"`
	Run         string            `json:"run"`
}

// runOrderCheck runs conformance/airflow/check_order.py on a DAG file.
func runOrderCheck(t *testing.T, py, dag string, probes ...string) orderReport {
	t.Helper()
	out := dag + ".report.json"
	args := []string{filepath.Join(repoRoot, "conformance", "airflow", "check_order.py"), dag, "--hold", "slow", "--report", out}
	for _, p := range probes {
		args = append(args, "--probe", p)
	}
	cmd := exec.Command(py, args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("check_order.py: %v\n%s", err, tail(logs.String(), 40))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r orderReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("check_order.py report: %v\n%s", err, b)
	}
	return r
}

// TestTriggerWaitsForEveryUpstream proves, with Airflow's own scheduling
// decisions, that a one_failed task (and the run-state watcher) cannot
// start while an upstream is still running, even after another upstream
// failed; dag.test() alone runs tasks one at a time and would hide it.
// The same check on the plain one_failed rule finds the early start, so
// the check can fail. A one_success handler may become ready early
// (it keeps Airflow's rule) but is rescheduled, its command not run,
// until slow ended; without its gate it runs while slow runs.
func TestTriggerWaitsForEveryUpstream(t *testing.T) {
	py := realAirflow(t)
	p := orderPipeline()
	ir.Normalize(p)
	if diags := ir.Validate(p); diags.HasErrors() {
		t.Fatal(diags)
	}
	data, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dir := t.TempDir()
	dag := filepath.Join(dir, "order.py")
	writeDAG(t, dag, data)
	probes := []string{"on_one_failed", "on_all_failed", watcherTaskID}
	r := runOrderCheck(t, py, dag, probes...)
	t.Logf("generated DAG: %+v", r)
	if r.HeldPasses < 2 {
		t.Fatalf("the scheduler loop evaluated the DAG %d times while slow ran after boom failed; want at least 2", r.HeldPasses)
	}
	// on_one_success may become ready (Airflow's one_success), but its
	// command must not run before slow ended.
	if v, a := withoutTask(r.Violations, "on_one_success"), withoutTask(r.Ancestors, "on_one_success"); len(v)+len(a) > 0 {
		t.Errorf("tasks became runnable before all their upstream tasks finished: %v %v", v, a)
	}
	if len(r.Started) > 0 {
		t.Errorf("tasks ran before all their upstream tasks finished: %v", r.Started)
	}
	if len(r.Rescheduled) == 0 || !strings.HasPrefix(r.Rescheduled[0], "on_one_success rescheduled while slow") {
		t.Errorf("rescheduled = %q, want on_one_success rescheduled while slow runs", r.Rescheduled)
	}
	for _, task := range []string{"on_one_failed", "on_all_failed", watcherTaskID} {
		if met, ok := r.Deps[task]; !ok || met {
			t.Errorf("%s: dependencies met while slow was running = %v (evaluated: %v), want false", task, met, ok)
		}
	}
	for task, want := range map[string]string{"boom": "failed", "slow": "success", "on_one_failed": "success",
		"on_all_failed": "skipped", "on_all_done": "success", "quick": "success", "on_one_success": "success",
		"no_success": "upstream_failed", watcherTaskID: "failed"} {
		if got := r.States[task]; got != want {
			t.Errorf("%s ended %q, want %s", task, got, want)
		}
	}
	if r.Run != "failed" {
		t.Errorf("run ended %s, want failed", r.Run)
	}

	// Control: under Airflow's own one_failed the handler and the watcher
	// become ready while slow still runs, and without its gate
	// on_one_success runs then.
	old := strings.Replace(string(data), "task_id=\"on_one_failed\",\n        trigger_rule=\"all_done\",", "task_id=\"on_one_failed\",\n        trigger_rule=\"one_failed\",", 1)
	watcher := "python_callable=dagc_check_run(), trigger_rule=\"all_done\""
	if old == string(data) || !strings.Contains(old, watcher) {
		t.Fatal("the on_one_failed handler or the watcher is not rendered as expected")
	}
	old = strings.Replace(old, watcher, strings.Replace(watcher, "all_done", "one_failed", 1), 1)
	gate := `when="{{ 'true' if dagc_wait_upstream(ti) else 'trigger' }}"`
	at := strings.Index(old, `task_id="on_one_success",`)
	if at < 0 || !strings.Contains(old[at:], gate) {
		t.Fatal("the on_one_success gate is not rendered as expected")
	}
	old = old[:at] + strings.Replace(old[at:], gate, `when="true"`, 1)
	writeDAG(t, dag, []byte(old))
	r = runOrderCheck(t, py, dag, probes...)
	t.Logf("with trigger_rule=\"one_failed\": %+v", r)
	early := func(task string) bool {
		for _, v := range r.Violations {
			if strings.HasPrefix(v, task+" ready while ") && strings.Contains(v, "slow") {
				return true
			}
		}
		return false
	}
	for _, task := range []string{"on_one_failed", watcherTaskID} {
		if !r.Deps[task] || !early(task) {
			t.Errorf("the check did not catch %s starting under Airflow's one_failed before slow ended: %+v", task, r)
		}
	}
	ranEarly := false
	for _, s := range r.Started {
		ranEarly = ranEarly || strings.HasPrefix(s, "on_one_success ran while ") && strings.Contains(s, "slow")
	}
	if !ranEarly {
		t.Errorf("the check did not catch on_one_success running under Airflow's one_success before slow ended: %+v", r)
	}
}

// TestEarlyDecisionTwoEdgesDown pins down the difference docs/airflow.md
// describes under "Early decisions": Airflow marks x upstream_failed as
// soon as boom fails, so cleanup (all_done after x) becomes ready while
// slow, two edges up, still runs. Every direct edge is still respected.
// If a later Airflow waits, this test says so and the docs can change.
func TestEarlyDecisionTwoEdgesDown(t *testing.T) {
	py := realAirflow(t)
	boom := plainTask("boom", "sh", "-c", "exit 1")
	slow := plainTask("slow", "true")
	x := plainTask("x", "true")
	x.Edges = ir.EdgesFrom("boom", "slow")
	cleanup := plainTask("cleanup", "true")
	cleanup.Edges, cleanup.Trigger = ir.EdgesFrom("x"), ir.AllDone
	p := &ir.Pipeline{Name: "two_edges", Timezone: "UTC", Tasks: []*ir.Task{boom, slow, x, cleanup}}
	ir.Normalize(p)
	if diags := ir.Validate(p); diags.HasErrors() {
		t.Fatal(diags)
	}
	data, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dag := filepath.Join(t.TempDir(), "two_edges.py")
	writeDAG(t, dag, data)
	r := runOrderCheck(t, py, dag)
	t.Logf("%+v", r)
	if len(r.Violations) > 0 {
		t.Errorf("a direct edge was not respected: %v", r.Violations)
	}
	if len(r.Ancestors) != 1 || !strings.HasPrefix(r.Ancestors[0], "cleanup ready while slow") {
		t.Errorf("ancestor violations = %q, want cleanup ready while slow runs (docs/airflow.md, Early decisions)", r.Ancestors)
	}
	if r.States["x"] != "upstream_failed" || r.States["cleanup"] != "success" {
		t.Errorf("states %v, want x upstream_failed and cleanup success", r.States)
	}
}
