package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// A per-instance when (DESIGN 2.5) decides each instance on its own item,
// and the aggregated output leaves out the instances that ended skipped:
// ["b"] when a is skipped, [] when both are. A failed instance still makes
// the output unavailable to the consumer.
func TestPerInstanceWhen(t *testing.T) {
	run := func(t *testing.T, values []string, script string, when *ir.Cond) (*outcome, string) {
		dir := t.TempDir()
		fe := &ir.ForEach{}
		for i, v := range values {
			fe.Items = append(fe.Items, ir.Item{Key: string(rune('a' + i)), Value: v, Fields: map[string]string{"n": v}})
		}
		s := ir.Lit(script)
		fan := &ir.Task{Name: "fan", ForEach: fe, Trigger: ir.AllSuccess, Outputs: []string{"o"}, When: when,
			Run: ir.Template{Script: &s, Shell: ir.Lits("sh", "-euc")}}
		join := withTrigger(after(cmdTask("join", os.Args[0], "O"), "fan"), ir.NoneFailed)
		join.Run.Command[1] = refStr(outputRef("fan", "o"))
		join.Run.Env = []ir.EnvVar{{Name: "DAGC_TEST_ARGV_OUT", Value: ir.Lit(filepath.Join(dir, "join.json"))}}
		strict := after(cmdTask("strict", "true"), "fan")
		done := withTrigger(after(cmdTask("done", "echo", "O"), "fan"), ir.AllDone)
		done.Run.Command[1] = refStr(outputRef("fan", "o"))
		oc := runIt(t, context.Background(), pipeline(fan, join, strict, done), dir, Options{})
		got := ""
		if oc.states["join"] == S {
			got = readArgv(t, filepath.Join(dir, "join.json")).Args[0]
		}
		return oc, got
	}
	publish := `printf %s "$DAGC_INSTANCE" > "$DAGC_OUTPUTS/o"`
	numeric := &ir.Cond{Op: ir.CondCompare, Cmp: ir.Gt, Numeric: true,
		Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefEachField, Name: "n"}}, Right: ir.Operand{Lit: "9", LitKind: ir.LitNumber}}
	// 10 > 9 as numbers, though "10" < "9" as text.
	oc, got := run(t, []string{"2", "10"}, publish, numeric)
	wantStates(t, oc, map[string]ir.State{"fan[a]": ir.Skipped, "fan[b]": S, "join": S, "strict": ir.Skipped})
	if got != `["b"]` {
		t.Errorf("join got %s, want [\"b\"]", got)
	}
	if msg := oc.inst("fan[a]").Error; !strings.Contains(msg, "when is false") {
		t.Errorf("fan[a]: %q does not say its when was false", msg)
	}

	oc, got = run(t, []string{"1", "2"}, publish, numeric)
	wantStates(t, oc, map[string]ir.State{"fan[a]": ir.Skipped, "fan[b]": ir.Skipped, "join": S, "strict": ir.Skipped, "done": S})
	if got != `[]` {
		t.Errorf("join got %s, want []", got)
	}

	oc, _ = run(t, []string{"20", "30"}, `[ "$DAGC_INSTANCE" = a ] && printf x > "$DAGC_OUTPUTS/o"`, numeric)
	wantStates(t, oc, map[string]ir.State{"fan[a]": S, "fan[b]": F, "join": UF, "strict": UF, "done": F})
	if msg := oc.inst("done").Error; !strings.Contains(msg, "not available") {
		t.Errorf("done: %q does not say the output is not available", msg)
	}

	// A value that is not a number fails its instance, not the others.
	text := &ir.Cond{Op: ir.CondCompare, Cmp: ir.Gt, Numeric: true,
		Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefEachValue}}, Right: ir.Operand{Lit: "0", LitKind: ir.LitNumber}}
	oc, _ = run(t, []string{"NaN", "3"}, publish, text)
	wantStates(t, oc, map[string]ir.State{"fan[a]": F, "fan[b]": S})
}
