package registry

import (
	"slices"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/parser"
)

func TestNamesAndRoles(t *testing.T) {
	if got, want := Names(), []string{"airflow", "argo", "stepfunctions", "local"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	// The local runner renders nothing and has no settings block; every
	// engine that renders files owns one.
	if got, want := SettingsBlocks(), []string{"airflow", "argo", "stepfunctions"}; !slices.Equal(got, want) {
		t.Errorf("SettingsBlocks() = %v, want %v", got, want)
	}
	for _, e := range All() {
		_, renders := e.(backends.Renderer)
		_, settings := e.(backends.SettingsChecker)
		if renders != settings {
			t.Errorf("%s: renders %v but has a settings block %v", e.Name(), renders, settings)
		}
	}
	// Each call is a fresh instance: flags configure one command's renderer.
	if a, b := All()[1], All()[1]; a == b {
		t.Error("All returns shared instances")
	}
}

// With the registry's names the parser takes exactly those block types as
// backend settings: anything else is an unknown block with a suggestion,
// and every backend's schema decodes its own block.
func TestParserWithRegistry(t *testing.T) {
	src := `pipeline "p" {
  argoo { namespace = "ml" }
}
task "a" {
  command = ["true"]
  local { x = 1 }
  stepfunctions { runer = "ecs" }
}
`
	_, diags := parser.New().ParseFile("p.dag.hcl", []byte(src), parser.Options{Backends: SettingsBlocks()})
	var got []string
	for _, d := range diags {
		got = append(got, d.Error())
	}
	if !diags.HasErrors() {
		t.Fatalf("unknown blocks gave no error")
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{`p.dag.hcl:2:3: error: Unsupported block type; Blocks of type "argoo" are not expected here. Did you mean "argo"?`, `p.dag.hcl:6:3: error: Unsupported block type`} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	pipe, diags := parser.New().ParseFile("p.dag.hcl", []byte("task \"a\" {\n  command = [\"true\"]\n  stepfunctions { runer = \"ecs\" }\n}\n"), parser.Options{Backends: SettingsBlocks()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ds := CheckSettings(pipe)
	if len(ds) != 1 || ds[0].Error() != `p.dag.hcl:3:19: error: Unsupported argument in stepfunctions block; An argument named "runer" is not expected in a stepfunctions block. Did you mean "runner"?` {
		t.Errorf("CheckSettings = %v", ds)
	}
}
