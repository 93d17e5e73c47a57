package parser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// parse compiles src and fails the test on any error diagnostic.
func parse(t *testing.T, src string, opts Options) *ir.Pipeline {
	t.Helper()
	p := New()
	pipe, diags := p.ParseFile("test.dag.hcl", []byte(src), opts)
	if diags.HasErrors() {
		var b strings.Builder
		p.WriteDiagnostics(&b, diags)
		t.Fatalf("unexpected diagnostics:\n%s", b.String())
	}
	return pipe
}

// parseErr compiles src and returns its diagnostics, failing when there is
// no error.
func parseErr(t *testing.T, src string, opts Options) ir.Diagnostics {
	t.Helper()
	_, diags := New().ParseFile("test.dag.hcl", []byte(src), opts)
	if !diags.HasErrors() {
		t.Fatalf("expected an error, got none")
	}
	return diags
}

func argv(in *ir.Instance) []string {
	var out []string
	for _, s := range in.Argv() {
		out = append(out, s.Literal())
	}
	return out
}

func TestVariablePrecedence(t *testing.T) {
	src := `
variable "x" {
  type    = string
  default = "from-default"
}
variable "n" {
  type    = list(number)
  default = [1]
}
task "a" {
  command = ["echo", var.x, jsonencode(var.n)]
}`
	dir := t.TempDir()
	varFile := filepath.Join(dir, "vars.hcl")
	if err := os.WriteFile(varFile, []byte("x = \"from-file\"\nn = [2, 3]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts Options
		want []string
	}{
		{"default", Options{}, []string{"echo", "from-default", "[1]"}},
		{"env", Options{Environ: []string{"DAGC_VAR_x=from-env", "DAGC_VAR_n=[4]"}}, []string{"echo", "from-env", "[4]"}},
		{"file over env", Options{Environ: []string{"DAGC_VAR_x=from-env"}, VarFiles: []string{varFile}}, []string{"echo", "from-file", "[2,3]"}},
		{"flag over file", Options{Environ: []string{"DAGC_VAR_x=from-env"}, VarFiles: []string{varFile}, Vars: []string{"x=from-flag", "x=last-flag-wins"}}, []string{"echo", "last-flag-wins", "[2,3]"}},
		{"flag parsed as HCL for non-strings", Options{Vars: []string{"n=[7, 8]"}}, []string{"echo", "from-default", "[7,8]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pipe := parse(t, src, c.opts)
			if got := argv(pipe.Tasks[0].Instances()[0]); !reflect.DeepEqual(got, c.want) {
				t.Errorf("argv = %q, want %q", got, c.want)
			}
		})
	}
	t.Run("undeclared --var", func(t *testing.T) {
		diags := parseErr(t, src, Options{Vars: []string{"y=1"}})
		if diags[0].Summary != "Value for undeclared variable" || !strings.Contains(diags[0].Detail, `Did you mean "x"?`) && !strings.Contains(diags[0].Detail, `Did you mean "n"?`) {
			t.Errorf("got %v", diags)
		}
	})
	t.Run("bad typed --var", func(t *testing.T) {
		diags := parseErr(t, src, Options{Vars: []string{"n=nope"}})
		if diags[0].Summary != "Invalid value for variable" {
			t.Errorf("got %v", diags)
		}
	})
	t.Run("validation fails on --var", func(t *testing.T) {
		vsrc := `
variable "x" {
  default = "ok"
  validation {
    condition     = var.x != "bad"
    error_message = "x must not be bad."
  }
}
task "a" { command = ["echo", var.x] }`
		parse(t, vsrc, Options{})
		diags := parseErr(t, vsrc, Options{Vars: []string{"x=bad"}})
		if diags[0].Summary != "Invalid value for variable" || !strings.Contains(diags[0].Detail, "x must not be bad.") {
			t.Errorf("got %v", diags)
		}
	})
}

func TestForEachOrderAndValues(t *testing.T) {
	pipe := parse(t, `
task "list" {
  for_each = ["b", "a", "c"]
  command  = ["echo", each.key, each.value]
}
task "set" {
  for_each = toset(["b", "a", "c", "a"])
  command  = ["echo", each.key, each.value]
}
task "map" {
  for_each = { z = { n = 1 }, a = { n = 2 } }
  command  = ["echo", each.key, each.value.n]
  image    = "img:${each.key}"
  env      = { KEY = each.key }
}
task "numbers" {
  for_each = [1.5, 2]
  command  = ["echo", each.value]
}`, Options{})
	want := map[string][][2]string{
		"list":    {{"0", "b"}, {"1", "a"}, {"2", "c"}},
		"set":     {{"a", "a"}, {"b", "b"}, {"c", "c"}},
		"map":     {{"a", `{"n":2}`}, {"z", `{"n":1}`}},
		"numbers": {{"0", "1.5"}, {"1", "2"}},
	}
	for name, insts := range want {
		task := pipe.Task(name)
		if task.ForEach == nil || len(task.Instances()) != len(insts) {
			t.Fatalf("%s: ForEach=%v with %d instances", name, task.ForEach != nil, len(task.Instances()))
		}
		for i, kv := range insts {
			in := task.Instances()[i]
			if in.Key != kv[0] || in.Value != kv[1] {
				t.Errorf("%s[%d] = (%q, %q), want %q", name, i, in.Key, in.Value, kv)
			}
		}
	}
	m := pipe.Task("map").Instances()
	if m[0].Image != "img:a" || m[1].Image != "img:z" || m[1].Env[0].Value.Literal() != "z" {
		t.Errorf("per-instance image/env not evaluated per element: %+v %+v", m[0], m[1])
	}
	if got := argv(m[1]); !reflect.DeepEqual(got, []string{"echo", "z", "1"}) {
		t.Errorf("argv = %q", got)
	}
}

func TestRuntimeReferencesBecomeParts(t *testing.T) {
	pipe := parse(t, `
param "dataset" {}
task "a" {
  command = ["true"]
  outputs = ["rows"]
}
task "b" {
  command = ["prog", param.dataset, "--rows=${task.a.outputs.rows}!", "${run.id}/${run.date}", "$${not.a.ref}"]
  env     = { ROWS = task.a.outputs.rows }
}`, Options{})
	b := pipe.Task("b")
	cmd := b.Run.Command
	ref := func(s ir.Str, i int) *ir.Ref { return s.Parts[i].Ref }
	if len(cmd[1].Parts) != 1 || ref(cmd[1], 0).Kind != ir.RefParam || ref(cmd[1], 0).Name != "dataset" {
		t.Errorf("param part: %+v", cmd[1])
	}
	if len(cmd[2].Parts) != 3 || cmd[2].Parts[0].Lit != "--rows=" || ref(cmd[2], 1).Task != "a" || ref(cmd[2], 1).Name != "rows" || cmd[2].Parts[2].Lit != "!" {
		t.Errorf("interpolated output: %+v", cmd[2])
	}
	if got := cmd[3].Literal(); got != "${run.id}/${run.date}" {
		t.Errorf("run refs: %q", got)
	}
	if !cmd[4].IsLiteral() || cmd[4].Literal() != "${not.a.ref}" {
		t.Errorf("escaped template: %+v", cmd[4])
	}
	if !reflect.DeepEqual(b.Upstream(), []string{"a"}) || len(b.Edges) != 1 {
		t.Fatalf("upstream = %v, edges = %v", b.Upstream(), b.Edges)
	}
	// The edge points at the first reference that caused it.
	if e := b.Edges[0].Range; e.Start.Line != 8 || e.Start.Column != 47 {
		t.Errorf("edge range = %+v", e)
	}
	if ref(cmd[2], 1).Range.Start.Line != 8 {
		t.Errorf("ref range = %+v", ref(cmd[2], 1).Range)
	}
}

func TestWhenCompilesToCond(t *testing.T) {
	pipe := parse(t, `
param "n" {
  type    = number
  default = 3
}
param "flag" {
  type    = bool
  default = true
}
param "s" {}
task "a" {
  command = ["true"]
  outputs = ["score"]
}
task "b" {
  when    = (task.a.outputs.score >= 0.9 && param.s != "x") || !param.flag || param.n < 2 && "${param.s}" == "y"
  command = ["true"]
}
task "c" {
  when    = param.s == "${upper("ab")}" && param.flag == false && true
  command = ["true"]
}
task "d" {
  when    = 1 > 2
  command = ["true"]
}`, Options{})
	b := pipe.Task("b")
	want := `(task.a.outputs.score >= 0.9 && param.s != "x") || !(param.flag == true) || (param.n < 2 && param.s == "y")`
	if got := b.When.String(); got != want {
		t.Errorf("when = %s\nwant   %s", got, want)
	}
	if !reflect.DeepEqual(b.Upstream(), []string{"a"}) {
		t.Errorf("when reference adds no edge: %v", b.Upstream())
	}
	or := b.When
	if or.Op != ir.CondOr || len(or.Args) != 3 {
		t.Fatalf("or not flattened: %+v", or)
	}
	if !or.Args[0].Args[0].Numeric || or.Args[0].Args[1].Numeric || !or.Args[2].Args[0].Numeric || or.Args[1].Args[0].Numeric {
		t.Errorf("Numeric flags wrong")
	}
	c := pipe.Task("c").When
	if c.String() != `param.s == "AB" && param.flag == false && true` {
		t.Errorf("c = %s", c.String())
	}
	if d := pipe.Task("d").When; d.Op != ir.CondConst || d.Const {
		t.Errorf("constant when = %+v", d)
	}
	lookup := func(r *ir.Ref) string {
		return map[string]string{"task.a.outputs.score": "0.95", "param.s": "y", "param.flag": "true", "param.n": "3"}[r.String()]
	}
	if ok, err := b.When.Eval(lookup); err != nil || !ok {
		t.Errorf("eval = %v, %v", ok, err)
	}
}

func TestDefaultsMerge(t *testing.T) {
	pipe := parse(t, `
pipeline "merge" {
  defaults {
    image   = "base:1"
    env     = { A = "1", B = "2" }
    timeout = "1h"
    trigger = "all_done"
    retry {
      attempts = 2
      delay    = "30s"
      backoff  = 2
    }
    resources {
      cpu    = 1
      memory = "1Gi"
    }
    airflow {
      pool = "p"
    }
  }
  airflow {
    owner = "o"
    queue = "q"
  }
  argo {
    namespace     = "ns"
    node_selector = { a = "1" }
  }
}
task "plain" {
  command = ["true"]
}
task "custom" {
  command = ["true"]
  image   = "own:2"
  env     = { B = "two", C = "3" }
  timeout = "5m"
  trigger = "all_success"
  retry {
    attempts = 5
  }
  resources {
    memory = "2Gi"
  }
  airflow {
    queue = "mine"
  }
  argo {
    node_selector = { b = "2" }
  }
}
task "short" {
  command = ["true"]
  retries = 1
}`, Options{})
	plain, custom, short := pipe.Task("plain"), pipe.Task("custom"), pipe.Task("short")
	if plain.Run.Image.Literal() != "base:1" || custom.Run.Image.Literal() != "own:2" {
		t.Errorf("image merge")
	}
	env := func(t *ir.Task) map[string]string {
		m := map[string]string{}
		for _, e := range t.Run.Env {
			m[e.Name] = e.Value.Literal()
		}
		return m
	}
	if got := env(custom); !reflect.DeepEqual(got, map[string]string{"A": "1", "B": "two", "C": "3"}) {
		t.Errorf("env merge = %v", got)
	}
	if plain.Timeout != time.Hour || custom.Timeout != 5*time.Minute || plain.Trigger != ir.AllDone || custom.Trigger != ir.AllSuccess {
		t.Errorf("timeout/trigger merge")
	}
	if want := (ir.Retry{Attempts: 5, Delay: 30 * time.Second, Backoff: 2}); custom.Retry != want {
		t.Errorf("retry merge = %+v, want %+v", custom.Retry, want)
	}
	if want := (ir.Retry{Attempts: 1, Delay: 30 * time.Second, Backoff: 2}); short.Retry != want {
		t.Errorf("retries over defaults = %+v, want %+v", short.Retry, want)
	}
	if custom.Resources != (ir.Resources{CPU: "1", Memory: "2Gi"}) {
		t.Errorf("resources merge = %+v", custom.Resources)
	}
	// Backend blocks are kept as written, at their level, for the backends
	// to merge (backends/settings tests the merge).
	if got := settingsSummary(pipe.Settings); got != "airflow@pipeline[owner queue] argo@pipeline[namespace node_selector] airflow@defaults[pool]" {
		t.Errorf("pipeline settings = %s", got)
	}
	if got := settingsSummary(custom.Settings); got != "airflow@task[queue] argo@task[node_selector]" {
		t.Errorf("task settings = %s", got)
	}
	if plain.Settings != nil {
		t.Errorf("a task without blocks has settings %s", settingsSummary(plain.Settings))
	}
}

func settingsSummary(ss []*ir.Settings) string {
	var parts []string
	for _, s := range ss {
		var names []string
		for _, a := range s.Attrs {
			names = append(names, a.Name)
		}
		parts = append(parts, fmt.Sprintf("%s@%s[%s]", s.Backend, s.Level, strings.Join(names, " ")))
	}
	return strings.Join(parts, " ")
}

func TestRetryDefaults(t *testing.T) {
	pipe := parse(t, `
task "a" {
  command = ["true"]
  retries = 3
}
task "b" {
  command = ["true"]
}`, Options{})
	if want := (ir.Retry{Attempts: 3, Delay: time.Second, Backoff: 1}); pipe.Task("a").Retry != want {
		t.Errorf("retries = %+v", pipe.Task("a").Retry)
	}
	if want := (ir.Retry{Backoff: 1}); pipe.Task("b").Retry != want {
		t.Errorf("no retry = %+v", pipe.Task("b").Retry)
	}
}

// max_parallel in defaults caps every for_each task that does not set its
// own, and is no error on a task without for_each.
func TestMaxParallelDefaults(t *testing.T) {
	pipe := parse(t, `
pipeline "p" {
  defaults { max_parallel = 3 }
}
task "plain" {
  command = ["true"]
}
task "inherits" {
  for_each = ["a", "b", "c", "d"]
  command  = ["echo", each.value]
}
task "own" {
  for_each     = ["a", "b"]
  command      = ["echo", each.value]
  max_parallel = 1
}`, Options{})
	if pipe.Task("plain").ForEach != nil {
		t.Errorf("plain task got a fan-out")
	}
	if got := pipe.Task("inherits").ForEach.MaxParallel; got != 3 {
		t.Errorf("inherits: max_parallel = %d, want 3 from defaults", got)
	}
	if got := pipe.Task("own").ForEach.MaxParallel; got != 1 {
		t.Errorf("own: max_parallel = %d, want its own 1", got)
	}
}

func TestParamDefaultsCanonical(t *testing.T) {
	pipe := parse(t, `
param "n" {
  type    = number
  default = 3.0
}
param "f" {
  type    = number
  default = "0.50"
}
param "b" {
  type    = bool
  default = "true"
}
param "s" {
  default     = 12
  description = "a string"
}
param "none" {}
task "a" { command = ["true"] }`, Options{})
	want := map[string][2]string{"n": {"number", "3"}, "f": {"number", "0.5"}, "b": {"bool", "true"}, "s": {"string", "12"}, "none": {"string", ""}}
	names := []string{}
	for _, p := range pipe.Params {
		names = append(names, p.Name)
		w := want[p.Name]
		if string(p.Type) != w[0] || p.Default != w[1] || p.HasDefault != (p.Name != "none") {
			t.Errorf("param %s = %+v, want %v", p.Name, p, w)
		}
	}
	if !reflect.DeepEqual(names, []string{"b", "f", "n", "none", "s"}) {
		t.Errorf("params not sorted: %v", names)
	}
}

func TestPipelineNameAndLocals(t *testing.T) {
	p := New()
	pipe, diags := p.ParseFile("dir/nightly_etl.dag.hcl", []byte(`
locals {
  b = "${local.a}/b"
  a = "out/${pipeline.name}"
}
task "a" { command = ["echo", local.b] }`), Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if pipe.Name != "nightly_etl" || pipe.Timezone != "UTC" {
		t.Errorf("name = %q, timezone = %q", pipe.Name, pipe.Timezone)
	}
	if got := argv(pipe.Tasks[0].Instances()[0]); got[1] != "out/nightly_etl/b" {
		t.Errorf("locals out of order: %q", got)
	}
}

func TestScriptAndShell(t *testing.T) {
	pipe := parse(t, `
pipeline "s" {
  defaults {
    shell = ["bash", "-c"]
  }
}
task "a" {
  script = "echo ${upper("x")}"
}
task "b" {
  script = "echo hi"
  shell  = ["sh", "-euxc"]
}`, Options{})
	if got := argv(pipe.Task("a").Instances()[0]); !reflect.DeepEqual(got, []string{"bash", "-c", "echo X"}) {
		t.Errorf("a = %q", got)
	}
	if got := argv(pipe.Task("b").Instances()[0]); !reflect.DeepEqual(got, []string{"sh", "-euxc", "echo hi"}) {
		t.Errorf("b = %q", got)
	}
}

func TestWriteDiagnostics(t *testing.T) {
	p := New()
	src := "task \"a\" {\n\tcommand = [\"true\"]\n\timagee = \"x\"\n}\n"
	_, diags := p.ParseFile("w.dag.hcl", []byte(src), Options{})
	var b bytes.Buffer
	if err := p.WriteDiagnostics(&b, diags); err != nil {
		t.Fatal(err)
	}
	want := "Error: Unsupported argument\n\n  on w.dag.hcl:3:2:\n    3 | \timagee = \"x\"\n      | \t^^^^^^\n\nAn argument named \"imagee\" is not expected here. Did you mean \"image\"?\n\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := p.WriteDiagnosticsJSON(&b, diags); err != nil {
		t.Fatal(err)
	}
	var got []jsonDiagnostic
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Severity != "error" || got[0].Range == nil || got[0].Range.Filename != "w.dag.hcl" ||
		got[0].Range.Start != (jsonPos{3, 2, 32}) || got[0].Range.End != (jsonPos{3, 8, 38}) {
		t.Errorf("json = %+v %+v", got, got[0].Range)
	}
}

func TestParsePathsKeepsValidPipelines(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.dag.hcl"), []byte(`task "a" { command = ["true"] }`), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.dag.hcl"), []byte(`task "a" { }`), 0o644)
	os.WriteFile(filepath.Join(dir, "ignored.hcl"), []byte(`garbage`), 0o644)
	pipes, diags := New().ParsePaths([]string{dir}, Options{})
	if len(pipes) != 1 || pipes[0].Name != "good" {
		t.Fatalf("pipes = %v", pipes)
	}
	if len(diags) != 1 || diags[0].Summary != "Missing command or script" || !strings.HasSuffix(diags[0].Subject.Filename, "bad.dag.hcl") {
		t.Errorf("diags = %v", diags)
	}
	_, diags = New().ParsePaths([]string{filepath.Join(dir, "missing.dag.hcl")}, Options{})
	if !diags.HasErrors() {
		t.Error("missing file gave no error")
	}
}

