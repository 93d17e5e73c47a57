package argo

import (
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

func TestDiagnostics(t *testing.T) {
	simple := func(name string, in *ir.Instance) *ir.Task {
		return &ir.Task{Name: name, Trigger: ir.AllSuccess, Instances: one(in)}
	}
	ok := func() *ir.Instance { return &ir.Instance{Image: "alpine", Command: cmd("true")} }
	cases := map[string]struct {
		p    *ir.Pipeline
		want string
	}{
		"no image":  {&ir.Pipeline{Name: "p", Tasks: []*ir.Task{simple("a", &ir.Instance{Command: cmd("true")})}}, "has no image"},
		"collision": {&ir.Pipeline{Name: "p", Tasks: []*ir.Task{simple("a_b", ok()), simple("a-b", ok())}}, `both become "a-b"`},
		"reserved":  {&ir.Pipeline{Name: "p", Tasks: []*ir.Task{simple("Main", ok())}}, "entrypoint"},
		"param default": {&ir.Pipeline{Name: "p", Params: []*ir.Param{{Name: "x", Type: ir.ParamString, Default: "{{workflow.name}}", HasDefault: true}},
			Tasks: []*ir.Task{simple("a", ok())}}, "param default"},
		"fractional backoff":    {&ir.Pipeline{Name: "p", Tasks: []*ir.Task{{Name: "a", Trigger: ir.AllSuccess, Retry: ir.Retry{Attempts: 1, Delay: 1, Backoff: 1.5}, Instances: one(ok())}}}, "non-integer retry backoff"},
		"cron without schedule": {&ir.Pipeline{Name: "p", Tasks: []*ir.Task{simple("a", ok())}}, "needs a schedule"},
		"task namespace": {&ir.Pipeline{Name: "p", Tasks: []*ir.Task{{Name: "a", Trigger: ir.AllSuccess, Instances: one(ok()),
			Settings: []*ir.Settings{settings.Block("argo", ir.LevelTask, map[string]any{"namespace": "other"})}}}}, "argo namespace cannot be set per task"},
		"for_each shape": {&ir.Pipeline{Name: "p", Tasks: []*ir.Task{{Name: "a", Trigger: ir.AllSuccess, ForEach: true, Instances: []*ir.Instance{
			{Key: "0", Image: "alpine", Command: cmd("echo", "x")}, {Key: "1", Image: "alpine", Command: cmd("echo")}}}}}, "number of arguments"},
	}
	for name, c := range cases {
		kind := KindWorkflow
		if name == "cron without schedule" {
			kind = KindCronWorkflow
		}
		d := New(kind).Check(c.p)
		if !d.HasErrors() || !strings.Contains(d[0].Error(), c.want) {
			t.Errorf("%s: diagnostics %v, want an error mentioning %q", name, d, c.want)
		}
		if files, rd := New(kind).Render(c.p); files != nil || !rd.HasErrors() {
			t.Errorf("%s: Render wrote files despite errors", name)
		}
	}
}

func TestDNSName(t *testing.T) {
	for in, want := range map[string]string{
		"ml_training": "ml-training", "Train.Model": "train-model", "__x__": "x", "": "x", "日本": "x",
		strings.Repeat("a", 70): strings.Repeat("a", 63), "a" + strings.Repeat("_", 62) + "b": "a",
	} {
		if got := dnsName(in); got != want {
			t.Errorf("dnsName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := renderOne(t, mlPipeline(), KindAuto)
	for i := 0; i < 20; i++ {
		if b := renderOne(t, mlPipeline(), KindAuto); string(a) != string(b) {
			t.Fatal("two renders of the same pipeline differ")
		}
	}
}
