package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// generate airflow writes the runtime module and an .airflowignore naming
// it; a user's own .airflowignore keeps its lines, gains the missing one
// once, and --check accepts it.
func TestGenerateAirflowKeepsTheUsersIgnoreLines(t *testing.T) {
	dir := t.TempDir()
	ex := "../../testdata/serial.dag.hcl"
	ignore := filepath.Join(dir, ".airflowignore")
	if err := os.WriteFile(ignore, []byte("my_helpers.py\nscratch/"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if code, _, errOut := dagcInProcess("generate", "airflow", ex, "-o", dir); code != exitOK {
			t.Fatalf("generate: exit %d\n%s", code, errOut)
		}
	}
	data, _ := os.ReadFile(ignore)
	if got := string(data); !strings.HasPrefix(got, "my_helpers.py\nscratch/\n") || strings.Count(got, "\ndagc_runtime.py\n") != 1 {
		t.Errorf(".airflowignore = %q: want the user's lines first and dagc_runtime.py once", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "dagc_runtime.py")); err != nil {
		t.Error(err)
	}
	if code, out, errOut := dagcInProcess("generate", "airflow", ex, "-o", dir, "--check"); code != exitOK {
		t.Fatalf("--check: exit %d\n%s%s", code, out, errOut)
	}
	if err := os.WriteFile(ignore, []byte("my_helpers.py\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := dagcInProcess("generate", "airflow", ex, "-o", dir, "--check"); code != exitFail || !strings.Contains(out, "dagc_runtime.py") {
		t.Errorf("--check without the runtime's line: exit %d, want 1 naming it:\n%s", code, out)
	}
}
