package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"

	"github.com/dagc-dev/dagc/backends/argo"
	"github.com/dagc-dev/dagc/ir"
)

// The harness re-executes its own binary to set up a pod's mounts; under
// go test that binary is the test binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == mountHelper {
		os.Exit(runMountHelper(os.Args[2:], os.Stderr))
	}
	os.Exit(m.Run())
}

// These tests render pipelines with this repository's backends/argo and run
// them under Argo's own controller: what the container receives is what
// the controller's substitution passes (globals, withItems expansion, dag
// task arguments, inputs, the pod spec pass) made of the manifest.

var hostile = []string{
	"", "yes", "~", "null", "1e3", "-", "*a", "&a", "#", "'", "\"", `\`, "tab\there", "a\nb", "é 💥",
	"{{", "}}", "{{x}}", "{{ x }}", "{{=1+1}}", "{{workflow.name}}", "{{inputs.parameters.x}}", "{{item}}",
	"a{{b", "{{{", "{", "x{", "}}{{", "${HOME}", "$(id)", "{{=sprig.env('HOME')}}", "<&>", `\u003c`,
	`a"b` + "\n" + `c\d`, "cr\rlf", `\"`, `\\n`, "\u2028",
}

// Run-time values: anything but "{{" (a known gap, see docs/argo.md).
var values = map[string]string{"p": "v'\"\\$(id)<&>\n\ttab", "out": " 0.95 \\n"}

func lit(s string) ir.Str { return ir.Lit(s) }

const image = "alpine:3.20"

func render(t *testing.T, p *ir.Pipeline) []byte {
	t.Helper()
	r := argo.New(argo.KindWorkflow)
	if d := r.Check(p); d.HasErrors() {
		t.Fatal(d)
	}
	files, d := r.Render(p)
	if d.HasErrors() {
		t.Fatal(d)
	}
	return files[0].Data
}

func testIsolation(t *testing.T) isolation {
	mode, err := isolationMode("auto")
	if err != nil {
		t.Fatal(err)
	}
	return mode
}

func runPipeline(t *testing.T, p *ir.Pipeline, params ...string) *result {
	t.Helper()
	return runPipelineIn(t, testIsolation(t), p, params...)
}

func runPipelineIn(t *testing.T, mode isolation, p *ir.Pipeline, params ...string) *result {
	t.Helper()
	manifest := render(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log strings.Builder
	res, err := run(ctx, manifest, params, runOptions{isolation: mode, dir: t.TempDir(), log: &log})
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, log.String(), manifest)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pods:\n%s\nmanifest:\n%s", log.String(), manifest)
		}
	})
	return res
}

// argvOf reads the NUL-separated argv a pod printed with printf '%s\0'.
func argvOf(t *testing.T, res *result, node string) []string {
	t.Helper()
	path, ok := res.logs[node]
	if !ok {
		t.Fatalf("no pod ran for node %s (nodes: %v)", node, nodeNames(res.wf))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	argv := strings.Split(string(b), "\x00")
	return argv[:len(argv)-1]
}

func nodeNames(wf *wfv1.Workflow) []string {
	var out []string
	for _, n := range wf.Status.Nodes {
		out = append(out, n.Name+"="+string(n.Phase))
	}
	return out
}

func compareArgv(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: argv has %d elements, want %d:\n%q\n%q", what, len(got), len(want), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: argv[%d] = %q, want %q", what, i, got[i], want[i])
		}
	}
}

