package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

func TestRetryBackoff(t *testing.T) {
	dir := t.TempDir()
	// Fails twice, then succeeds.
	flaky := shTask("flaky", `echo x >> flaky.count; [ "$(wc -l < flaky.count)" -ge 3 ]`)
	flaky.Retry = ir.Retry{Attempts: 3, Delay: time.Second, Backoff: 2, MaxDelay: 10 * time.Second}
	// Always fails: 1 + 4 attempts, delays capped at 3s.
	broken := cmdTask("broken", "false")
	broken.Retry = ir.Retry{Attempts: 4, Delay: time.Second, Backoff: 2, MaxDelay: 3 * time.Second}
	clock := &fakeClock{}
	oc := runIt(t, context.Background(), pipeline(flaky), dir, Options{Clock: clock})
	wantStates(t, oc, map[string]ir.State{"flaky": S})
	if want := []time.Duration{time.Second, 2 * time.Second}; !reflect.DeepEqual(clock.delays, want) {
		t.Errorf("flaky delays %v, want %v", clock.delays, want)
	}
	if got := oc.inst("flaky").Attempts; got != 3 {
		t.Errorf("flaky attempts %d, want 3", got)
	}
	var states []string
	for _, r := range oc.recs {
		states = append(states, r.State)
	}
	if want := []string{"failed", "failed", "success"}; !reflect.DeepEqual(states, want) {
		t.Errorf("trace states %v, want %v", states, want)
	}

	clock = &fakeClock{}
	oc = runIt(t, context.Background(), pipeline(broken), dir, Options{Clock: clock})
	wantStates(t, oc, map[string]ir.State{"broken": F})
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}; !reflect.DeepEqual(clock.delays, want) {
		t.Errorf("broken delays %v, want %v", clock.delays, want)
	}
	if n := len(oc.recs); n != 5 {
		t.Errorf("%d trace records, want 5", n)
	}
	for k, r := range oc.recs {
		if r.Attempt != k+1 || r.State != "failed" {
			t.Errorf("record %d: %+v", k, r)
		}
	}
	// One log file per attempt.
	logs, _ := filepath.Glob(filepath.Join(oc.res.Dir, "logs", "broken.*.log"))
	if len(logs) != 5 {
		t.Errorf("log files %v, want 5", logs)
	}
}

// A timeout ends the task's whole process group: the grandchild it put in
// the background is gone too, and the attempt is retried.
func TestTimeoutKillsGrandchild(t *testing.T) {
	for _, tc := range []struct{ name, script string }{
		{"term", `sleep 1000 & echo $! > gc.$DAGC_RUN_ID.pid; wait`},
		{"ignores-term", `trap '' TERM; sleep 1000 & echo $! > gc.$DAGC_RUN_ID.pid; wait`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			task := shTask("slow", tc.script)
			task.Timeout = 200 * time.Millisecond
			task.Retry = ir.Retry{Attempts: 1, Delay: time.Second, Backoff: 1}
			oc := runIt(t, context.Background(), pipeline(task, after(cmdTask("next", "true"), "slow")), dir,
				Options{RunID: "r1", Grace: 200 * time.Millisecond})
			wantStates(t, oc, map[string]ir.State{"slow": F, "next": UF})
			if got := oc.inst("slow").Attempts; got != 2 {
				t.Errorf("attempts %d, want 2", got)
			}
			if e := oc.inst("slow").Error; !strings.Contains(e, "timed out after 200ms") {
				t.Errorf("error %q", e)
			}
			waitGone(t, readPid(t, filepath.Join(dir, "gc.r1.pid")))
		})
	}
}

// A process left in the background by a task that succeeded is ended with
// the task.
func TestBackgroundLeftoverKilled(t *testing.T) {
	dir := t.TempDir()
	oc := runIt(t, context.Background(), pipeline(shTask("leaky", `sleep 1000 & echo $! > gc.pid`)), dir, Options{})
	wantStates(t, oc, map[string]ir.State{"leaky": S})
	waitGone(t, readPid(t, filepath.Join(dir, "gc.pid")))
}

