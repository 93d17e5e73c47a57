package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func dagcInProcess(args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

func TestValidateExamples(t *testing.T) {
	code, out, errOut := dagcInProcess("validate", "../../testdata")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "ml_training: 5 tasks, 7 instances, 4 edges — valid\n") {
		t.Errorf("stdout:\n%s", out)
	}
	if n := strings.Count(out, "— valid\n"); n < 9 {
		t.Errorf("%d pipelines reported valid, want at least 9:\n%s", n, out)
	}
}

func TestValidateErrors(t *testing.T) {
	code, out, errOut := dagcInProcess("validate", "../../testdata/errors/bad_trigger.dag.hcl")
	if code != exitFail || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{
		"Error: Invalid trigger",
		"on ../../testdata/errors/bad_trigger.dag.hcl:7:16:",
		`    7 |   trigger    = "all_sucess" # ERROR: Invalid trigger`,
		"      |                ^^^^^^^^^^^^",
		`Did you mean "all_success"?`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, _ := dagcInProcess("validate", "--format", "json", "../../testdata/errors/unknown_attribute.dag.hcl")
	if code != exitFail {
		t.Fatalf("exit %d", code)
	}
	var diags []struct {
		Severity, Summary, Detail string
		Range                     struct {
			Filename string
			Start    struct{ Line, Column, Byte int }
		}
	}
	if err := json.Unmarshal([]byte(out), &diags); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(diags) != 2 || diags[0].Summary != "Unsupported argument" || diags[0].Range.Start.Line != 2 || diags[1].Range.Start.Line != 10 {
		t.Errorf("diags = %+v", diags)
	}
	code, out, _ = dagcInProcess("validate", "--format", "json", "../../testdata/serial.dag.hcl")
	if code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Errorf("valid file: exit %d, %q", code, out)
	}
}

func TestValidateVarsAndUsage(t *testing.T) {
	if code, _, errOut := dagcInProcess("validate", "--var", "models=[]", "../../testdata/ml_training.dag.hcl"); code != exitFail || !strings.Contains(errOut, "Train at least one model.") {
		t.Errorf("validation rule not applied to --var: exit %d\n%s", code, errOut)
	}
	if code, out, _ := dagcInProcess("validate", "--var", `models=["a","b"]`, "../../testdata/ml_training.dag.hcl"); code != exitOK || !strings.Contains(out, "6 instances") {
		t.Errorf("--var not applied: exit %d %q", code, out)
	}
	if code, _, _ := dagcInProcess("validate", "--format", "yaml", "../../testdata"); code != exitUsage {
		t.Errorf("bad --format: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := dagcInProcess("validate", "--nope"); code != exitUsage {
		t.Errorf("unknown flag: exit %d, want %d", code, exitUsage)
	}
}