func producer(value string) *ir.Task {
	return &ir.Task{Name: "producer", Trigger: ir.AllSuccess, Outputs: []string{"out"},
		Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sh"), lit("-c"), lit(`printf '%s' "$1" > "$DAGC_OUTPUTS/out"`), lit("sh"), lit(value)}}}
}

// TestUserTextReachesTheContainer: literals, a workflow parameter and a
// task output, next to hostile text, reach the program's argv exactly.
func TestUserTextReachesTheContainer(t *testing.T) {
	var argv []ir.Str
	argv = append(argv, lit("printf"), lit(`%s\0`))
	for _, h := range hostile {
		argv = append(argv, lit(h))
		argv = append(argv, ir.Str{Parts: []ir.Part{{Lit: h}, {Ref: &ir.Ref{Kind: ir.RefParam, Name: "p"}}, {Lit: h}}})
		argv = append(argv, ir.Str{Parts: []ir.Part{{Lit: h + "{"}, {Ref: &ir.Ref{Kind: ir.RefOutput, Task: "producer", Name: "out"}}}})
	}
	p := &ir.Pipeline{
		Name: "templating", Timezone: "UTC",
		Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "d", HasDefault: true}},
		Tasks: []*ir.Task{
			producer(values["out"]),
			{Name: "consumer", Trigger: ir.AllSuccess, Edges: ir.EdgesFrom("producer"),
				Run: ir.Template{Image: ir.Lit(image), Command: argv, Env: []ir.EnvVar{{Name: "E", Value: lit("{{=1}}")}}}},
		},
	}
	res := runPipeline(t, p, "p="+values["p"])
	if !res.succeeded() {
		t.Fatalf("workflow %s: %s (%v)", res.wf.Status.Phase, res.wf.Status.Message, nodeNames(res.wf))
	}
	var want []string
	for _, a := range p.Tasks[1].Run.Command[2:] {
		want = append(want, a.Resolve(func(r *ir.Ref) string {
			if r.Kind == ir.RefParam {
				return values["p"]
			}
			return values["out"]
		}))
	}
	compareArgv(t, "consumer", argvOf(t, res, res.wf.Name+".consumer"), want)
}

// TestForEachItemsReachTheContainer: every each.value of a for_each, a
// withItems item field, reaches the container byte for byte through the
// controller's withItems expansion (the map-item escaping of
// wfv1.Item.String would add a level of JSON escapes to '"', '\', newline
// and tab).
func TestForEachItemsReachTheContainer(t *testing.T) {
	param := &ir.Ref{Kind: ir.RefParam, Name: "p"}
	value := &ir.Ref{Kind: ir.RefEachValue}
	fe := &ir.ForEach{}
	for i, h := range hostile {
		fe.Items = append(fe.Items, ir.Item{Key: fmt.Sprint(i), Value: h})
	}
	fan := &ir.Task{Name: "fan", Trigger: ir.AllSuccess, ForEach: fe, Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{
		lit("printf"), lit(`%s\0`), {Parts: []ir.Part{{Ref: value}}}, {Parts: []ir.Part{{Lit: "k="}, {Ref: value}, {Lit: "{"}, {Ref: param}, {Ref: value}}}, lit("const{{x}}"),
		{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachKey}}}},
	}}}
	p := &ir.Pipeline{Name: "fan", Timezone: "UTC",
		Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "d", HasDefault: true}},
		Tasks:  []*ir.Task{fan}}
	res := runPipeline(t, p, "p="+values["p"])
	if !res.succeeded() {
		t.Fatalf("workflow %s: %s", res.wf.Status.Phase, res.wf.Status.Message)
	}
	insts := fan.Instances()
	group := res.wf.Status.Nodes.FindByName(res.wf.Name + ".fan")
	if group == nil || len(group.Children) != len(insts) {
		t.Fatalf("fan: want a task group of %d items (nodes: %v)", len(insts), nodeNames(res.wf))
	}
	for _, id := range group.Children {
		n, err := res.wf.Status.Nodes.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		i := indexOfItem(t, n.Name)
		var want []string
		for _, a := range insts[i].Command[2:] {
			want = append(want, a.Resolve(func(*ir.Ref) string { return values["p"] }))
		}
		compareArgv(t, fmt.Sprintf("fan[%d]", i), argvOf(t, res, n.Name), want)
	}
}

func indexOfItem(t *testing.T, name string) int {
	t.Helper()
	open := strings.LastIndex(name, ".fan(")
	var i int
	if open < 0 {
		t.Fatalf("node %s is not an item of fan", name)
	}
	if _, err := fmt.Sscanf(name[open+len(".fan("):], "%d:", &i); err != nil {
		t.Fatalf("node %s: %v", name, err)
	}
	return i
}

