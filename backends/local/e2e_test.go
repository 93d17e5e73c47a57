package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// helperRun is the test binary acting as a dagc process (DAGC_TEST_HELPER=run):
// it runs a scenario with real signal handling so tests can send it SIGINT
// or kill -9 it. Exit 0 success, 1 failed.
func helperRun() int {
	dir := os.Getenv("DAGC_TEST_DIR")
	var p *ir.Pipeline
	switch os.Getenv("DAGC_TEST_SCENARIO") {
	case "interrupt":
		p = pipeline(
			shTask("long", os.Getenv("DAGC_TEST_SCRIPT")),
			after(cmdTask("next", "touch", "next-ran"), "long"),
		)
	case "resume":
		a := shTask("a", `echo run >> count-a; echo 42 > "$DAGC_OUTPUTS/v"`)
		a.Outputs = []string{"v"}
		b := after(shTask("b", `echo $$ > b.pid; if [ -e gate ]; then exit 0; fi; exec sleep 1000`), "a")
		c := after(cmdTask("c", "sh", "-c", `printf %s "$1" > c.out`, "sh", "VALUE"), "a", "b")
		c.Run.Command[4] = refStr(outputRef("a", "v"))
		p = pipeline(a, b, c)
	default:
		fmt.Fprintln(os.Stderr, "unknown scenario")
		return 2
	}
	if os.Getenv("DAGC_TEST_NOCGROUP") != "" {
		useCgroups = false
	}
	ctx, kill, release := WithSignals(context.Background())
	defer release()
	grace, _ := time.ParseDuration(os.Getenv("DAGC_TEST_GRACE"))
	res, err := Run(ctx, p, Options{
		Jobs: 2, BaseDir: dir, Dir: dir, StateDir: filepath.Join(dir, ".dagc"), Out: os.Stdout,
		RunID: os.Getenv("DAGC_TEST_RUNID"), Resume: os.Getenv("DAGC_TEST_RESUME") != "",
		Grace: grace, Kill: kill, Isolate: os.Getenv("DAGC_TEST_ISOLATE") != "",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if res.State != ir.Success {
		return 1
	}
	return 0
}

func startHelper(t *testing.T, dir string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"DAGC_TEST_HELPER=run", "DAGC_TEST_DIR=" + dir}, env...)...)
	out, err := os.Create(filepath.Join(dir, "helper.out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		out.Close()
		if t.Failed() {
			t.Logf("runner output:\n%s", helperOutput(dir))
		}
	})
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func helperOutput(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "helper.out"))
	return string(b)
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("runner did not exit")
	}
	return cmd.ProcessState.ExitCode()
}

// SIGINT to a running dagc process: the task and the grandchild it started
// in the background end, nothing else starts, the run fails.
func TestInterruptProcessNoOrphans(t *testing.T) {
	for _, tc := range []struct {
		name, script, grace string
		signals             int
	}{
		{"graceful", `sleep 1000 & echo $! > grandchild.pid; wait`, "5s", 1},
		// The task and its grandchild ignore SIGTERM: SIGKILL after the grace period.
		{"ignores-term", `trap '' TERM; sleep 1000 & echo $! > grandchild.pid; wait`, "300ms", 1},
		// A second SIGINT kills at once instead of waiting the grace period.
		{"second-sigint", `trap '' TERM; sleep 1000 & echo $! > grandchild.pid; wait`, "1h", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := startHelper(t, dir, "DAGC_TEST_SCENARIO=interrupt", "DAGC_TEST_SCRIPT="+tc.script, "DAGC_TEST_GRACE="+tc.grace)
			pid := readPid(t, filepath.Join(dir, "grandchild.pid"))
			for k := 0; k < tc.signals; k++ {
				cmd.Process.Signal(os.Interrupt)
				time.Sleep(100 * time.Millisecond)
			}
			if code := exitCode(t, cmd); code != 1 {
				t.Errorf("exit code %d, want 1\n%s", code, helperOutput(dir))
			}
			waitGone(t, pid)
			if _, err := os.Stat(filepath.Join(dir, "next-ran")); err == nil {
				t.Error("a task started after the interrupt")
			}
			if !strings.Contains(helperOutput(dir), "interrupted") {
				t.Errorf("output does not say interrupted:\n%s", helperOutput(dir))
			}
		})
	}
}

// kill -9 of dagc mid-run, then resume: the finished task is kept with its
// output (not run again), the rest runs.
func TestResumeAfterKill(t *testing.T) {
	dir := t.TempDir()
	const id = "20260101T000000Z-abcdef"
	cmd := startHelper(t, dir, "DAGC_TEST_SCENARIO=resume", "DAGC_TEST_RUNID="+id)
	bpid := readPid(t, filepath.Join(dir, "b.pid"))
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// The task's process dies with dagc (parent-death signal).
	waitGone(t, bpid)
	os.Remove(filepath.Join(dir, "b.pid"))
	if err := os.WriteFile(filepath.Join(dir, "gate"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A torn record, as if dagc died in the middle of a write.
	jf, err := os.OpenFile(filepath.Join(dir, ".dagc", "runs", id, "journal.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	jf.WriteString(`{"task":"b","instance":"","state":"succ`)
	jf.Close()

	cmd = startHelper(t, dir, "DAGC_TEST_SCENARIO=resume", "DAGC_TEST_RUNID="+id, "DAGC_TEST_RESUME=1")
	if code := exitCode(t, cmd); code != 0 {
		t.Fatalf("resume exit %d\n%s", code, helperOutput(dir))
	}
	count, _ := os.ReadFile(filepath.Join(dir, "count-a"))
	if got := strings.Count(string(count), "run"); got != 1 {
		t.Errorf("task a ran %d times, want once (kept on resume)", got)
	}
	out, _ := os.ReadFile(filepath.Join(dir, "c.out"))
	if string(out) != "42" {
		t.Errorf("c got %q from a's output, want 42", out)
	}
	if !strings.Contains(helperOutput(dir), "success (kept)") {
		t.Errorf("summary does not show a as kept:\n%s", helperOutput(dir))
	}
}
