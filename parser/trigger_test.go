package parser

import (
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// A trigger other than all_success on a task without upstream has no
// effect (DESIGN 2.4): validate warns at the attribute, and nowhere else.
func TestTriggerWithoutUpstreamWarns(t *testing.T) {
	src := `
pipeline "w" {
  defaults {
    trigger = "all_done"
  }
}
task "a" {
  trigger = "one_failed"
  command = ["true"]
}
task "b" {
  trigger = "all_success"
  command = ["true"]
}
task "c" {
  outputs = ["x"]
  command = ["true"]
}
task "d" {
  depends_on = [task.a]
  trigger    = "all_failed"
  command    = ["true"]
}
task "e" {
  trigger = "all_done"
  command = ["echo", task.c.outputs.x]
}
`
	p := New()
	pipe, diags := p.ParseFile("w.dag.hcl", []byte(src), Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var warnings []ir.Diagnostic
	for _, d := range diags {
		if d.Severity == ir.Warning {
			warnings = append(warnings, d)
		}
	}
	if len(warnings) != 1 {
		t.Fatalf("want one warning, got %v", diags)
	}
	w := warnings[0]
	if w.Summary != "Trigger has no effect" || w.Subject.Filename != "w.dag.hcl" || w.Subject.Start.Line != 8 || w.Subject.Start.Column != 3 {
		t.Errorf("warning %s at %s:%d:%d", w.Summary, w.Subject.Filename, w.Subject.Start.Line, w.Subject.Start.Column)
	}
	// The warning changes nothing: the task keeps its trigger and runs.
	if a := pipe.Task("a"); a.Trigger != ir.OneFailed {
		t.Errorf("a: trigger %s", a.Trigger)
	}
}
