package local

import "syscall"

// sysProcAttr puts the task in a process group of its own (so it can be
// signalled as a whole, and a terminal's Ctrl-C reaches only dagc) and asks
// the kernel to kill it if dagc itself dies without cleaning up (kill -9).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
