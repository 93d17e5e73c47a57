package airflow

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// hostileStrings are inputs that must reach the engine byte for byte.
var hostileStrings = []string{
	"", "plain", "it's \"quoted\" '''", `back\slash \n \\ \" \`,
	"{{ params.x }}", "{% if true %}x{% endif %}", "{# c #}", "{{ '{{' }}", "}} %} #}",
	"$(id) `uname` $HOME ${HOME}", "line1\nline2\r\nline3\n", "\n", "trailing\n\n",
	"tab\there", "nul-free \x01\x1f\x7f", "héllo ☃ 日本語 🎉", "\u2028\u2029\u0085\u00a0\u202e",
	"deploy.sh", "run.bash", "x.sh ", "\"\"\"; import os # '''", "%d %s %% %{", "\ufeffbom",
	"{", "}", "{{", "{%", "{#", "{{{", "'", "\\", "\\x41", "\\u0041", "\\N{LATIN SMALL LETTER A}",
}

// randomHostile builds n strings from the characters that matter to
// Python, Jinja and shells (seeded: the same strings on every run).
func randomHostile(n int) []string {
	alphabet := []rune("{}%#'\"\\\n\r\t $`()|;&<>*?[]!~.shbaxu0N\x00\x01\x7f\u00e9\u2028\u202e\U0001F389\ufeff")
	r := rand.New(rand.NewSource(1))
	out := make([]string, n)
	for i := range out {
		b := make([]rune, r.Intn(12))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		out[i] = string(b)
	}
	return out
}

func TestPyStrRoundTrip(t *testing.T) {
	py := python3(t)
	inputs := append(append([]string{}, hostileStrings...), randomHostile(300)...)
	var lits []string
	for _, s := range inputs {
		lit := pyStr(s)
		if strings.ContainsAny(lit, "\n\r") {
			t.Errorf("pyStr(%q) spans lines: %s", s, lit)
		}
		lits = append(lits, lit)
	}
	// Evaluate every literal with Python's own parser and hand the values
	// back as JSON.
	prog := "import ast, json, sys\nprint(json.dumps([ast.literal_eval(l) for l in sys.argv[1:]]))"
	var got []string
	if err := json.Unmarshal(runPython(t, py, prog, lits...), &got); err != nil {
		t.Fatal(err)
	}
	for i, s := range inputs {
		if got[i] != s {
			t.Errorf("pyStr(%q) = %s evaluates to %q", s, lits[i], got[i])
		}
	}
}

// TestJinjaLitRoundTrip renders each escaped literal with Airflow's own
// Jinja environment (the venv's), as BashOperator renders its env.
func TestJinjaLitRoundTrip(t *testing.T) {
	py := venvPython()
	if py == "" {
		t.Skip("Airflow venv not found (scripts/setup-airflow.sh installs it): skipping the Jinja round trip")
	}
	var templates []string
	var want []string
	for _, s := range append(append([]string{}, hostileStrings...), randomHostile(300)...) {
		if strings.ContainsRune(s, 0) {
			continue // NUL cannot be a process argument
		}
		templates = append(templates, jinjaLit(s))
		want = append(want, s)
		// As a whole field that ends the way BashOperator reads as a file.
		templates = append(templates, jinjaTemplate([]templatePart{{lit: s}}, bashTemplateExt))
		want = append(want, s)
		// Next to an expression.
		templates = append(templates, jinjaTemplate([]templatePart{{lit: s}, {expr: "'<'", isEx: true}, {lit: s}}, bashTemplateExt))
		want = append(want, s+"<"+s)
	}
	prog := `import json, sys
from airflow.sdk.definitions._internal.templater import SandboxedEnvironment
env = SandboxedEnvironment(cache_size=0)
from airflow.sdk import DAG
dag = DAG("x", schedule=None)
env = dag.get_template_env()
print(json.dumps([env.from_string(t).render() for t in sys.argv[1:]]))`
	var got []string
	if err := json.Unmarshal(runPython(t, py, prog, templates...), &got); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("template %q renders %q, want %q", templates[i], got[i], want[i])
		}
	}
}

func TestTemplateNeverEndsInTemplateExt(t *testing.T) {
	for _, s := range hostileStrings {
		for _, parts := range [][]templatePart{{{lit: s}}, {{expr: "x", isEx: true}, {lit: s}}} {
			got := jinjaTemplate(parts, bashTemplateExt)
			if endsWithAny(got, bashTemplateExt) {
				t.Errorf("template %q ends with a template extension", got)
			}
		}
	}
}

