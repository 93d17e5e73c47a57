package parser

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// FuzzParse feeds arbitrary text to the parser: it must return diagnostics
// or a valid pipeline, never panic, and every error must carry a range in
// the parsed file (or none, for problems that concern no source line).
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.dag.hcl", "testdata/errors/*.dag.hcl"} {
		matches, _ := filepath.Glob(filepath.Join(repoRoot, pattern))
		for _, m := range matches {
			src, err := os.ReadFile(m)
			if err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		pipe, diags := New().ParseFile("fuzz.dag.hcl", src, Options{})
		for _, d := range diags {
			if d.Subject.Filename != "" && d.Subject.Filename != "fuzz.dag.hcl" {
				t.Fatalf("diagnostic points into %q: %v", d.Subject.Filename, d)
			}
		}
		if diags.HasErrors() {
			return
		}
		if pipe == nil {
			t.Fatal("no pipeline and no error")
		}
		checkPipelineInvariants(t, pipe)
	})
}

// checkPipelineInvariants asserts the IR contract every backend relies on.
func checkPipelineInvariants(t *testing.T, p *ir.Pipeline) {
	t.Helper()
	names := map[string]bool{}
	for _, task := range p.Tasks {
		if names[task.Name] {
			t.Fatalf("duplicate task %q", task.Name)
		}
		names[task.Name] = true
		if task.IsDynamic() != (len(task.Instances()) == 0) {
			t.Fatalf("task %q: dynamic %v with %d static instances", task.Name, task.IsDynamic(), len(task.Instances()))
		}
		if task.ForEach == nil && (len(task.Instances()) != 1 || task.Instances()[0].Key != "") {
			t.Fatalf("plain task %q has instances %v", task.Name, task.Instances())
		}
		for i, e := range task.Edges {
			if (i > 0 && task.Edges[i-1].From >= e.From) || p.Task(e.From) == nil {
				t.Fatalf("task %q: bad upstream %q", task.Name, e.From)
			}
		}
		for _, in := range task.Instances() {
			if (in.Script == nil) == (in.Command == nil) {
				t.Fatalf("task %q: command xor script broken", task.Name)
			}
			for _, s := range in.Argv() {
				for _, r := range s.Refs() {
					if r.Kind == ir.RefOutput && !contains(task.Upstream(), r.Task) {
						t.Fatalf("task %q uses %s without an edge", task.Name, r)
					}
					if r.Kind == ir.RefParam && p.Param(r.Name) == nil {
						t.Fatalf("task %q uses undeclared %s", task.Name, r)
					}
				}
			}
		}
	}
}
