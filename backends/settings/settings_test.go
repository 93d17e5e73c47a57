package settings

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

type opts struct {
	Namespace string
	Account   string
	Mode      string
	Weight    int
	Retain    time.Duration
	Subnets   []string
	Labels    map[string]string
	Public    bool
}

var schema = &Schema[opts]{Backend: "kube", Fields: []Field[opts]{
	String("namespace", func(o *opts) *string { return &o.Namespace }).WholeRun("to the whole run"),
	String("account", func(o *opts) *string { return &o.Account }),
	Enum("mode", []string{"fast", "safe"}, func(o *opts) *string { return &o.Mode }),
	Int("weight", 1, func(o *opts) *int { return &o.Weight }),
	Duration("retain", func(o *opts) *time.Duration { return &o.Retain }),
	StringList("subnets", func(o *opts) *[]string { return &o.Subnets }),
	StringMap("labels", func(o *opts) *map[string]string { return &o.Labels }),
	Bool("public", func(o *opts) *bool { return &o.Public }),
}}

// at gives each attribute of b a distinct range on line line, so tests can
// tell where a diagnostic points.
func at(b *ir.Settings, line int) *ir.Settings {
	for i := range b.Attrs {
		b.Attrs[i].NameRange = ir.Range{Filename: "p.dag.hcl", Start: ir.Pos{Line: line + i, Column: 3}}
		b.Attrs[i].Range = ir.Range{Filename: "p.dag.hcl", Start: ir.Pos{Line: line + i, Column: 10}}
	}
	return b
}

func TestMergeAndProvenance(t *testing.T) {
	plain := &ir.Task{Name: "plain"}
	own := &ir.Task{Name: "own", Settings: []*ir.Settings{
		Block("elsewhere", ir.LevelTask, map[string]any{"namespace": "other backend"}),
		at(Block("kube", ir.LevelTask, map[string]any{"account": "task-sa", "labels": map[string]string{"b": "2"}}), 30),
	}}
	other := &ir.Task{Name: "other", Settings: []*ir.Settings{Block("elsewhere", ir.LevelTask, map[string]any{"account": "ignored"})}}
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{plain, own, other}, Settings: []*ir.Settings{
		at(Block("kube", ir.LevelPipeline, map[string]any{"account": "pipe-sa", "labels": map[string]string{"a": "1"}, "mode": "fast"}), 10),
		at(Block("kube", ir.LevelDefaults, map[string]any{"namespace": "ml", "weight": 3, "retain": "1d"}), 20),
	}}
	d, diags := schema.Decode(p)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	// A whole-run setting in defaults is the run's; the rest of defaults
	// applies to tasks only.
	if want := (opts{Namespace: "ml", Account: "pipe-sa", Mode: "fast", Labels: map[string]string{"a": "1"}}); !reflect.DeepEqual(d.Run, want) {
		t.Errorf("Run = %+v, want %+v", d.Run, want)
	}
	wantPlain := opts{Namespace: "ml", Account: "pipe-sa", Mode: "fast", Weight: 3, Retain: 24 * time.Hour, Labels: map[string]string{"a": "1"}}
	if got := d.Task(plain); !reflect.DeepEqual(got, wantPlain) {
		t.Errorf("plain = %+v, want %+v", got, wantPlain)
	}
	if got := d.Task(other); !reflect.DeepEqual(got, wantPlain) {
		t.Errorf("a block of another backend changed the settings: %+v", got)
	}
	wantOwn := wantPlain
	wantOwn.Account, wantOwn.Labels = "task-sa", map[string]string{"b": "2"}
	if got := d.Task(own); !reflect.DeepEqual(got, wantOwn) {
		t.Errorf("own = %+v, want %+v", got, wantOwn)
	}
	for _, c := range []struct {
		task  *ir.Task
		name  string
		level ir.Level
		line  int
	}{
		{own, "account", ir.LevelTask, 30}, {plain, "account", ir.LevelPipeline, 10},
		{own, "namespace", ir.LevelDefaults, 20}, {nil, "mode", ir.LevelPipeline, 12},
	} {
		src, ok := d.Source(c.task, c.name)
		if !ok || src.Level != c.level || src.Setting.NameRange.Start.Line != c.line {
			t.Errorf("Source(%s, %s) = %+v %v, want level %s line %d", taskName(c.task), c.name, src, ok, c.level, c.line)
		}
	}
	if _, ok := d.Source(plain, "public"); ok {
		t.Error("an unset setting has a source")
	}
}

