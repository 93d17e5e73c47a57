package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	messy = "task \"a\" {\ncommand=[\"x\"]\n    outputs   = [\"y\"]\n}\n\n"
	tidy  = "task \"a\" {\n  command = [\"x\"]\n  outputs = [\"y\"]\n}\n"
)

func fmtTestDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFmtCheckListsAndWritesNothing(t *testing.T) {
	dir := fmtTestDir(t, map[string]string{"a.dag.hcl": messy, "b.dag.hcl": tidy, "notes.txt": messy})
	code, out, errOut := dagcInProcess("fmt", "--check", dir)
	if code != exitFail || out != filepath.Join(dir, "a.dag.hcl")+"\n" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if readText(t, filepath.Join(dir, "a.dag.hcl")) != messy {
		t.Fatal("--check rewrote a file")
	}
	code, out, _ = dagcInProcess("fmt", "--check", filepath.Join(dir, "b.dag.hcl"))
	if code != exitOK || out != "" {
		t.Fatalf("formatted file: exit %d, stdout %q", code, out)
	}
}

func TestFmtDiff(t *testing.T) {
	dir := fmtTestDir(t, map[string]string{"a.dag.hcl": messy})
	f := filepath.Join(dir, "a.dag.hcl")
	code, out, _ := dagcInProcess("fmt", "--check", "--diff", f)
	want := f + "\n--- " + f + "\n+++ " + f + " (formatted)\n@@ -1,5 +1,4 @@\n task \"a\" {\n-command=[\"x\"]\n-    outputs   = [\"y\"]\n+  command = [\"x\"]\n+  outputs = [\"y\"]\n }\n-\n"
	if code != exitFail || out != want {
		t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s", code, out, want)
	}
}

func TestFmtRewritesInPlace(t *testing.T) {
	dir := fmtTestDir(t, map[string]string{"a.dag.hcl": messy, "vars.hcl": "x=1\n"})
	code, out, errOut := dagcInProcess("fmt", dir, filepath.Join(dir, "vars.hcl"))
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, "a.dag.hcl\n") || !strings.Contains(out, "vars.hcl\n") {
		t.Errorf("changed files not listed: %q", out)
	}
	f := filepath.Join(dir, "a.dag.hcl")
	if got := readText(t, f); got != tidy {
		t.Fatalf("file after fmt:\n%s", got)
	}
	if st, _ := os.Stat(f); st.Mode().Perm() != 0o640 {
		t.Errorf("mode changed to %v", st.Mode().Perm())
	}
	if readText(t, filepath.Join(dir, "vars.hcl")) != "x = 1\n" {
		t.Error("explicit non-pipeline file not formatted")
	}
	// No temporary files are left behind, and a second run changes nothing.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want 2", len(entries))
	}
	if code, out, _ := dagcInProcess("fmt", dir); code != exitOK || out != "" {
		t.Errorf("second fmt: exit %d, stdout %q", code, out)
	}
}

func TestFmtSyntaxError(t *testing.T) {
	broken := "task \"a\" {\n  command = [\"x\"\n}\n"
	dir := fmtTestDir(t, map[string]string{"bad.dag.hcl": broken, "a.dag.hcl": messy})
	code, _, errOut := dagcInProcess("fmt", dir)
	if code != exitFail || !strings.Contains(errOut, filepath.Join(dir, "bad.dag.hcl")+":3:1") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if readText(t, filepath.Join(dir, "bad.dag.hcl")) != broken {
		t.Error("a file with syntax errors was rewritten")
	}
	if readText(t, filepath.Join(dir, "a.dag.hcl")) != tidy {
		t.Error("the other file was not formatted")
	}
	if code, _, errOut := dagcInProcess("fmt", filepath.Join(dir, "missing.dag.hcl")); code != exitFail || !strings.Contains(errOut, "Cannot read path") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
}
