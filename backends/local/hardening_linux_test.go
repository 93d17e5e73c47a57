package local

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// supervisionModes runs f with a cgroup per attempt (when this machine has
// a writable cgroup v2) and with the fallback that has none.
func supervisionModes(t *testing.T, f func(t *testing.T, env []string)) {
	t.Run("cgroup", func(t *testing.T) {
		if cg := makeRunCgroup("probe"); cg == "" {
			t.Skip("no writable cgroup v2 here")
		} else {
			os.Remove(cg)
		}
		f(t, nil)
	})
	t.Run("fallback", func(t *testing.T) {
		useCgroups = false
		defer func() { useCgroups = true }()
		f(t, []string{"DAGC_TEST_NOCGROUP=1"})
	})
}

// killLater kills pids when the test ends, whatever its outcome, and reaps
// those this process inherited as a subreaper, so no test leaves a process
// (or a zombie) behind.
func killLater(t *testing.T, pids ...int) {
	t.Cleanup(func() {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
			var ws syscall.WaitStatus
			for k := 0; k < 100; k++ {
				if got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); got == pid || err != nil {
					break
				}
				time.Sleep(time.Millisecond)
			}
		}
	})
}

// kill -9 of dagc: the task's whole process group — not only its main
// process, which PR_SET_PDEATHSIG reaches — and what left the group
// (setsid) end with it.
func TestHardening02KillNineLeavesNoProcess(t *testing.T) {
	supervisionModes(t, func(t *testing.T, env []string) {
		dir := t.TempDir()
		script := `setsid sleep 1022 & echo $! > escaped.pid; sleep 1021 & echo $! > grandchild.pid; wait`
		cmd := startHelper(t, dir, append(env, "DAGC_TEST_SCENARIO=interrupt", "DAGC_TEST_SCRIPT="+script, "DAGC_TEST_GRACE=1s")...)
		grandchild := readPid(t, filepath.Join(dir, "grandchild.pid"))
		escaped := readPid(t, filepath.Join(dir, "escaped.pid"))
		killLater(t, grandchild, escaped)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		waitGone(t, grandchild)
		waitGone(t, escaped)
	})
}

// A task that starts processes in sessions of their own (setsid, a double
// fork) and exits: they are gone by the time the run returns, instead of
// outliving the task and holding its log pipe open.
func TestHardening03SetsidChildrenKilledAtAttemptEnd(t *testing.T) {
	supervisionModes(t, func(t *testing.T, _ []string) {
		dir := t.TempDir()
		p := pipeline(shTask("escape", `setsid sleep 1000 & echo $! > escaped.pid
(setsid sh -c 'sleep 1000 & echo $! > double.pid; wait' &)
while [ ! -s double.pid ]; do sleep 0.01; done`))
		oc := runGuarded(t, p, dir, Options{})
		escaped := readPid(t, filepath.Join(dir, "escaped.pid"))
		double := readPid(t, filepath.Join(dir, "double.pid"))
		killLater(t, escaped, double)
		wantStates(t, oc, map[string]ir.State{"escape": ir.Success})
		for _, pid := range []int{escaped, double} {
			if !processGone(pid) {
				t.Errorf("process %d, started with setsid by the task, outlived the run", pid)
			}
		}
	})
}