func TestDiagnosticsAtTheAttribute(t *testing.T) {
	task := &ir.Task{Name: "t", Settings: []*ir.Settings{at(Block("kube", ir.LevelTask, map[string]any{
		"namespace": "other", "acount": "x", "subnets": "s-1", "mode": "quick", "weight": 0, "retain": "soon", "public": "yes", "zzz": 1,
	}), 1)}}
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{task}}
	_, diags := schema.Decode(p)
	// Attributes are sorted by name in Block: acount, mode, namespace,
	// public, retain, subnets, weight, zzz on lines 1..8.
	want := []struct {
		line, col       int
		summary, detail string
	}{
		{1, 3, "Unsupported argument in kube block", `Did you mean "account"?`},
		{2, 10, "Invalid value for kube mode", `"quick" is not allowed; use one of fast, safe.`},
		{3, 3, "kube namespace cannot be set per task", "The kube backend applies namespace to the whole run; set it in the pipeline's kube block or in its defaults."},
		{4, 10, "Incorrect attribute value type", `Inappropriate value for kube attribute "public": a bool is required, not a string.`},
		{5, 10, "Invalid value for kube retain", `Invalid duration "soon"`},
		{6, 10, "Incorrect attribute value type", "a list of strings is required, not a string."},
		{7, 10, "Invalid value for kube weight", "The value must be 1 or more, not 0."},
		{8, 3, "Unsupported argument in kube block", "Its arguments are namespace, account, mode, weight, retain, subnets, labels and public."},
	}
	if len(diags) != len(want) {
		t.Fatalf("%d diagnostics, want %d:\n%v", len(diags), len(want), diags)
	}
	for i, w := range want {
		d := diags[i]
		if d.Severity != ir.Error || d.Subject.Start.Line != w.line || d.Subject.Start.Column != w.col || d.Summary != w.summary || !strings.Contains(d.Detail, w.detail) {
			t.Errorf("diagnostic %d = %s at %d:%d\nwant %s at %d:%d with %q", i, d.Error(), d.Subject.Start.Line, d.Subject.Start.Column, w.summary, w.line, w.col, w.detail)
		}
	}
	// Nothing invalid is applied.
	d, _ := schema.Decode(p)
	if got := d.Task(task); !reflect.DeepEqual(got, opts{}) {
		t.Errorf("invalid settings were applied: %+v", got)
	}
}

func TestConversions(t *testing.T) {
	if s, err := AsString(ir.NumberValue("3")); err != nil || s != "3" {
		t.Errorf("number as string = %q, %v", s, err)
	}
	if b, err := AsBool(ir.StringValue("true")); err != nil || !b {
		t.Errorf(`"true" as bool = %v, %v`, b, err)
	}
	for in, want := range map[string]string{"2.5": "a whole number is required", "1e30": "too large", "x": "a number is required"} {
		v := ir.NumberValue(in)
		if in == "x" {
			v = ir.StringValue(in)
		}
		if _, err := AsInt(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("AsInt(%s) error %v, want %q", in, err, want)
		}
	}
	if _, err := AsStringList(ir.ListValue(ir.StringValue("a"), ir.ListValue())); err == nil || !strings.Contains(err.Error(), "element 1") {
		t.Errorf("nested list error %v", err)
	}
	if _, err := AsStringMap(ir.MapValue(ir.MapEntry{Key: "k", Value: ir.Value{Kind: ir.KindNull}})); err == nil || !strings.Contains(err.Error(), `key "k": a string is required, not null`) {
		t.Errorf("null in map error %v", err)
	}
}

func taskName(t *ir.Task) string {
	if t == nil {
		return "the run"
	}
	return t.Name
}