func TestEachOnlyPerInstance(t *testing.T) {
	diags := parseErr(t, `
task "a" {
  for_each = ["x"]
  command  = ["echo", each.value]
  retries  = length(each.value)
}`, Options{})
	if len(diags) != 1 || diags[0].Summary != "Reference to each outside for_each" || !strings.Contains(diags[0].Detail, "retry is the same for every instance") {
		t.Errorf("diags = %v", diags)
	}
}

// TestHardening12ScheduleNormalizedOnce: the IR holds the one canonical
// cron text that every backend renders, and a schedule that can never fire
// is a warning at the attribute (issue 13, item 12).
func TestHardening12ScheduleNormalizedOnce(t *testing.T) {
	pipe := parse(t, "pipeline \"p\" {\n  schedule = \"0 0 * * 5-7\"\n}\ntask \"a\" {\n  command = [\"true\"]\n}\n", Options{})
	if pipe.Schedule != "0 0 * * 0,5,6" {
		t.Errorf("Schedule = %q, want the canonical 0 0 * * 0,5,6", pipe.Schedule)
	}
	_, diags := New().ParseFile("test.dag.hcl", []byte("pipeline \"p\" {\n  schedule = \"0 0 31 2 *\"\n}\ntask \"a\" {\n  command = [\"true\"]\n}\n"), Options{})
	if diags.HasErrors() || len(diags) != 1 || diags[0].Severity != ir.Warning || diags[0].Summary != "Schedule never fires" || diags[0].Subject.Start.Line != 2 {
		t.Errorf("want one warning at line 2, got %+v", diags)
	}
}

