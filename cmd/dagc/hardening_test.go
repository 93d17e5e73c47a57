package main

import (
	"os"
	"path/filepath"
	"strings"
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
