package stepfunctions

import (
	"encoding/json"
	"testing"

	"github.com/dagc-dev/dagc/parser"
)

// TestHardening16ConstantFalseWhenNeverRuns: a task whose when is false at
// compile time, first in a Parallel branch, used to have the branch start
// at its Task state, so it ran (issue 13, item 16). The branch now starts
// at its skipped record, and there is no Task state to reach.
func TestHardening16ConstantFalseWhenNeverRuns(t *testing.T) {
	src := `task "a" {
  image   = "alpine"
  command = ["echo", "a"]
}
task "never" {
  image   = "alpine"
  when    = 1 > 2
  command = ["echo", "never"]
}
task "b" {
  image      = "alpine"
  depends_on = [task.a, task.never]
  trigger    = "all_done"
  command    = ["echo", "b"]
}
`
	p, diags := parser.New().ParseFile("cw.dag.hcl", []byte(src), parser.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var def map[string]any
	if err := json.Unmarshal(files[0].Data, &def); err != nil {
		t.Fatal(err)
	}
	starts := map[string]bool{}
	states := map[string]map[string]any{}
	collectStates(def, states)
	for _, s := range states {
		for _, b := range asList(s["Branches"]) {
			starts[b.(map[string]any)["StartAt"].(string)] = true
		}
	}
	if !starts["never skipped"] || starts["never"] {
		t.Errorf("branch starts %v: want the branch of never to start at \"never skipped\"", starts)
	}
	if _, ok := states["never"]; ok {
		t.Error("a task that can never run must not have a Task state")
	}
}