// A backend block is kept as written: each attribute evaluated at compile
// time into a plain value, null attributes left out, with its ranges; the
// parser checks no field.
func TestSettingsBlocksAsWritten(t *testing.T) {
	src := `variable "ns" {
  default = "ml"
}
pipeline "p" {
  argo {
    namespace = var.ns
    big       = 1e30
    ratio     = 0.5
    on        = true
    list      = ["a", 1]
    m         = { b = "2", a = [1] }
    gone      = null
  }
}
task "a" {
  command = ["true"]
  custom {
    x = "y"
  }
}
`
	pipe := parse(t, src, Options{})
	if len(pipe.Settings) != 1 {
		t.Fatalf("settings %s", settingsSummary(pipe.Settings))
	}
	s := pipe.Settings[0]
	var got []string
	for _, a := range s.Attrs {
		got = append(got, a.Name+"="+a.Value.String())
	}
	want := `namespace="ml" big=1000000000000000000000000000000 ratio=0.5 on=true list=["a", 1] m={ a = [1], b = "2" }`
	if strings.Join(got, " ") != want {
		t.Errorf("attributes\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if a := s.Attrs[0]; a.NameRange.Start.Line != 6 || a.NameRange.Start.Column != 5 || a.Range.Start.Column != 17 || s.Range.Start.Line != 5 {
		t.Errorf("ranges: block %+v, name %+v, value %+v", s.Range, a.NameRange, a.Range)
	}
	// Permissive (no Backends): an unknown block type is some backend's.
	if got := settingsSummary(pipe.Task("a").Settings); got != "custom@task[x]" {
		t.Errorf("permissive task settings = %s", got)
	}
	// With Backends, only those are.
	diags := parseErr(t, src, Options{Backends: []string{"argo"}})
	if len(diags) != 1 || diags[0].Summary != "Unsupported block type" || diags[0].Subject.Start.Line != 17 {
		t.Errorf("strict parse: %v", diags)
	}
	if diags := parseErr(t, `pipeline "p" {
  argo { labels = { k = param.x } }
}
param "x" {
  default = "v"
}
task "a" { command = ["true"] }
`, Options{}); !strings.Contains(diags[0].Error(), "per-backend settings are fixed when the pipeline is compiled") {
		t.Errorf("run-time reference in settings: %v", diags)
	}
}