// Cancelling the context (Ctrl-C in the CLI) ends running groups, starts
// nothing more, journals nothing for the interrupted task.
func TestInterruptInProcess(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		readPid(t, filepath.Join(dir, "gc.pid"))
		cancel()
	}()
	p := pipeline(
		shTask("long", `sleep 1000 & echo $! > gc.pid; wait`),
		after(cmdTask("next", "touch", "next-ran"), "long"),
	)
	oc := runIt(t, ctx, p, dir, Options{})
	if !oc.res.Interrupted || oc.res.State != ir.Failed {
		t.Errorf("interrupted=%v state=%s", oc.res.Interrupted, oc.res.State)
	}
	wantStates(t, oc, map[string]ir.State{"long": "", "next": ""})
	waitGone(t, readPid(t, filepath.Join(dir, "gc.pid")))
	if _, err := os.Stat(filepath.Join(dir, "next-ran")); err == nil {
		t.Error("next started after the interrupt")
	}
	j, _ := readJournal(oc.res.Dir)
	if len(j) != 0 {
		t.Errorf("journal has %v", j)
	}
}

func TestRunTimeout(t *testing.T) {
	dir := t.TempDir()
	p := pipeline(
		cmdTask("quick", "true"),
		after(shTask("slow", `sleep 1000 & echo $! > gc.pid; wait`), "quick"),
		after(cmdTask("after_slow", "true"), "slow"),
		after(withTrigger(cmdTask("cleanup", "true"), ir.AllDone), "slow"),
	)
	p.Timeout = 300 * time.Millisecond
	oc := runIt(t, context.Background(), p, dir, Options{})
	// DESIGN 2.4: the running attempt ends failed, what never started
	// (even an all_done task) upstream_failed, and the run fails.
	wantStates(t, oc, map[string]ir.State{"quick": S, "slow": F, "after_slow": UF, "cleanup": UF})
	if !oc.res.TimedOut || oc.res.State != ir.Failed {
		t.Errorf("timedOut=%v state=%s", oc.res.TimedOut, oc.res.State)
	}
	waitGone(t, readPid(t, filepath.Join(dir, "gc.pid")))
	// The trace marks what the timeout decided, and only that: the suite
	// maps those records to each engine's own states.
	wantTimedOut(t, oc, map[string]bool{"quick": false, "slow": true, "after_slow": true, "cleanup": true})
}

// wantTimedOut checks the timed_out mark of each instance's last record.
func wantTimedOut(t *testing.T, oc *outcome, want map[string]bool) {
	t.Helper()
	final := trace.Final(oc.recs)
	for name, w := range want {
		if got := final[name].TimedOut; got != w {
			t.Errorf("%s: last trace record timed_out=%v, want %v (%+v)", name, got, w, final[name])
		}
	}
}

// Issue 13 item 15: a run timeout fails the run even when the only attempt
// it cut has allow_failure, and a final task that had not started is
// upstream_failed like any other.
func TestRunTimeoutFailsTheRunDespiteAllowFailure(t *testing.T) {
	slow := cmdTask("slow", "sleep", "1000")
	slow.AllowFailure = true
	notify := cmdTask("notify", "true")
	notify.Final = true
	notify.Trigger = ir.AllDone
	p := pipeline(slow, notify)
	p.Timeout = 300 * time.Millisecond
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"slow": F, "notify": UF})
	if oc.res.State != ir.Failed || oc.run != string(ir.Failed) {
		t.Errorf("run state %s (trace %s), want failed", oc.res.State, oc.run)
	}
	wantTimedOut(t, oc, map[string]bool{"slow": true, "notify": true})
}

// neverClock never fires a retry, so a run timeout finds the task waiting
// for one.
type neverClock struct{}

func (neverClock) Now() time.Time { return time.Now() }
func (neverClock) AfterFunc(time.Duration, func()) (stop func() bool) {
	return func() bool { return true }
}

// A task waiting for its retry when the run timeout expires ends failed,
// marked as the timeout's (Airflow's scheduler ends an up_for_retry task
// instance as it ends a running one).
func TestRunTimeoutDuringARetryDelay(t *testing.T) {
	flaky := cmdTask("flaky", "false")
	flaky.Retry = ir.Retry{Attempts: 3, Delay: time.Hour, Backoff: 1}
	p := pipeline(flaky, after(cmdTask("next", "true"), "flaky"))
	p.Timeout = 300 * time.Millisecond
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{Clock: neverClock{}})
	wantStates(t, oc, map[string]ir.State{"flaky": F, "next": UF})
	if got := oc.inst("flaky").Attempts; got != 1 {
		t.Errorf("flaky made %d attempts, want 1", got)
	}
	wantTimedOut(t, oc, map[string]bool{"flaky": true, "next": true})
	if oc.res.State != ir.Failed {
		t.Errorf("run state %s", oc.res.State)
	}
}

