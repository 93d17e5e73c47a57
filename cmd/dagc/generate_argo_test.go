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

// A whole-Workflow setting written in defaults is the Workflow's, not a
// per-task override: defaults { argo { namespace } } used to fail every
// task with "a per-task argo namespace is not supported".
func TestDefaultsArgoNamespaceIsTheWorkflows(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ns.dag.hcl")
	src := `pipeline "ns" {
  defaults {
    image = "alpine:3.20"
    argo {
      namespace       = "ml"
      service_account = "runner"
    }
  }
}

task "a" {
  command = ["true"]
}

task "b" {
  depends_on = [task.a]
  command    = ["true"]
}
`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := dagcInProcess("generate", "argo", file, "-o", "-")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "metadata:\n  generateName: \"ns-\"\n  namespace: \"ml\"\n") {
		t.Errorf("the Workflow is not in namespace ml:\n%s", out)
	}
	// service_account is per task, so defaults give it to every task.
	if n := strings.Count(out, `serviceAccountName: "runner"`); n != 2 {
		t.Errorf("%d templates with the defaults' service account, want 2:\n%s", n, out)
	}
}

// A whole-Workflow setting in a task is reported at the attribute, naming
// the backend and the attribute, by validate as by generate.
func TestTaskLevelWholeRunSetting(t *testing.T) {
	file := filepath.Join(t.TempDir(), "gc.dag.hcl")
	src := "task \"a\" {\n  command = [\"true\"]\n  argo {\n    pod_gc = \"OnPodSuccess\"\n  }\n}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"validate", file}, {"generate", "airflow", file, "-o", "-"}, {"generate", "argo", file, "-o", "-"}} {
		code, _, errOut := dagcInProcess(args...)
		if code != exitFail || !strings.Contains(errOut, "Error: argo pod_gc cannot be set per task") || !strings.Contains(errOut, "gc.dag.hcl:4:5:") {
			t.Errorf("%v: exit %d, want 1 with the error at 4:5:\n%s", args, code, errOut)
		}
	}
}
