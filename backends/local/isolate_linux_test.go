package local

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// kill -9 of dagc during an attempt: its guardian removes the private /tmp
// directories, with what the task had written there.
func TestIsolateKillNineLeavesNoTmp(t *testing.T) {
	dir := t.TempDir()
	cmd := startHelper(t, dir, "DAGC_TEST_SCENARIO=interrupt", "DAGC_TEST_ISOLATE=1", "DAGC_TEST_RUNID=k9",
		"DAGC_TEST_SCRIPT="+`echo data > "$TMPDIR/f"; echo $$ > long.pid; exec sleep 1000`)
	long := readPid(t, filepath.Join(dir, "long.pid"))
	tmp := filepath.Join(RunDir(filepath.Join(dir, ".dagc"), "k9"), TmpDirName)
	if _, err := os.Stat(filepath.Join(tmp, "long.1", "f")); err != nil {
		t.Fatalf("the attempt's private /tmp during the run: %v", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	waitGone(t, long)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Stat(tmp)
		if os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still there after dagc was killed (%v)", tmp, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