func TestFailFast(t *testing.T) {
	p := pipeline(
		cmdTask("bad", "false"),
		after(cmdTask("after_bad", "true"), "bad"),
		after(cmdTask("later", "true"), "bad2"),
		cmdTask("bad2", "sh", "-c", "sleep 0.2"),
	)
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{FailFast: true, Jobs: 2})
	wantStates(t, oc, map[string]ir.State{"bad": F, "after_bad": UF, "bad2": S, "later": ""})
	if oc.res.State != ir.Failed {
		t.Errorf("state %s", oc.res.State)
	}
}

// Concurrency 1 caps -j: two tasks holding a lock directory at the same
// time would make one of them fail.
func TestConcurrencyCap(t *testing.T) {
	var tasks []*ir.Task
	for _, n := range []string{"a", "b", "c", "d"} {
		tasks = append(tasks, shTask(n, `mkdir lock; sleep 0.05; rmdir lock`))
	}
	p := pipeline(tasks...)
	p.Concurrency = 1
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{Jobs: 4})
	wantStates(t, oc, map[string]ir.State{"a": S, "b": S, "c": S, "d": S})
}

// max_parallel caps one for_each task below -j. Each instance waits (up
// to 0.5s) until three instances have started, so without the cap three or
// more overlap at once; the overlap is read from the trace's attempt times.
// One instance fails its first attempt: a retry counts under the cap too.
func TestMaxParallel(t *testing.T) {
	dir := t.TempDir()
	marks := filepath.Join(dir, "marks")
	if err := os.Mkdir(marks, 0o755); err != nil {
		t.Fatal(err)
	}
	s := ir.Lit(`f="$MARKS/$DAGC_INSTANCE"; first=true
if [ -e "$f" ]; then f="$f.again"; first=false; fi
touch "$f"; n=0
while [ "$(ls "$MARKS" | wc -l)" -lt 3 ] && [ $n -lt 10 ]; do sleep 0.05; n=$((n + 1)); done
! { [ "$DAGC_INSTANCE" = c ] && $first; }`)
	fan := &ir.Task{Name: "fan", ForEach: ir.StringItems("a", "b", "c", "d", "e", "f"), Trigger: ir.AllSuccess,
		Retry: ir.Retry{Attempts: 1, Backoff: 1},
		Run:   ir.Template{Script: &s, Shell: ir.Lits("sh", "-euc"), Env: []ir.EnvVar{{Name: "MARKS", Value: ir.Lit(marks)}}}}
	fan.ForEach.MaxParallel = 2
	oc := runIt(t, context.Background(), pipeline(fan), dir, Options{Jobs: 6})
	wantStates(t, oc, map[string]ir.State{"fan[a]": S, "fan[b]": S, "fan[c]": S, "fan[d]": S, "fan[e]": S, "fan[f]": S})
	var attempts []trace.Record
	for _, r := range oc.recs {
		if r.Task == "fan" && r.Attempt > 0 {
			attempts = append(attempts, r)
		}
	}
	if len(attempts) != 7 {
		t.Fatalf("%d attempts in the trace, want 7 (six instances, one retry)", len(attempts))
	}
	most := 0
	for _, a := range attempts {
		n := 0 // attempts running at a's start, a included
		for _, b := range attempts {
			if !b.Start.After(a.Start) && b.End.After(a.Start) {
				n++
			}
		}
		most = max(most, n)
	}
	if most != 2 {
		t.Errorf("at most %d attempts of fan overlapped, want exactly max_parallel = 2", most)
	}
}