// TestWhenDecidesLikeDagc: each task's when, evaluated by the controller
// over a real parameter and task output, runs the task exactly when
// ir.Cond.Eval says it runs.
func TestWhenDecidesLikeDagc(t *testing.T) {
	outRef := &ir.Ref{Kind: ir.RefOutput, Task: "producer", Name: "out"}
	param := &ir.Ref{Kind: ir.RefParam, Name: "p"}
	cmp := func(l ir.Operand, op ir.CmpOp, r ir.Operand, numeric bool) *ir.Cond {
		return &ir.Cond{Op: ir.CondCompare, Cmp: op, Left: l, Right: r, Numeric: numeric}
	}
	const out = " 0.95\t"
	var conds []*ir.Cond
	for _, v := range []string{"0.9", "1", "0.95", "-3"} {
		for _, op := range []ir.CmpOp{ir.Eq, ir.Ne, ir.Lt, ir.Le, ir.Gt, ir.Ge} {
			conds = append(conds, cmp(ir.Operand{Ref: outRef}, op, ir.Operand{Lit: v, LitKind: ir.LitNumber}, true))
		}
	}
	for _, h := range append(hostile, values["p"], "v") {
		for _, op := range []ir.CmpOp{ir.Eq, ir.Ne, ir.Lt, ir.Ge} {
			conds = append(conds, cmp(ir.Operand{Ref: param}, op, ir.Operand{Lit: h, LitKind: ir.LitString}, false))
		}
	}
	conds = append(conds, &ir.Cond{Op: ir.CondNot, Args: []*ir.Cond{{Op: ir.CondOr, Args: []*ir.Cond{conds[0], conds[len(conds)-1]}}}})
	lookup := func(r *ir.Ref) string {
		if r.Kind == ir.RefParam {
			return values["p"]
		}
		return out
	}
	p := &ir.Pipeline{Name: "when", Timezone: "UTC",
		Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "d", HasDefault: true}},
		Tasks:  []*ir.Task{producer(out)}}
	for i, c := range conds {
		p.Tasks = append(p.Tasks, &ir.Task{Name: fmt.Sprintf("c%d", i), Trigger: ir.AllSuccess, Edges: ir.EdgesFrom("producer"), When: c,
			Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("true")}}})
	}
	res := runPipeline(t, p, "p="+values["p"])
	for i, c := range conds {
		want, err := c.Eval(lookup)
		if err != nil {
			t.Fatal(err)
		}
		n := res.wf.Status.Nodes.FindByName(fmt.Sprintf("%s.c%d", res.wf.Name, i))
		if n == nil {
			t.Fatalf("c%d: no node", i)
		}
		got := n.Phase == wfv1.NodeSucceeded
		if got != want || (!got && n.Phase != wfv1.NodeSkipped) {
			t.Errorf("cond %d %s: Argo says %s, dagc runs=%v (%s)", i, c, n.Phase, want, n.Message)
		}
	}
}

// TestPodsHaveTheirOwnTmp: a file one pod writes in /tmp is not in
// another's, and each pod's emptyDir output directory is its own; in a
// mount namespace, and with path rewriting where namespaces are not allowed
// (the paths here are written literally, which rewriting reaches).
func TestPodsHaveTheirOwnTmp(t *testing.T) {
	sh := func(script string) ir.Template {
		return ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sh"), lit("-euc"), lit(script)}}
	}
	p := &ir.Pipeline{Name: "tmp", Timezone: "UTC", Tasks: []*ir.Task{
		{Name: "writer", Trigger: ir.AllSuccess, Outputs: []string{"out"}, Run: sh(`echo w > /tmp/argorun-marker; echo mine > "$DAGC_OUTPUTS/out"`)},
		{Name: "reader", Trigger: ir.AllSuccess, Edges: ir.EdgesFrom("writer"), Outputs: []string{"out"},
			Run: sh(`test ! -e /tmp/argorun-marker; test ! -e "$DAGC_OUTPUTS/out"; printf 'theirs\n\n' > "$DAGC_OUTPUTS/out"`)},
	}}
	if _, err := os.Stat("/tmp/argorun-marker"); err == nil {
		t.Skip("/tmp/argorun-marker exists on the host")
	}
	for name, mode := range map[string]isolation{"mount": isolateMount, "rewrite": isolateRewrite} {
		t.Run(name, func(t *testing.T) {
			if mode == isolateMount && testIsolation(t) != isolateMount {
				t.Skip("no mount namespaces here")
			}
			res := runPipelineIn(t, mode, p)
			if !res.succeeded() {
				t.Fatalf("workflow %s: %v", res.wf.Status.Phase, nodeNames(res.wf))
			}
			if _, err := os.Stat("/tmp/argorun-marker"); err == nil {
				os.Remove("/tmp/argorun-marker")
				t.Fatal("a pod's /tmp write reached the host's /tmp")
			}
			for task, want := range map[string]string{"writer": "mine", "reader": "theirs\n"} {
				n := res.wf.Status.Nodes.FindByName(res.wf.Name + "." + task)
				if got := outputs(n)["out"]; got != want {
					t.Errorf("%s: out = %q, want %q (one trailing newline trimmed)", task, got, want)
				}
			}
		})
	}
}

