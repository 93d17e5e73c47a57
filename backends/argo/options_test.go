package argo

import (
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/parser"
)

// The argo blocks merge pipeline < defaults < task, and each value lands
// where Argo keeps it: whole-Workflow settings on the Workflow wherever
// they were written, per-task ones in the pipeline block on the Workflow
// and in defaults or a task on the task's template.
func TestOptionsMergeAndPlacement(t *testing.T) {
	src := `pipeline "m" {
  argo {
    service_account = "pipe-sa"
    labels          = { team = "ml" }
  }
  defaults {
    image = "alpine:3.20"
    argo {
      pod_gc        = "OnPodSuccess"
      node_selector = { disk = "ssd" }
    }
  }
}
task "plain" {
  command = ["true"]
}
task "custom" {
  command = ["true"]
  argo {
    service_account = "task-sa"
    node_selector   = { gpu = "a100" }
    labels          = { pod = "custom" }
  }
}
`
	p, diags := parser.New().ParseFile("m.dag.hcl", []byte(src), parser.Options{Backends: []string{"argo"}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, diags := New(KindWorkflow).Render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out := string(files[0].Data)
	for _, want := range []string{
		// The Workflow: the pipeline block, plus pod_gc from defaults.
		"  labels:\n    \"team\": \"ml\"\n",
		"  serviceAccountName: \"pipe-sa\"\n",
		"  podGC:\n    strategy: \"OnPodSuccess\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("manifest lacks %q:\n%s", want, out)
		}
	}
	// defaults' node_selector is every task's: both templates carry it or
	// the task's own, which replaces the map as a whole.
	if n := strings.Count(out, "\"disk\": \"ssd\""); n != 1 {
		t.Errorf("defaults' node selector appears %d times, want once (plain):\n%s", n, out)
	}
	for _, want := range []string{"\"gpu\": \"a100\"", "serviceAccountName: \"task-sa\"", "\"pod\": \"custom\""} {
		if strings.Count(out, want) != 1 {
			t.Errorf("the custom task's %s is not in one template:\n%s", want, out)
		}
	}
	if strings.Count(out, "\"team\"") != 1 {
		t.Errorf("pipeline labels were copied into a template:\n%s", out)
	}
}
