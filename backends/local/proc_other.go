//go:build !linux

package local

import "syscall"

// sysProcAttr puts the task in a process group of its own.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