// TestDeadlinesAndMissingOutputsFailThePod: a task past its timeout
// (activeDeadlineSeconds) and one that does not write its declared output
// fail; their dependents end upstream_failed in the trace.
func TestDeadlinesAndMissingOutputsFailThePod(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep")
	}
	p := &ir.Pipeline{Name: "fails", Timezone: "UTC", Tasks: []*ir.Task{
		{Name: "slow", Trigger: ir.AllSuccess, Timeout: time.Second, Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sleep"), lit("30")}}},
		{Name: "silent", Trigger: ir.AllSuccess, Outputs: []string{"out"}, Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("true")}}},
		{Name: "after", Trigger: ir.AllSuccess, Edges: ir.EdgesFrom("slow", "silent"), Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("true")}}},
	}}
	start := time.Now()
	res := runPipeline(t, p)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the run took %s: the deadline did not stop the sleep", d)
	}
	if res.succeeded() {
		t.Fatal("workflow succeeded")
	}
	idx := testIndex(t, p)
	var b strings.Builder
	if err := writeTrace(&b, res.wf, idx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"task":"slow","instance":"","attempt":1,"state":"failed"`, `"task":"silent","instance":"","attempt":1,"state":"failed"`,
		`"task":"after","instance":"","attempt":1,"state":"upstream_failed"`, `{"run":"failed"}`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("trace lacks %s:\n%s", want, b.String())
		}
	}
}

func testIndex(t *testing.T, p *ir.Pipeline) *index {
	t.Helper()
	data, d := argo.TestIndex(p)
	if d.HasErrors() {
		t.Fatal(d)
	}
	f := t.TempDir() + "/index.json"
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	idx, err := readIndex(f)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// TestRetriesBecomeAttempts: the children of a Retry node are the
// instance's attempts in the trace, the last with the instance's state;
// a retried for_each instance keeps its key.
func TestRetriesBecomeAttempts(t *testing.T) {
	retry := ir.Retry{Attempts: 2, Delay: time.Second, Backoff: 1}
	p := &ir.Pipeline{Name: "retry", Timezone: "UTC", Tasks: []*ir.Task{
		{Name: "never", Trigger: ir.AllSuccess, Retry: retry, Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("false")}}},
		{Name: "fan", Trigger: ir.AllSuccess, Retry: retry, ForEach: ir.StringItems("a", "b"),
			Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("test"), {Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachValue}}}}, lit("="), lit("a")}}},
	}}
	res := runPipeline(t, p)
	var b strings.Builder
	if err := writeTrace(&b, res.wf, testIndex(t, p)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Task != "" {
			got = append(got, fmt.Sprintf("%s[%s]#%d=%s", r.Task, r.Instance, r.Attempt, r.State))
		} else {
			got = append(got, line)
		}
	}
	want := []string{"never[]#1=failed", "never[]#2=failed", "never[]#3=failed",
		"fan[a]#1=success", "fan[b]#1=failed", "fan[b]#2=failed", "fan[b]#3=failed", `{"run":"failed"}`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("trace\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCronWorkflowRunsTheWorkflowItSubmits: a CronWorkflow manifest runs
// as the Workflow its schedule would create.
func TestCronWorkflowRunsTheWorkflowItSubmits(t *testing.T) {
	p := &ir.Pipeline{Name: "nightly", Timezone: "UTC", Schedule: "0 3 * * *", Tasks: []*ir.Task{
		{Name: "a", Trigger: ir.AllSuccess, Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("true")}}},
	}}
	r := argo.New(argo.KindAuto)
	files, d := r.Render(p)
	if d.HasErrors() {
		t.Fatal(d)
	}
	if !strings.Contains(string(files[0].Data), "kind: CronWorkflow") {
		t.Fatalf("not a CronWorkflow:\n%s", files[0].Data)
	}
	res, err := run(context.Background(), files[0].Data, nil, runOptions{isolation: testIsolation(t), dir: t.TempDir(), log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if !res.succeeded() || !strings.HasPrefix(res.wf.Name, "nightly-") || res.wf.Annotations["workflows.argoproj.io/scheduled-time"] == "" {
		t.Fatalf("workflow %s %s, annotations %v", res.wf.Name, res.wf.Status.Phase, res.wf.Annotations)
	}
}

// TestRunDateInThePipelineTimezone: run.date is the creation date in the
// pipeline's timezone, as the controller computes it from the Workflow's
// creation time: at 11:00 UTC it is already the next day in
// Pacific/Kiritimati (UTC+14).
func TestRunDateInThePipelineTimezone(t *testing.T) {
	created := time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ tz, want string }{
		{"UTC", "2026-01-01"},
		{"Pacific/Kiritimati", "2026-01-02"},
		{"America/Los_Angeles", "2026-01-01"},
	} {
		t.Run(tc.tz, func(t *testing.T) {
			date := ir.Str{Parts: []ir.Part{{Lit: "d="}, {Ref: &ir.Ref{Kind: ir.RefRunDate}}}}
			p := &ir.Pipeline{Name: "rundate", Timezone: tc.tz, Tasks: []*ir.Task{{Name: "a", Trigger: ir.AllSuccess, Retry: ir.Retry{Backoff: 1},
				Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("printf"), lit(`%s\0`), date}}}}}
			ir.Normalize(p)
			if ds := ir.Validate(p); ds.HasErrors() {
				t.Fatal(ds)
			}
			var log strings.Builder
			res, err := run(context.Background(), render(t, p), nil, runOptions{isolation: testIsolation(t), dir: t.TempDir(), log: &log, created: created})
			if err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			compareArgv(t, "a", argvOf(t, res, res.wf.Name+".a"), []string{"d=" + tc.want})
		})
	}
}

// TestMaxParallelWrapperInstances: a for_each task under max_parallel is a
// dag of its own around the withItems loop; its instances are still found,
// and no two ran at once.
func TestMaxParallelWrapperInstances(t *testing.T) {
	fe := ir.StringItems("a", "b", "c")
	fe.MaxParallel = 1
	p := &ir.Pipeline{Name: "maxpar", Timezone: "UTC", Tasks: []*ir.Task{
		{Name: "fan", Trigger: ir.AllSuccess, ForEach: fe, Outputs: []string{"v"},
			Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sh"), lit("-c"), lit(`printf %s "$1" > "$DAGC_OUTPUTS/v"`), lit("sh"), {Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachValue}}}}}}},
	}}
	res := runPipeline(t, p)
	var b strings.Builder
	if err := writeTrace(&b, res.wf, testIndex(t, p)); err != nil {
		t.Fatal(err)
	}
	var recs []record
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Task != "" {
			recs = append(recs, r)
		}
	}
	if len(recs) != 3 {
		t.Fatalf("trace:\n%s", b.String())
	}
	for i, r := range recs {
		if r.State != "success" || r.Outputs["v"] != r.Instance {
			t.Errorf("record %d: %+v", i, r)
		}
		for _, o := range recs[:i] {
			if r.Start.Before(o.End) && o.Start.Before(r.End) {
				t.Errorf("%s and %s overlapped under max_parallel = 1", r.Instance, o.Instance)
			}
		}
	}
}

// TestNonUTF8OutputFailsThePod (issue 13, item 5): under Argo's own
// controller, a task writing bytes that are not UTF-8 into an output fails
// with the message of the local runner and dagc exec, and its consumer
// ends upstream_failed; valid UTF-8, multi-byte included, reaches the
// output parameter and the consumer's argv byte for byte.
func TestNonUTF8OutputFailsThePod(t *testing.T) {
	const good = "é ünï 💥 \u2028 ok"
	consumer := func(name, from string) *ir.Task {
		return &ir.Task{Name: name, Trigger: ir.AllSuccess, Edges: ir.EdgesFrom(from),
			Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("printf"), lit(`%s\0`), {Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefOutput, Task: from, Name: "o"}}}}}}}
	}
	p := &ir.Pipeline{Name: "utf8", Timezone: "UTC", Tasks: []*ir.Task{
		{Name: "bad", Trigger: ir.AllSuccess, Outputs: []string{"o"},
			Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sh"), lit("-c"), lit(`printf 'a\377b' > "$DAGC_OUTPUTS/o"`)}}},
		{Name: "good", Trigger: ir.AllSuccess, Outputs: []string{"o"},
			Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sh"), lit("-c"), lit(`printf '%s\n' "$1" > "$DAGC_OUTPUTS/o"`), lit("sh"), lit(good)}}},
		consumer("after-bad", "bad"),
		consumer("after-good", "good"),
	}}
	for name, mode := range map[string]isolation{"mount": isolateMount, "rewrite": isolateRewrite} {
		t.Run(name, func(t *testing.T) {
			if mode == isolateMount && testIsolation(t) != isolateMount {
				t.Skip("no mount namespaces here")
			}
			res := runPipelineIn(t, mode, p)
			if res.succeeded() {
				t.Fatal("workflow succeeded with a non-UTF-8 output")
			}
			log, err := os.ReadFile(res.logs[res.wf.Name+".bad"])
			if err != nil {
				t.Fatal(err)
			}
			if want := `output "o" is not UTF-8 text`; strings.TrimSpace(string(log)) != want {
				t.Errorf("bad's log %q, want %q", log, want)
			}
			var b strings.Builder
			if err := writeTrace(&b, res.wf, testIndex(t, p)); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`"task":"bad","instance":"","attempt":1,"state":"failed"`,
				`"task":"after-bad","instance":"","attempt":1,"state":"upstream_failed"`,
				`"task":"good","instance":"","attempt":1,"state":"success"`,
				`"task":"after-good","instance":"","attempt":1,"state":"success"`} {
				if !strings.Contains(b.String(), want) {
					t.Errorf("trace lacks %s:\n%s", want, b.String())
				}
			}
			if got := outputs(res.wf.Status.Nodes.FindByName(res.wf.Name + ".good"))["o"]; got != good {
				t.Errorf("good's output %q, want %q", got, good)
			}
			compareArgv(t, "after-good", argvOf(t, res, res.wf.Name+".after-good"), []string{good})
		})
	}
}

// TestCreatedFlagSetsRunDate: -created is the Workflow's creation time, so
// the suite can start a run near midnight: at 23:30 UTC it is already the
// next day in Tokyo. A time without a zone is a usage error.
func TestCreatedFlagSetsRunDate(t *testing.T) {
	p := &ir.Pipeline{Name: "midnight", Timezone: "Asia/Tokyo", Tasks: []*ir.Task{{Name: "today", Trigger: ir.AllSuccess, Outputs: []string{"date"},
		Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sh"), lit("-c"), lit(`printf %s "$1" > "$DAGC_OUTPUTS/date"`), lit("sh"), {Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefRunDate}}}}}}}}}
	dir := t.TempDir()
	manifest, tr := dir+"/midnight.yaml", dir+"/trace.jsonl"
	if err := os.WriteFile(manifest, render(t, p), 0o644); err != nil {
		t.Fatal(err)
	}
	data, d := argo.TestIndex(p)
	if d.HasErrors() {
		t.Fatal(d)
	}
	if err := os.WriteFile(dir+"/index.json", data, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := realMain([]string{"-index", dir + "/index.json", "-trace", tr, "-work", dir + "/pods", "-created", "2026-03-14T23:30:00Z", manifest}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"outputs":{"date":"2026-03-15"}`) {
		t.Errorf("trace:\n%s", b)
	}
	if code := realMain([]string{"-created", "2026-03-14 23:30", manifest}, io.Discard, io.Discard); code != 2 {
		t.Errorf("-created without a zone: exit %d, want 2", code)
	}
}
