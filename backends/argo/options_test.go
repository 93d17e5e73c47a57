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

// Item 20 of the hardening issue: Kubernetes names are checked at the
// attribute, so the API server never sees one it would reject.
func TestHardening20KubernetesNamesChecked(t *testing.T) {
	for _, tc := range []struct{ name, attr, want string }{
		{"namespace-upper", `namespace = "ML"`, "not a Kubernetes DNS label"},
		{"namespace-long", `namespace = "` + strings.Repeat("a", 64) + `"`, "at most 63"},
		{"service-account", `service_account = "my_sa"`, "not a Kubernetes DNS subdomain"},
		{"pull-secret", `image_pull_secrets = ["Reg"]`, "not a Kubernetes DNS subdomain"},
		{"label-key", `labels = { "team name" = "x" }`, "not a Kubernetes qualified name"},
		{"label-key-prefix", `labels = { "Example.com/team" = "x" }`, "prefix"},
		{"label-value", `labels = { team = "a b" }`, "not a Kubernetes label value"},
		{"annotation-key", `annotations = { "-x" = "any value at all" }`, "not a Kubernetes qualified name"},
		{"node-selector-value", `node_selector = { disk = "` + strings.Repeat("s", 64) + `" }`, "at most 63"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "pipeline \"k\" {\n  argo {\n    " + tc.attr + "\n  }\n}\ntask \"a\" {\n  command = [\"true\"]\n}\n"
			p, diags := parser.New().ParseFile("k.dag.hcl", []byte(src), parser.Options{Backends: []string{"argo"}})
			if !diags.HasErrors() {
				diags = New(KindWorkflow).CheckSettings(p)
			}
			if len(diags) != 1 || !strings.Contains(diags[0].Detail, tc.want) || diags[0].Subject.Start.Line != 3 {
				t.Fatalf("want one error at line 3 containing %q, got %v", tc.want, diags)
			}
		})
	}
	// What Kubernetes accepts passes.
	src := "pipeline \"k\" {\n  argo {\n    namespace = \"ml-prod\"\n    service_account = \"runner.sa\"\n    labels = { \"example.com/team\" = \"ml_1\", empty = \"\" }\n    annotations = { \"note\" = \"any text: {{ }} 'ok'\" }\n  }\n}\ntask \"a\" {\n  command = [\"true\"]\n}\n"
	p, diags := parser.New().ParseFile("k.dag.hcl", []byte(src), parser.Options{Backends: []string{"argo"}})
	if !diags.HasErrors() {
		diags = New(KindWorkflow).CheckSettings(p)
	}
	if len(diags) > 0 {
		t.Fatal(diags)
	}
}
