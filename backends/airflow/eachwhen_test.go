package airflow

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// A per-instance when (DESIGN 2.5) is rendered into each instance's
// expand_kwargs with that instance's item text; a KubernetesPodOperator
// task, whose gate is shared by every instance, refuses it.
func TestPerInstanceWhenRendersPerInstance(t *testing.T) {
	fan := func() *ir.Task {
		f := plainTask("fan", "echo", "x")
		f.Run.Image = ir.Lit("alpine")
		f.Run.Command = append(f.Run.Command, ir.EachKey())
		f.ForEach = ir.StringItems("a'b", "c")
		f.When = &ir.Cond{Op: ir.CondCompare, Cmp: ir.Ne,
			Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefEachValue}}, Right: ir.Operand{Lit: "c", LitKind: ir.LitString}}
		return f
	}
	p := &ir.Pipeline{Name: "p", Timezone: "UTC", Tasks: []*ir.Task{fan()}}
	ir.Normalize(p)
	data, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	src := string(data)
	for _, want := range []string{`'a\\x27b' != 'c'`, `'c' != 'c'`} {
		if !strings.Contains(src, want) {
			t.Errorf("the DAG has no gate comparing %s:\n%s", want, src)
		}
	}

	k := fan()
	k.Settings = []*ir.Settings{settings.Block("airflow", ir.LevelTask, map[string]any{"operator": "kubernetes"})}
	p = &ir.Pipeline{Name: "p", Timezone: "UTC", Tasks: []*ir.Task{k}}
	ir.Normalize(p)
	_, diags = render(p)
	if !diags.HasErrors() || !strings.Contains(fmt.Sprint(diags), "a when that uses each") {
		t.Errorf("kubernetes operator with a per-instance when: %v", diags)
	}
}
