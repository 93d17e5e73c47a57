package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHardening19ValidateTarget: validate accepted outputs = ["return_value"]
// and generate airflow then refused it (issue 13, item 19). validate
// --target runs the named backends' own checks, so what it accepts
// generate accepts.
func TestHardening19ValidateTarget(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "rv.dag.hcl")
	src := "task \"a\" {\n  image   = \"alpine:3.20\"\n  command = [\"true\"]\n  outputs = [\"return_value\"]\n}\n"
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := dagcInProcess("validate", f); code != exitOK {
		t.Fatalf("plain validate: exit %d\n%s", code, errOut)
	}
	code, _, errOut := dagcInProcess("validate", "--target", "argo,airflow", f)
	if code != exitFail || !strings.Contains(errOut, `an output named "return_value" is not supported by the airflow backend`) {
		t.Errorf("validate --target airflow: exit %d, want 1 naming the output and the backend\n%s", code, errOut)
	}
	// It points at the output name, not the task header.
	if !strings.Contains(errOut, "rv.dag.hcl:4:14:") || !strings.Contains(errOut, "              ^^^^^^^^^^^^^^\n") {
		t.Errorf("the diagnostic must underline \"return_value\" at 4:14:\n%s", errOut)
	}
	if code, _, errOut := dagcInProcess("generate", "airflow", f, "-o", "-"); code != exitFail {
		t.Errorf("generate airflow must refuse what validate --target refused: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := dagcInProcess("validate", "--target", "argo", f); code != exitOK {
		t.Errorf("validate --target argo: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := dagcInProcess("validate", "--target", "airflwo", f); code != exitUsage || !strings.Contains(errOut, `Did you mean "airflow"?`) {
		t.Errorf("unknown target: exit %d, want a usage error with a suggestion\n%s", code, errOut)
	}
}
