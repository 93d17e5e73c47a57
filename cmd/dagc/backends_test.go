package main

import (
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/registry"
)

// Every engine must say how it handles every row, so the matrix never
// silently shows a gap.
func TestEveryBackendDescribesEveryFeature(t *testing.T) {
	for _, e := range registry.All() {
		got := map[string]bool{}
		for _, f := range e.Features() {
			if got[f.Name] {
				t.Errorf("%s: feature %q listed twice", e.Name(), f.Name)
			}
			got[f.Name] = true
			if strings.TrimSpace(f.Support) == "" {
				t.Errorf("%s: feature %q has no description", e.Name(), f.Name)
			}
		}
		for _, name := range backends.FeatureNames {
			if !got[name] {
				t.Errorf("%s: no entry for feature %q", e.Name(), name)
			}
		}
		if len(got) != len(backends.FeatureNames) {
			t.Errorf("%s: %d features, want the %d matrix rows", e.Name(), len(got), len(backends.FeatureNames))
		}
	}
}

func TestBackendsCommand(t *testing.T) {
	code, out, _ := dagcInProcess("backends")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"airflow\n", "argo\n", "stepfunctions\n", "local\n", "withItems", "max_active_tasks", "Map MaxConcurrency"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
