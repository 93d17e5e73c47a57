package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

// A fan-out over a run-time value (DESIGN 2.5) gets its instances when it
// starts, from the producer's output or a list(string) param.
func TestRunTimeFanOut(t *testing.T) {
	const src = `
param "names" {
  type    = list(string)
  default = ["p", "q"]
}
task "list" {
  script  = "printf '%s' \"$ITEMS\" > \"$DAGC_OUTPUTS/items\""
  env     = { ITEMS = "[\"a\",\"b c\",\"skip\"]" }
  outputs = ["items"]
}
task "each" {
  for_each = task.list.outputs.items
  script   = "printf '%s=%s' \"$K\" \"$V\" > \"$DAGC_OUTPUTS/row\""
  env      = { K = each.key, V = each.value }
  when     = each.value != "skip"
  outputs  = ["row"]
}
task "by_param" {
  for_each = param.names
  script   = "printf '%s' \"$V\" > \"$DAGC_OUTPUTS/row\""
  env      = { V = each.value }
  outputs  = ["row"]
}
task "join" {
  depends_on = [task.each, task.by_param]
  trigger    = "none_failed"
  script     = "printf '%s|%s' \"$A\" \"$B\" > \"$DAGC_OUTPUTS/all\""
  env        = { A = task.each.outputs.row, B = task.by_param.outputs.row }
  outputs    = ["all"]
}
`
	run := func(t *testing.T, params map[string]string, items string) *outcome {
		dir := t.TempDir()
		p := parse(t, strings.Replace(src, `[\"a\",\"b c\",\"skip\"]`, items, 1))
		if params == nil {
			params = map[string]string{"names": `["p","q"]`}
		}
		return runIt(t, context.Background(), p, dir, Options{Params: params})
	}
	oc := run(t, nil, `[\"a\",\"b c\",\"skip\"]`)
	wantStates(t, oc, map[string]ir.State{"each[0]": S, "each[1]": S, "each[2]": ir.Skipped, "by_param[0]": S, "by_param[1]": S, "join": S})
	if got := oc.inst("join").Outputs["all"]; got != `["0=a","1=b c"]|["p","q"]` {
		t.Errorf("join got %s", got)
	}

	// Zero items: the task ends skipped as a whole, and its dependents
	// follow the skip rules (none_failed runs).
	oc = run(t, map[string]string{"names": `[]`}, `[]`)
	wantStates(t, oc, map[string]ir.State{"each": ir.Skipped, "by_param": ir.Skipped, "join": S})
	if got := oc.inst("join").Outputs["all"]; got != `[]|[]` {
		t.Errorf("join got %s", got)
	}

	// A value that is not a JSON array of strings fails the consumer,
	// showing the value's first bytes.
	oc = run(t, nil, `{\"a\":1}`)
	wantStates(t, oc, map[string]ir.State{"each": F, "join": UF})
	if msg := oc.inst("each").Error; !strings.Contains(msg, `not a JSON array: "{\"a\":1}"`) || !strings.Contains(msg, "task.list.outputs.items") {
		t.Errorf("each: %q", msg)
	}
	if oc.res.State != F {
		t.Errorf("run %s, want failed", oc.res.State)
	}
}

// Objects: each.value.NAME reads a field; an item that lacks a field the
// task reads, or an object where the task reads each.value whole, fails
// the task before any instance starts.
func TestRunTimeFanOutFields(t *testing.T) {
	const src = `
task "list" {
  script  = "printf '%s' \"$ITEMS\" > \"$DAGC_OUTPUTS/items\""
  env     = { ITEMS = "ITEMS_HERE" }
  outputs = ["items"]
}
task "each" {
  for_each = task.list.outputs.items
  script   = "printf '%s' \"$N\" > \"$DAGC_OUTPUTS/n\""
  env      = { N = "${each.value.name}:${each.key}" }
  outputs  = ["n"]
}
`
	dir := t.TempDir()
	p := parse(t, strings.Replace(src, "ITEMS_HERE", `[{\"name\":\"x\"},{\"name\":\"y\",\"z\":\"1\"}]`, 1))
	oc := runIt(t, context.Background(), p, dir, Options{})
	if got := oc.inst("each[1]").Outputs["n"]; got != `y:1` {
		t.Errorf("each[1] got %s", got)
	}
	whole := strings.Replace(strings.Replace(src, "ITEMS_HERE", `[{\"name\":\"x\"}]`, 1), "${each.value.name}", "${each.value}", 1)
	oc = runIt(t, context.Background(), parse(t, whole), t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"each": F})
	if msg := oc.inst("each").Error; !strings.Contains(msg, "element 0 is an object") {
		t.Errorf("each: %q", msg)
	}
	p = parse(t, strings.Replace(src, "ITEMS_HERE", `[{\"name\":\"x\"},{\"other\":\"y\"}]`, 1))
	oc = runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"each": F})
	if msg := oc.inst("each").Error; !strings.Contains(msg, `element 1 has no field "name"`) {
		t.Errorf("each: %q", msg)
	}
}

// --resume keeps the finished instances of a run-time fan-out and runs
// the others again.
func TestRunTimeFanOutResume(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "fixed")
	src := `
task "list" {
  script  = "printf '[\"a\",\"b\"]' > \"$DAGC_OUTPUTS/items\""
  outputs = ["items"]
}
task "each" {
  for_each = task.list.outputs.items
  script   = "echo ran >> \"$LOG\"; [ \"$V\" = a ] || [ -e \"$MARK\" ]"
  env      = { V = each.value, LOG = "${each.value}.log", MARK = "` + marker + `" }
}
`
	p := parse(t, src)
	o := Options{RunID: "r1"}
	oc := runIt(t, context.Background(), p, dir, o)
	wantStates(t, oc, map[string]ir.State{"each[0]": S, "each[1]": F})
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o.Resume = true
	oc = runIt(t, context.Background(), p, dir, o)
	wantStates(t, oc, map[string]ir.State{"each[0]": S, "each[1]": S})
	if !oc.inst("each[0]").Kept || oc.inst("each[1]").Kept {
		t.Errorf("kept: each[0] %v, each[1] %v", oc.inst("each[0]").Kept, oc.inst("each[1]").Kept)
	}
	for name, want := range map[string]string{"a.log": "ran\n", "b.log": "ran\nran\n"} {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func parse(t *testing.T, src string) *ir.Pipeline {
	t.Helper()
	p, diags := parser.New().ParseFile("p.dag.hcl", []byte(src), parser.Options{})
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	return p
}