func TestWrapperHasNoJinja(t *testing.T) {
	w := strings.Join(wrapperLines, "\n")
	for _, bad := range []string{"{{", "{%", "{#"} {
		if strings.Contains(w, bad) {
			t.Errorf("wrapper contains %q, which Jinja would read", bad)
		}
	}
	if endsWithAny(w, bashTemplateExt) {
		t.Error("wrapper ends with a template extension")
	}
}

func TestNames(t *testing.T) {
	for name, want := range map[string]string{
		"class": "class_", "None": "None_", "import": "import_", "os": "os_", "dag": "dag_",
		"a-b": "a_b", "9lives": "t_9lives", "dagc_run_state": "dagc_run_state_", "ok": "ok",
	} {
		if got := pyVar(name); got != want {
			t.Errorf("pyVar(%q) = %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string]string{"a-b": "a-b", "a.b": "a_b", "é": "_"} {
		if got := taskID(name); got != want {
			t.Errorf("taskID(%q) = %q, want %q", name, got, want)
		}
	}
	if strings.Contains(taskID("dagc.run_state"), ".") {
		t.Error("a task id may never hold the watcher's '.'")
	}
}

func plainTask(name string, argv ...string) *ir.Task {
	var cmd []ir.Str
	for _, a := range argv {
		cmd = append(cmd, ir.Lit(a))
	}
	return &ir.Task{Name: name, Run: ir.Template{Command: cmd}, Trigger: ir.AllSuccess}
}

func TestCollisionsAreDiagnostics(t *testing.T) {
	p := &ir.Pipeline{Name: "p", Timezone: "UTC", Tasks: []*ir.Task{plainTask("a-b", "true"), plainTask("a_b", "true")}}
	diags := New().Check(p)
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, `"a-b" and "a_b"`) {
		t.Fatalf("want a collision diagnostic, got %v", diags)
	}
}

func TestUnsupportedNamesFeatureAndTask(t *testing.T) {
	k := plainTask("deploy", "true")
	k.Settings = []*ir.Settings{settings.Block("airflow", ir.LevelTask, map[string]any{"operator": "kubernetes"})}
	k.Outputs = []string{"url"}
	k.When = &ir.Cond{Op: ir.CondConst, Const: true}
	k.Run.Image = ir.Lit("alpine")
	bad := plainTask("odd", "true")
	bad.Settings = []*ir.Settings{settings.Block("airflow", ir.LevelTask, map[string]any{"operator": "docker"})}
	env := plainTask("env", "true")
	env.Run.Env = []ir.EnvVar{{Name: "DAGC_ARG_0", Value: ir.Lit("x")}}
	p := &ir.Pipeline{Name: "p", Timezone: "UTC", Tasks: []*ir.Task{k, bad, env}}
	diags := New().Check(p)
	for _, want := range []string{`task "deploy" uses outputs with operator "kubernetes"`, `"docker" is not allowed; use one of bash, kubernetes.`, `task "env" uses environment variable DAGC_ARG_0`} {
		found := false
		for _, d := range diags {
			if strings.Contains(d.Detail, want) && strings.Contains(d.Summary, "airflow") {
				found = true
			}
		}
		if !found {
			t.Errorf("no diagnostic %q in %v", want, diags)
		}
	}
}

func TestPipelineNameMustBeADagID(t *testing.T) {
	p := &ir.Pipeline{Name: "my pipeline", Timezone: "UTC", Tasks: []*ir.Task{plainTask("a", "true")}}
	if diags := New().Check(p); !diags.HasErrors() || !strings.Contains(diags[0].Summary, `pipeline name "my pipeline"`) {
		t.Fatalf("want a diagnostic for the dag id, got %v", diags)
	}
}

// A param named like a method of Airflow's ParamsDict is read by key:
// params.items is the method, and rendered into a command it failed the
// task ("Object of type builtin_function_or_method is not JSON serializable").
func TestParamNamedLikeADictMethod(t *testing.T) {
	for name, want := range map[string]string{"items": "params['items']", "values": "params['values']", "dataset": "params.dataset", "_x": "params['_x']"} {
		if got := jinjaParam(name); got != want {
			t.Errorf("jinjaParam(%q) = %s, want %s", name, got, want)
		}
	}
}
