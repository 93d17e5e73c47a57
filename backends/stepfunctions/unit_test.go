package stepfunctions

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

func TestEventBridgeCron(t *testing.T) {
	cases := map[string]string{
		"0 3 * * *":    "cron(0 3 * * ? *)",
		"30 2 * * 1-5": "cron(30 2 ? * MON-FRI *)",
		"0 0 * * 0,7":  "cron(0 0 ? * SUN *)",
		// Issue 13 item 12: 0-7 is every day, not "SUN-SUN"; 1/2 is
		// MON,WED,FRI, not "MON/2" (EventBridge numbers Sunday 1).
		"0 0 * * 0-7":  "cron(0 0 ? * SUN-SAT *)",
		"0 0 * * 1/2":  "cron(0 0 ? * MON,WED,FRI *)",
		"0 0 * * 5-7":  "cron(0 0 ? * SUN,FRI,SAT *)",
		"*/5 * * * *":  "cron(*/5 * * * ? *)",
		"@weekly":      "cron(0 0 ? * SUN *)",
		"@monthly":     "cron(0 0 1 * ? *)",
		"0 12 * * mon": "cron(0 12 ? * MON *)",
	}
	for in, want := range cases {
		got, err := eventBridgeCron(in)
		if err != nil || got != want {
			t.Errorf("eventBridgeCron(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := eventBridgeCron("0 0 1 * 1"); err == nil {
		t.Error("both day fields restricted: want an error")
	}
}

func TestYamlStr(t *testing.T) {
	for in, want := range map[string]string{
		`a"b\c`:      `"a\"b\\c"`,
		"x\ny\tz":    `"x\ny\tz"`,
		"\x7f\u2028": `"\u007F\u2028"`,
		"☃ yes":      `"☃ yes"`,
	} {
		if got := yamlStr(in); got != want {
			t.Errorf("yamlStr(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestIntrinsicLit(t *testing.T) {
	if got := intrinsicLit(`it's {x} \`); got != `'it\'s \{x\} \\'` {
		t.Errorf("intrinsicLit = %s", got)
	}
}

func TestStateNames(t *testing.T) {
	long := strings.Repeat("a", 200)
	b := stateBase(long)
	if len(b)+longestSuffix > maxStateName {
		t.Errorf("base %q too long", b)
	}
	if stateBase(long) == stateBase(long+"b") {
		t.Error("two long names map to the same base")
	}
	if stateKey("my-task") != "my_task" || stateKey("9x") != "_9x" {
		t.Errorf("stateKey: %q %q", stateKey("my-task"), stateKey("9x"))
	}
}

func task(name string, upstream ...string) *ir.Task {
	return &ir.Task{Name: name, Edges: ir.EdgesFrom(upstream...), Trigger: ir.AllSuccess,
		Run: ir.Template{Command: []ir.Str{ir.Lit("true")}}}
}

func TestCollidingNamesDiagnosed(t *testing.T) {
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{task("a-b"), task("a_b")}}
	diags := New().Check(p)
	if !diags.HasErrors() || !strings.Contains(diags[0].Summary, "collide") {
		t.Fatalf("want a collision diagnostic, got %v", diags)
	}
}

func TestOverridesLimitDiagnosed(t *testing.T) {
	tk := task("big")
	tk.Run.Command = []ir.Str{ir.Lit(strings.Repeat("x", maxOverrides+1))}
	diags := New().Check(&ir.Pipeline{Name: "p", Tasks: []*ir.Task{tk}})
	if !diags.HasErrors() || !strings.Contains(diags[0].Summary, "overrides") {
		t.Fatalf("want an overrides diagnostic, got %v", diags)
	}
}

// TestLargePipelineSplit: a pipeline too large for one state machine is
// split into child machines, each within the limit, all in the one
// template; a task that alone exceeds a machine is refused, naming the
// limit, before the definition is built.
func TestLargePipelineSplit(t *testing.T) {
	var tasks []*ir.Task
	for i := 0; i < 300; i++ {
		tk := task("t" + strings.Repeat("x", i%10) + string(rune('a'+i%26)) + strings.Repeat("y", i/26))
		tk.Run.Command = []ir.Str{ir.Lit(strings.Repeat("z", 4000))}
		tasks = append(tasks, tk)
	}
	p := &ir.Pipeline{Name: "p", Tasks: tasks}
	if d := New().Check(p); d.HasErrors() {
		t.Fatal(d)
	}
	files, diags := New().Render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	parts := 0
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".asl.json") && len(f.Data) > maxDefinitionBytes {
			t.Errorf("%s is %d bytes, over the limit", f.Path, len(f.Data))
		}
		if strings.Contains(f.Path, ".part-") {
			parts++
		}
	}
	if parts < 2 {
		t.Fatalf("want the 1.2 MB pipeline split into child machines, got files %d", len(files))
	}
	cfn := string(files[len(files)-1].Data)
	if !strings.Contains(cfn, "DefinitionSubstitutions:") || strings.Count(cfn, "Type: AWS::StepFunctions::StateMachine") != parts+1 {
		t.Errorf("the template should hold the root and %d child machines with their ARNs substituted", parts)
	}

	big := task("big")
	// The Map renders the template once, so the items' own data is what
	// makes this task too large; they are also in the run state while the
	// Map runs, which is the first limit they exceed.
	keys := make([]string, 400)
	for i := range keys {
		keys[i] = strconv.Itoa(i) + strings.Repeat("z", 4000)
	}
	big.ForEach = ir.StringItems(keys...)
	big.Run.Command = []ir.Str{ir.Lit("echo"), {Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachKey}}}}}
	files, diags = New().Render(&ir.Pipeline{Name: "p", Tasks: []*ir.Task{big}})
	if files != nil || !strings.Contains(string(diagText(diags)), "256 KiB") || !strings.Contains(string(diagText(diags)), "for_each items") {
		t.Fatalf("want a run-state size error naming the items and the limit, got %s", diagText(diags))
	}
}

func TestRunners(t *testing.T) {
	ecs := task("e")
	ecs.Outputs = []string{"o"}
	ecs.Resources = ir.Resources{CPU: "500m", Memory: "1Gi", GPU: 1}
	ecs.Settings = sfSettings(map[string]any{"runner": "ecs", "cluster": "c", "task_definition": "td:1", "launch_type": "FARGATE", "subnets": []string{"s"}})
	lam := task("l", "e")
	lam.Settings = sfSettings(map[string]any{"runner": "lambda", "function_name": "fn"})
	lam.Retry = ir.Retry{Attempts: 2, Delay: 1500 * time.Millisecond, Backoff: 2, MaxDelay: time.Minute}
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{ecs, lam}}
	if d := New().Check(p); d.HasErrors() {
		t.Fatal(d)
	}
	files, diags := New().Render(p)
	if files == nil {
		t.Fatal(diags)
	}
	var def struct{ States map[string]map[string]any }
	if err := json.Unmarshal(files[0].Data, &def); err != nil {
		t.Fatal(err)
	}
	e := def.States["e"]
	if e["Resource"] != "arn:aws:states:::ecs:runTask.waitForTaskToken" {
		t.Errorf("ecs resource %v", e["Resource"])
	}
	co := e["Parameters"].(map[string]any)["Overrides"].(map[string]any)["ContainerOverrides"].([]any)[0].(map[string]any)
	if co["Cpu"] != 512.0 || co["Memory"] != 1024.0 {
		t.Errorf("ecs resources %v %v", co["Cpu"], co["Memory"])
	}
	l := def.States["l"]
	if l["Resource"] != "arn:aws:states:::lambda:invoke" {
		t.Errorf("lambda resource %v", l["Resource"])
	}
	r := l["Retry"].([]any)[0].(map[string]any)
	if r["IntervalSeconds"] != 2.0 || r["MaxAttempts"] != 2.0 || r["BackoffRate"] != 2.0 || r["MaxDelaySeconds"] != 60.0 {
		t.Errorf("retry %v", r)
	}
	warned := false
	for _, d := range diags {
		warned = warned || strings.Contains(d.Summary, "rounded up")
	}
	if !warned {
		t.Error("a 1.5s retry delay must be reported as rounded up")
	}
	if d := New().Check(&ir.Pipeline{Name: "q", Tasks: []*ir.Task{{Name: "x", Trigger: ir.AllSuccess, Settings: sfSettings(map[string]any{"runner": "ecs", "launch_type": "FARGATE"}), Run: ecs.Run}}}); !d.HasErrors() {
		t.Error("Fargate without subnets must be an error")
	}
}

func sfSettings(attrs map[string]any) []*ir.Settings {
	return []*ir.Settings{settings.Block(backendName, ir.LevelTask, attrs)}
}

func TestSimplify(t *testing.T) {
	lit := func(v string) ir.Operand { return ir.Operand{Lit: v, LitKind: ir.LitNumber} }
	c := &ir.Cond{Op: ir.CondAnd, Args: []*ir.Cond{
		{Op: ir.CondCompare, Cmp: ir.Lt, Left: lit("1"), Right: lit("2"), Numeric: true},
		{Op: ir.CondCompare, Cmp: ir.Eq, Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "x"}}, Right: ir.Operand{Lit: "a", LitKind: ir.LitString}},
	}}
	s := c.Fold()
	if s.Op != ir.CondCompare {
		t.Fatalf("1 < 2 && x == a should simplify to the comparison, got %s", s.String())
	}
	f := (&ir.Cond{Op: ir.CondNot, Args: []*ir.Cond{ir.ConstCond(true)}}).Fold()
	if f.Op != ir.CondConst || f.Const {
		t.Fatalf("!true = %s", f.String())
	}
}

// role_arn belongs to the state machine: in defaults it is still the
// machine's role (it used to go to the tasks and be lost), and in a task it
// is an error at the attribute.
func TestRoleArnIsTheMachines(t *testing.T) {
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{task("a")}, Settings: []*ir.Settings{
		settings.Block(backendName, ir.LevelDefaults, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/dagc"}),
	}}
	files, diags := New().Render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !strings.Contains(string(files[1].Data), `Default: "arn:aws:iam::123456789012:role/dagc"`) {
		t.Errorf("the CloudFormation template lacks the role:\n%s", files[1].Data)
	}
	bad := task("b")
	bad.Settings = sfSettings(map[string]any{"role_arn": "arn:aws:iam::123456789012:role/x"})
	d := New().Check(&ir.Pipeline{Name: "q", Tasks: []*ir.Task{bad}})
	if !d.HasErrors() || d[0].Summary != "stepfunctions role_arn cannot be set per task" {
		t.Errorf("a task's role_arn gave %v", d)
	}
}
