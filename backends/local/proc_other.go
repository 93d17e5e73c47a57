//go:build !linux

package local

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts the task in a process group of its own.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// Main is called first thing in main; outside Linux there is no guardian
// process to dispatch.
func Main() {}

var useCgroups = false

// procs outside Linux: a process group per attempt, killed when the
// attempt ends; no subreaper, cgroup or guardian.
type procs struct{}

type attemptProcs struct{ pid, pgid int }

func newProcs(string, func(string, ...any)) *procs { return &procs{} }

func (*procs) close() {}

func (*procs) cleanOnDeath(string) {}

func (*procs) start(cmd *exec.Cmd, _ func() *exec.Cmd, _ []string, startFn func(*exec.Cmd) error) (*exec.Cmd, *attemptProcs, error) {
	if err := startFn(cmd); err != nil {
		return cmd, nil, err
	}
	return cmd, &attemptProcs{pid: cmd.Process.Pid, pgid: cmd.Process.Pid}, nil
}

func (*procs) signal(ap *attemptProcs, sig syscall.Signal) { _ = syscall.Kill(-ap.pgid, sig) }

func (*procs) end(ap *attemptProcs, _ <-chan struct{}) { _ = syscall.Kill(-ap.pgid, syscall.SIGKILL) }
