package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateArgo(t *testing.T) {
	dir := t.TempDir()
	ex := "../../testdata/ml_training.dag.hcl"
	if code, _, errOut := dagcInProcess("generate", "argo", ex, "-o", dir); code != exitOK {
		t.Fatalf("generate: exit %d\n%s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(dir, "ml_training.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\nkind: CronWorkflow\n") {
		t.Errorf("a pipeline with a schedule should default to a CronWorkflow:\n%s", data)
	}
	if code, out, errOut := dagcInProcess("generate", "argo", ex, "-o", dir, "--check"); code != exitOK {
		t.Fatalf("--check on fresh output: exit %d\n%s%s", code, out, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "ml_training.yaml"), append(data, "# edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := dagcInProcess("generate", "argo", ex, "-o", dir, "--check")
	if code != exitFail || !strings.Contains(out, "-# edited") {
		t.Errorf("--check on stale output: exit %d, want 1 with a diff:\n%s", code, out)
	}
	for kind, want := range map[string]string{"workflow": "Workflow", "workflowtemplate": "WorkflowTemplate", "cronworkflow": "CronWorkflow"} {
		code, out, errOut := dagcInProcess("generate", "argo", ex, "-o", "-", "--kind", kind)
		if code != exitOK || !strings.Contains(out, "\nkind: "+want+"\n") {
			t.Errorf("--kind %s: exit %d, want kind %s\n%s", kind, code, want, errOut)
		}
	}
	if code, _, errOut := dagcInProcess("generate", "argo", ex, "--kind", "job"); code != exitUsage || !strings.Contains(errOut, "unknown kind") {
		t.Errorf("--kind job: exit %d, want %d\n%s", code, exitUsage, errOut)
	}
	if code, _, errOut := dagcInProcess("generate", "argo", "../../testdata/serial.dag.hcl", "--kind", "cronworkflow", "-o", "-"); code != exitFail || !strings.Contains(errOut, "needs a schedule") {
		t.Errorf("cronworkflow without schedule: exit %d\n%s", code, errOut)
	}
}
