package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Item 6 of the local runner's hardening: `--resume ""` (and a path as the
// id) is a usage error, not a fresh run.
func TestHardening06EmptyResumeIsUsageError(t *testing.T) {
	needParser(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "p.dag.hcl")
	os.WriteFile(file, []byte("task \"a\" {\n  command = [\"touch\", \"ran\"]\n}\n"), 0o644)
	for _, id := range []string{"", "..", "../x"} {
		ro := execDagc(t, dir, "run", "--resume", id)
		if ro.code != 2 || !strings.Contains(ro.out, "--resume needs the id of a run") {
			t.Errorf("--resume %q: exit %d, want 2 with a usage message:\n%s", id, ro.code, ro.out)
		}
	}
	ro := execDagc(t, dir, "run", file, "--resume=")
	if ro.code != 2 {
		t.Errorf("--resume= with a file: exit %d, want 2:\n%s", ro.code, ro.out)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Error("an empty --resume started a run")
	}
}

// Item 2: kill -9 of the dagc binary mid-run leaves none of the task's
// processes: not the background sleep in its group (which
// PR_SET_PDEATHSIG does not reach), nor one started with setsid.
func TestHardening02KillNineOfDagcLeavesNoProcess(t *testing.T) {
	needParser(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "p.dag.hcl")
	os.WriteFile(file, []byte(`
task "long" {
  script = "setsid sleep 1022 & echo $! > escaped.pid; sleep 1021 & echo $! > grandchild.pid; wait"
}
`), 0o644)
	cmd := exec.Command(dagcBinary(t), "run", file)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	grandchild, _ := strconv.Atoi(waitForFile(t, filepath.Join(dir, "grandchild.pid")))
	escaped, _ := strconv.Atoi(waitForFile(t, filepath.Join(dir, "escaped.pid")))
	t.Cleanup(func() {
		syscall.Kill(grandchild, syscall.SIGKILL)
		syscall.Kill(escaped, syscall.SIGKILL)
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	waitGone(t, grandchild)
	waitGone(t, escaped)
}
