package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockRun takes an exclusive flock on <run dir>/lock for as long as the
// returned file stays open, and writes this process's PID into it. Two
// invocations on one run (a --resume of a run still going) would run tasks
// twice into the same attempt directories; the second is refused with the
// PID of the first. The kernel drops the lock when its holder dies, even by
// kill -9, so a crashed run can always be resumed.
func lockRun(dir, runID string) (*os.File, error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another dagc process"
			if b, rerr := os.ReadFile(path); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					who = fmt.Sprintf("dagc process %d", pid)
				}
			}
			return nil, fmt.Errorf("run %s is in progress (%s holds %s); wait for it to end, or stop it, before resuming", runID, who, path)
		}
		return nil, fmt.Errorf("cannot lock %s: %v", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