func TestOutputs(t *testing.T) {
	dir := t.TempDir()
	prod := shTask("prod", `echo 42 > "$DAGC_OUTPUTS/n"; printf 'a\nb' > "$DAGC_OUTPUTS/multi"`)
	prod.Outputs = []string{"n", "multi"}
	missing := shTask("missing", `echo 1 > "$DAGC_OUTPUTS/a"`)
	missing.Outputs = []string{"a", "b"}
	huge := shTask("huge", `head -c 32769 /dev/zero | tr '\0' x > "$DAGC_OUTPUTS/v"`)
	huge.Outputs = []string{"v"}
	exact := shTask("exact", `head -c 32768 /dev/zero | tr '\0' x > "$DAGC_OUTPUTS/v"; echo >> "$DAGC_OUTPUTS/v"`)
	exact.Outputs = []string{"v"}
	cons := after(cmdTask("cons", os.Args[0], "N", "MULTI"), "prod")
	cons.Run.Command[1] = refStr("n=", outputRef("prod", "n"))
	cons.Run.Command[2] = refStr(outputRef("prod", "multi"))
	cons.Run.Env = []ir.EnvVar{{Name: "DAGC_TEST_ARGV_OUT", Value: ir.Lit(filepath.Join(dir, "cons.json"))}}
	// all_done runs after a failed producer, but its output does not exist.
	orphan := after(withTrigger(cmdTask("orphan", "echo", "X"), ir.AllDone), "missing")
	orphan.Run.Command[1] = refStr(outputRef("missing", "a"))

	oc := runIt(t, context.Background(), pipeline(prod, missing, huge, exact, cons, orphan), dir, Options{})
	wantStates(t, oc, map[string]ir.State{"prod": S, "missing": F, "huge": F, "exact": S, "cons": S, "orphan": F})
	if e := oc.inst("missing").Error; !strings.Contains(e, `declared output "b" was not written`) {
		t.Errorf("missing: %q", e)
	}
	if e := oc.inst("huge").Error; !strings.Contains(e, "32 KiB") {
		t.Errorf("huge: %q", e)
	}
	if e := oc.inst("orphan").Error; !strings.Contains(e, "task.missing.outputs.a is not available: missing ended failed") {
		t.Errorf("orphan: %q", e)
	}
	if got := oc.inst("prod").Outputs; !reflect.DeepEqual(got, map[string]string{"n": "42", "multi": "a\nb"}) {
		t.Errorf("prod outputs %q", got)
	}
	if n := len(oc.inst("exact").Outputs["v"]); n != ir.MaxOutputBytes {
		t.Errorf("exact: %d bytes", n)
	}
	got := readArgv(t, filepath.Join(dir, "cons.json"))
	if want := []string{"n=42", "a\nb"}; !reflect.DeepEqual(got.Args, want) {
		t.Errorf("cons args %q, want %q", got.Args, want)
	}
	for _, r := range oc.recs {
		if r.Task == "prod" && r.Outputs["n"] != "42" {
			t.Errorf("trace of prod has outputs %v", r.Outputs)
		}
	}
}

type argvDump struct {
	Args []string          `json:"args"`
	Env  map[string]string `json:"env"`
}

func readArgv(t *testing.T, path string) argvDump {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d argvDump
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// for_each: each instance runs on its own, a dependent waits for all, an
// output reference is a JSON array in instance order, `when` applies per
// instance.
func TestForEach(t *testing.T) {
	dir := t.TempDir()
	keys := []string{"b<&>", "a", "c/d"}
	s := ir.Lit(`printf %s "$DAGC_INSTANCE" > "$DAGC_OUTPUTS/acc"`)
	train := &ir.Task{Name: "train", ForEach: ir.StringItems(keys...), Trigger: ir.AllSuccess, Outputs: []string{"acc"},
		Run: ir.Template{Script: &s, Shell: ir.Lits("sh", "-euc")}}
	eval := after(cmdTask("eval", os.Args[0], "ACC"), "train")
	eval.Run.Command[1] = refStr(outputRef("train", "acc"))
	eval.Run.Env = []ir.EnvVar{{Name: "DAGC_TEST_ARGV_OUT", Value: ir.Lit(filepath.Join(dir, "eval.json"))}}
	oc := runIt(t, context.Background(), pipeline(train, eval), dir, Options{})
	wantStates(t, oc, map[string]ir.State{"train[b<&>]": S, "train[a]": S, "train[c/d]": S, "eval": S})
	got := readArgv(t, filepath.Join(dir, "eval.json")).Args[0]
	if want := `["b<&>","a","c/d"]`; got != want {
		t.Errorf("eval got %s, want %s", got, want)
	}
	if eval := oc.inst("eval"); eval.Start.Before(oc.inst("train[c/d]").End) {
		t.Error("eval started before every instance of train ended")
	}

	// One failing instance fails the dependents of the whole task; `when`
	// skips instances one by one.
	ms := ir.Lit(`[ "$DAGC_INSTANCE" = ok ]`)
	mixed := &ir.Task{Name: "m", ForEach: ir.StringItems("ok", "bad"), Trigger: ir.AllSuccess,
		Run: ir.Template{Script: &ms, Shell: ir.Lits("sh", "-euc")}}
	p := pipeline(mixed, after(cmdTask("next", "true"), "m"), after(withTrigger(cmdTask("handler", "true"), ir.OneFailed), "m"))
	oc = runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"m[ok]": S, "m[bad]": F, "next": UF, "handler": S})
}

