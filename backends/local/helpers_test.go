package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

// TestMain lets the test binary act as a task program: with
// DAGC_TEST_ARGV_OUT set it writes its arguments and DAGC_* environment as
// JSON to that file, so tests can check what reached a process byte for
// byte.
func TestMain(m *testing.M) {
	Main()
	if out := os.Getenv("DAGC_TEST_ARGV_OUT"); out != "" {
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(k, "DAGC_") || strings.HasPrefix(k, "HOSTILE") {
				env[k] = v
			}
		}
		b, _ := json.Marshal(map[string]any{"args": os.Args[1:], "env": env})
		if err := os.WriteFile(out, b, 0o644); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	if os.Getenv("DAGC_TEST_HELPER") == "run" {
		os.Exit(helperRun())
	}
	os.Exit(m.Run())
}

func lits(args ...string) []ir.Str {
	out := make([]ir.Str, len(args))
	for i, a := range args {
		out[i] = ir.Lit(a)
	}
	return out
}

// cmdTask is a plain task running argv.
func cmdTask(name string, argv ...string) *ir.Task {
	return &ir.Task{Name: name, Trigger: ir.AllSuccess, Instances: []*ir.Instance{{Command: lits(argv...)}}}
}

// shTask is a plain task running a script with sh -euc.
func shTask(name, script string) *ir.Task {
	s := ir.Lit(script)
	return &ir.Task{Name: name, Trigger: ir.AllSuccess, Instances: []*ir.Instance{{Script: &s, Shell: []string{"sh", "-euc"}}}}
}

func after(t *ir.Task, up ...string) *ir.Task {
	t.Upstream = append(t.Upstream, up...)
	return t
}

func withTrigger(t *ir.Task, tr ir.Trigger) *ir.Task {
	t.Trigger = tr
	return t
}

func pipeline(tasks ...*ir.Task) *ir.Pipeline {
	return &ir.Pipeline{Name: "test", Timezone: "UTC", Tasks: tasks}
}

func outputRef(task, name string) *ir.Ref {
	return &ir.Ref{Kind: ir.RefOutput, Task: task, Name: name}
}

func paramRef(name string) *ir.Ref { return &ir.Ref{Kind: ir.RefParam, Name: name} }

func refStr(parts ...any) ir.Str {
	var s ir.Str
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			s.Parts = append(s.Parts, ir.Part{Lit: v})
		case *ir.Ref:
			s.Parts = append(s.Parts, ir.Part{Ref: v})
		}
	}
	return s
}

// fakeClock records retry delays and fires them at once.
type fakeClock struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (c *fakeClock) Now() time.Time { return time.Now() }
func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	c.delays = append(c.delays, d)
	c.mu.Unlock()
	go f()
	return func() bool { return false }
}

type outcome struct {
	res    *Result
	states map[string]ir.State
	recs   []trace.Record
	run    string
	out    string
}

func (o *outcome) inst(name string) InstanceResult {
	for _, in := range o.res.Instances {
		if trace.Key(in.Task, in.Instance) == name {
			return in
		}
	}
	panic("no instance " + name)
}

// runIt runs p with a fresh state dir under t.TempDir(), the pipeline's
// base directory set to dir, and returns states by instance name.
func runIt(t *testing.T, ctx context.Context, p *ir.Pipeline, dir string, o Options) *outcome {
	t.Helper()
	if o.StateDir == "" {
		o.StateDir = filepath.Join(dir, ".dagc")
	}
	if o.BaseDir == "" {
		o.BaseDir = dir
	}
	if o.Dir == "" {
		o.Dir = dir
	}
	if o.Jobs == 0 {
		o.Jobs = 4
	}
	if o.Clock == nil {
		o.Clock = &fakeClock{}
	}
	if o.Grace == 0 {
		o.Grace = 300 * time.Millisecond
	}
	var tr, out bytes.Buffer
	o.Trace = &tr
	o.Out = &syncBuf{b: &out}
	res, err := Run(ctx, p, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	recs, runState, err := trace.Read(&tr)
	if err != nil {
		t.Fatalf("trace: %v\n%s", err, tr.String())
	}
	oc := &outcome{res: res, states: map[string]ir.State{}, recs: recs, run: runState, out: out.String()}
	for _, in := range res.Instances {
		oc.states[trace.Key(in.Task, in.Instance)] = in.State
	}
	final := trace.Final(recs)
	for name, st := range oc.states {
		if st == "" {
			continue
		}
		if got := final[name].State; got != string(st) {
			t.Errorf("%s: trace's last record says %q, result says %q", name, got, st)
		}
	}
	if runState != string(res.State) {
		t.Errorf("trace run state %q, result %q", runState, res.State)
	}
	return oc
}

type syncBuf struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func wantStates(t *testing.T, oc *outcome, want map[string]ir.State) {
	t.Helper()
	for name, st := range want {
		if got := oc.states[name]; got != st {
			t.Errorf("%s: state %q, want %q (error: %s)", name, got, st, oc.inst(name).Error)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", oc.out)
	}
}

// processGone reports whether pid no longer runs. A zombie counts as gone:
// it runs nothing, and in a container without an init that reaps, orphans
// may stay zombies.
func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == syscall.ESRCH
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}

// waitFile waits until path exists with a trailing newline and returns its
// content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return ""
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	pid, err := strconv.Atoi(waitFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d is still running", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