// Hostile strings reach the process byte for byte, through literals,
// params, outputs and env, and no shell sees them.
func TestHostileStrings(t *testing.T) {
	dir := t.TempDir()
	hostile := []string{
		`it's "quoted"`, `{{ params.x }}`, `{% raw %}`, `$(touch pwned1)`, "`touch pwned2`",
		"line1\nline2", "ünïcødé ✓ 日本", `; touch pwned3 #`, `back\slash\`, `$HOME ${HOME}`,
		`%s %d`, "tab\there", "", " lead and trail ", `\n`, "<script>&amp;",
	}
	prod := &ir.Task{Name: "prod", Trigger: ir.AllSuccess, Outputs: []string{"v"}, Run: ir.Template{
		Command: lits("sh", "-c", `printf %s "$1" > "$DAGC_OUTPUTS/v"`, "sh", strings.Join(hostile, "|")),
	}}
	argv := []ir.Str{ir.Lit(os.Args[0])}
	for _, h := range hostile {
		argv = append(argv, ir.Lit(h))
	}
	argv = append(argv, refStr("p=", paramRef("x"), "!"), refStr(outputRef("prod", "v")))
	cons := after(&ir.Task{Name: "cons", Trigger: ir.AllSuccess, Run: ir.Template{
		Command: argv,
		Env: []ir.EnvVar{
			{Name: "DAGC_TEST_ARGV_OUT", Value: ir.Lit(filepath.Join(dir, "out.json"))},
			{Name: "HOSTILE_ENV", Value: refStr(hostile[3], paramRef("x"))},
		},
	}}, "prod")
	p := pipeline(prod, cons)
	p.Params = []*ir.Param{{Name: "x", Type: ir.ParamString}}
	paramValue := "`touch pwned4` $(touch pwned5) {{x}} '\"\n"
	oc := runIt(t, context.Background(), p, dir, Options{Params: map[string]string{"x": paramValue}})
	wantStates(t, oc, map[string]ir.State{"prod": S, "cons": S})
	got := readArgv(t, filepath.Join(dir, "out.json"))
	want := append(append([]string{}, hostile...), "p="+paramValue+"!", strings.Join(hostile, "|"))
	if !reflect.DeepEqual(got.Args, want) {
		t.Errorf("args:\n got %q\nwant %q", got.Args, want)
	}
	if got.Env["HOSTILE_ENV"] != hostile[3]+paramValue {
		t.Errorf("env %q", got.Env["HOSTILE_ENV"])
	}
	pwned, _ := filepath.Glob(filepath.Join(dir, "pwned*"))
	if len(pwned) > 0 {
		t.Errorf("a hostile string was executed: %v", pwned)
	}
}

func TestEnvAndWorkdir(t *testing.T) {
	dir := t.TempDir()
	cwd := filepath.Join(dir, "cwd")
	for _, d := range []string{"sub", "cwd"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	task := cmdTask("t", "sh", "-c", `echo "$INHERITED|$OWN|$DAGC_RUN_ID|$DAGC_TASK|$DAGC_INSTANCE|$(pwd)" > env.txt`)
	task.Run.Workdir = ir.Lit("sub")
	task.Run.Env = []ir.EnvVar{{Name: "OWN", Value: refStr("d=", &ir.Ref{Kind: ir.RefRunDate})}, {Name: "INHERITED", Value: ir.Lit("overridden")}}
	oc := runIt(t, context.Background(), pipeline(task, cmdTask("plain", "sh", "-c", `echo "$INHERITED" > plain.txt`)), dir,
		Options{RunID: "rid", Date: "2026-02-03", Dir: cwd, Environ: []string{"INHERITED=parent", "PATH=" + os.Getenv("PATH")}})
	wantStates(t, oc, map[string]ir.State{"t": S, "plain": S})
	b, err := os.ReadFile(filepath.Join(dir, "sub", "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(filepath.Join(dir, "sub"))
	if want := "overridden|d=2026-02-03|rid|t||" + real + "\n"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
	// A task without workdir runs in dagc's current directory.
	b, _ = os.ReadFile(filepath.Join(cwd, "plain.txt"))
	if string(b) != "parent\n" {
		t.Errorf("inherited env: %q", b)
	}
}

func TestCommandNotFound(t *testing.T) {
	oc := runIt(t, context.Background(), pipeline(cmdTask("t", "no-such-program-dagc")), t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"t": F})
	if e := oc.inst("t").Error; !strings.Contains(e, "cannot start") {
		t.Errorf("error %q", e)
	}
}

func TestOutputLinesPrefixed(t *testing.T) {
	dir := t.TempDir()
	oc := runIt(t, context.Background(), pipeline(shTask("talk", `echo hello; echo oops >&2; printf 'no newline'`)), dir, Options{})
	for _, want := range []string{"talk | hello\n", "talk | oops\n", "talk | no newline\n", "TASK", "logs: "} {
		if !strings.Contains(oc.out, want) {
			t.Errorf("output lacks %q:\n%s", want, oc.out)
		}
	}
	log, err := os.ReadFile(filepath.Join(oc.res.Dir, "logs", "talk.1.log"))
	if err != nil || !bytes.HasPrefix(log, []byte("hello\noops\nno newline")) {
		t.Errorf("log %q, %v", log, err)
	}
}

func TestResolveParams(t *testing.T) {
	p := pipeline()
	p.Params = []*ir.Param{
		{Name: "n", Type: ir.ParamNumber, Default: "3", HasDefault: true},
		{Name: "flag", Type: ir.ParamBool, Default: "false", HasDefault: true},
		{Name: "need", Type: ir.ParamString},
	}
	got, err := ResolveParams(p, map[string]string{"need": "x"})
	if err != nil || !reflect.DeepEqual(got, map[string]string{"n": "3", "flag": "false", "need": "x"}) {
		t.Errorf("defaults: %v %v", got, err)
	}
	for given, want := range map[string]string{
		"need=x,n=abc":    `param "n" is a number`,
		"need=x,flag=yes": `param "flag" is a bool`,
		"n=1":             `param "need" has no default`,
		"need=x,nope=1":   `unknown param nope`,
	} {
		m := map[string]string{}
		for _, kv := range strings.Split(given, ",") {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		_, err := ResolveParams(p, m)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want usage error %q", given, err, want)
		}
	}
	if _, err := ParseParamFlags([]string{"novalue"}); err == nil {
		t.Error("--param without = accepted")
	}
}

func TestPlan(t *testing.T) {
	dir := t.TempDir()
	task := cmdTask("t", "touch", "ARG")
	task.Run.Command[1] = refStr(filepath.Join(dir, "ran-"), paramRef("dataset"))
	task.Run.Image = ir.Lit("python:3.12")
	var b bytes.Buffer
	if err := Plan(&b, pipeline(task), 2); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"${param.dataset}", `"touch"`, "image and resources do not apply", "-j 2"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "ran-*")); len(m) > 0 {
		t.Error("dry run ran something")
	}
}

// Resume keeps what succeeded with its outputs, and re-runs what failed and
// everything downstream of it, even a task that had succeeded (all_done).
// The tasks are listed out of order on purpose.
func TestResumeKeepsSuccesses(t *testing.T) {
	dir := t.TempDir()
	a := shTask("a", `echo a >> runs; echo 7 > "$DAGC_OUTPUTS/v"`)
	a.Outputs = []string{"v"}
	b := after(shTask("b", `echo b >> runs; echo trying; [ -e gate ]`), "a")
	cleanup := after(withTrigger(shTask("cleanup", `echo cleanup >> runs`), ir.AllDone), "b")
	d := after(cmdTask("d", "sh", "-c", `echo "d $1" >> runs`, "sh", "V"), "a")
	d.Run.Command[4] = refStr(outputRef("a", "v"))
	p := pipeline(cleanup, d, b, a)
	oc := runIt(t, context.Background(), p, dir, Options{RunID: "r1"})
	wantStates(t, oc, map[string]ir.State{"a": S, "b": F, "cleanup": S, "d": S})

	os.WriteFile(filepath.Join(dir, "gate"), nil, 0o644)
	oc = runIt(t, context.Background(), p, dir, Options{RunID: "r1", Resume: true})
	wantStates(t, oc, map[string]ir.State{"a": S, "b": S, "cleanup": S, "d": S})
	if !oc.inst("a").Kept || !oc.inst("d").Kept || oc.inst("b").Kept || oc.inst("cleanup").Kept {
		t.Errorf("kept: a=%v d=%v b=%v cleanup=%v", oc.inst("a").Kept, oc.inst("d").Kept, oc.inst("b").Kept, oc.inst("cleanup").Kept)
	}
	runs, _ := os.ReadFile(filepath.Join(dir, "runs"))
	if want := "a\nb\nd 7\ncleanup\nb\ncleanup\n"; !sameLines(string(runs), want) {
		t.Errorf("runs:\n%s\nwant (any order):\n%s", runs, want)
	}
	// Attempt numbers continue: b's second run is attempt 2, its log kept.
	if got := oc.inst("b").Attempts; got != 2 {
		t.Errorf("b attempts %d, want 2", got)
	}
	for _, f := range []string{"b.1.log", "b.2.log"} {
		if _, err := os.Stat(filepath.Join(oc.res.Dir, "logs", f)); err != nil {
			t.Error(err)
		}
	}
	final := map[string]string{}
	for _, r := range oc.recs {
		final[r.Task] = r.State
		if r.Task == "a" && r.Outputs["v"] != "7" {
			t.Errorf("kept a in trace without its output: %+v", r)
		}
	}
	if len(final) != 4 {
		t.Errorf("resumed trace covers %v", final)
	}
}

func sameLines(a, b string) bool {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	sort.Strings(x)
	sort.Strings(y)
	return reflect.DeepEqual(x, y)
}

func TestJournalTornAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	j, err := openJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	j.append(journalRecord{Task: "a", State: "failed"})
	j.append(journalRecord{Task: "a", State: "success", Outputs: map[string]string{"v": "1\n2"}})
	j.f.WriteString(`{"task":"b","state":"succ`)
	j.close()
	recs, err := readJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs["a"].State != "success" || recs["a"].Outputs["v"] != "1\n2" {
		t.Errorf("records %+v", recs)
	}
	// The torn tail is cut, so the next append starts a clean line.
	j, _ = openJournal(dir)
	j.append(journalRecord{Task: "b", State: "success"})
	j.close()
	if recs, err = readJournal(dir); err != nil || recs["b"].State != "success" {
		t.Errorf("after append: %+v %v", recs, err)
	}
	// A bad line that is not the last is corruption, not a torn write.
	os.WriteFile(filepath.Join(dir, "journal.jsonl"), []byte("garbage\n{\"task\":\"a\",\"state\":\"success\"}\n"), 0o644)
	if _, err := readJournal(dir); err == nil || !strings.Contains(err.Error(), "journal.jsonl:1") {
		t.Errorf("corrupt journal: %v", err)
	}
}

// Ctrl-C after fail-fast has stopped scheduling still terminates the tasks
// that fail-fast let run.
func TestInterruptAfterFailFast(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		readPid(t, filepath.Join(dir, "gc.pid"))
		cancel()
	}()
	p := pipeline(
		cmdTask("bad", "sh", "-c", "touch bad.done; exit 1"),
		shTask("long", `while [ ! -e bad.done ]; do sleep 0.01; done; sleep 0.2; sleep 1000 & echo $! > gc.pid; wait`),
	)
	oc := runIt(t, ctx, p, dir, Options{FailFast: true, Jobs: 2})
	wantStates(t, oc, map[string]ir.State{"bad": F, "long": ""})
	waitGone(t, readPid(t, filepath.Join(dir, "gc.pid")))
}

// run.attempt and $DAGC_ATTEMPT are this attempt's number, from 1, in the
// command and the environment of every attempt; a task fails until its
// third attempt without any state shared through the file system.
func TestRunAttempt(t *testing.T) {
	attempt := &ir.Ref{Kind: ir.RefRunAttempt}
	flaky := &ir.Task{Name: "flaky", Trigger: ir.AllSuccess, Outputs: []string{"seen"}, Run: ir.Template{
		Command: []ir.Str{ir.Lit("sh"), ir.Lit("-c"),
			ir.Lit(`[ "$1" = "$DAGC_ATTEMPT" ] || exit 9; printf '%s/%s' "$1" "$WHICH" > "$DAGC_OUTPUTS/seen"; [ "$DAGC_ATTEMPT" -ge 3 ]`),
			ir.Lit("flaky"), refStr(attempt)},
		Env: []ir.EnvVar{{Name: "WHICH", Value: refStr("attempt ", attempt)}},
	}}
	flaky.Retry = ir.Retry{Attempts: 4, Delay: time.Second, Backoff: 1}
	plain := cmdTask("plain", "sh", "-c", `[ "$DAGC_ATTEMPT" = 1 ]`)
	oc := runIt(t, context.Background(), pipeline(flaky, plain), t.TempDir(), Options{Clock: &fakeClock{}})
	wantStates(t, oc, map[string]ir.State{"flaky": ir.Success, "plain": ir.Success})
	for _, r := range oc.res.Instances {
		if r.Task == "flaky" && (r.Attempts != 3 || r.Outputs["seen"] != "3/attempt 3") {
			t.Errorf("flaky: %d attempts, outputs %v; want 3 and seen = 3/attempt 3", r.Attempts, r.Outputs)
		}
	}
}

// retry { on_exit_codes }: only the listed exit codes are retried; another
// code, a timeout or a missing output is final at once.
func TestRetryOnExitCodes(t *testing.T) {
	codes := ir.Retry{Attempts: 3, Delay: time.Second, Backoff: 1, OnExitCodes: []int{75}}
	// 75 (retried), then 2: final after two attempts.
	mixed := cmdTask("mixed", "sh", "-c", `[ "$DAGC_ATTEMPT" = 1 ] && exit 75; exit 2`)
	mixed.Retry = codes
	// 75 until the third attempt, which succeeds.
	recovers := cmdTask("recovers", "sh", "-c", `[ "$DAGC_ATTEMPT" -ge 3 ] || exit 75`)
	recovers.Retry = codes
	final := cmdTask("final", "sh", "-c", "exit 3")
	final.Retry = codes
	slow := cmdTask("slow", "sleep", "5")
	slow.Retry, slow.Timeout = codes, 50*time.Millisecond
	missing := cmdTask("missing", "true")
	missing.Retry, missing.Outputs = codes, []string{"x"}
	any := cmdTask("any", "sh", "-c", "exit 3")
	any.Retry = ir.Retry{Attempts: 2, Delay: time.Second, Backoff: 1}
	oc := runIt(t, context.Background(), pipeline(mixed, recovers, final, slow, missing, any), t.TempDir(), Options{Clock: &fakeClock{}})
	wantStates(t, oc, map[string]ir.State{"mixed": ir.Failed, "recovers": ir.Success, "final": ir.Failed,
		"slow": ir.Failed, "missing": ir.Failed, "any": ir.Failed})
	want := map[string]int{"mixed": 2, "recovers": 3, "final": 1, "slow": 1, "missing": 1, "any": 3}
	for _, r := range oc.res.Instances {
		if r.Attempts != want[r.Task] {
			t.Errorf("%s: %d attempts, want %d (%s)", r.Task, r.Attempts, want[r.Task], r.Error)
		}
		if r.Task == "final" && !strings.Contains(r.Error, "not retried: exit code 3 is not in on_exit_codes [75]") {
			t.Errorf("final: error %q does not say why it was not retried", r.Error)
		}
	}
}
