// Package stepfunctions renders a pipeline as an Amazon States Language
// definition (JSONPath query language) and a CloudFormation template that
// deploys it, with an EventBridge Scheduler schedule when the pipeline has
// one. docs/stepfunctions.md describes the state document, the container
// contract and every choice made here.
package stepfunctions

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/stepfunctions/layout"
	"github.com/dagc-dev/dagc/ir"
)

const backendName = "stepfunctions"

// Limits Step Functions enforces, checked at generate time.
const (
	maxDefinitionBytes = 1 << 20   // 1 MB definition
	maxPayloadBytes    = 256 << 10 // 256 KiB state document
)

// Renderer is the Step Functions backend.
type Renderer struct{}

// New returns the Step Functions renderer.
func New() *Renderer { return &Renderer{} }

// Name implements backends.Renderer.
func (*Renderer) Name() string { return backendName }

// Features is the support matrix row set for `dagc backends`.
func Features() []backends.Feature {
	return []backends.Feature{
		{Name: "task", Support: "Task state: Batch submitJob.sync, ECS runTask.sync, Lambda invoke; .waitForTaskToken when the task has outputs"},
		{Name: "edges", Support: "nested Parallel branches (layout package)"},
		{Name: "for_each", Support: "Map (MaxConcurrency from concurrency)"},
		{Name: "retry", Support: "Retry (IntervalSeconds, BackoffRate, MaxDelaySeconds, MaxAttempts)"},
		{Name: "timeout", Support: "TimeoutSeconds per task and per run"},
		{Name: "schedule", Support: "AWS::Scheduler::Schedule in the CloudFormation template; catchup: no"},
		{Name: "params", Support: "execution input merged with defaults, types checked"},
		{Name: "outputs", Support: "task token (SendTaskSuccess) or Lambda result, carried in the state"},
		{Name: "when/trigger", Support: "Choice + Catch with per-task state flags"},
		{Name: "concurrency", Support: "Map MaxConcurrency"},
	}
}

// Check implements backends.Renderer: everything the backend cannot
// express, as diagnostics naming the feature, the task and the backend.
func (*Renderer) Check(p *ir.Pipeline) ir.Diagnostics {
	var diags ir.Diagnostics
	for _, pa := range p.Params {
		if !identifier.MatchString(pa.Name) {
			diags = append(diags, unsupported(nil, "the param name "+strconv.Quote(pa.Name), "Param names must be identifiers (letters, digits, _) to be addressed in the execution input.", pa.Range))
		}
	}
	stateBases := map[string]string{}
	keys := map[string]string{}
	for _, t := range p.Tasks {
		if other, ok := stateBases[stateBase(t.Name)]; ok {
			diags.Errorf(t.Range, "Step Functions state names collide", "tasks %q and %q both map to the state name %q (names are cut to fit 80 characters and characters other than letters, digits, _ and - become _); rename one of them.", other, t.Name, stateBase(t.Name))
		}
		stateBases[stateBase(t.Name)] = t.Name
		if other, ok := keys[stateKey(t.Name)]; ok {
			diags.Errorf(t.Range, "Step Functions state keys collide", "tasks %q and %q both map to the key %q in the run state ($.tasks.%s); rename one of them.", other, t.Name, stateKey(t.Name), stateKey(t.Name))
		}
		keys[stateKey(t.Name)] = t.Name
		for _, o := range t.Outputs {
			if !identifier.MatchString(o) {
				diags = append(diags, ir.Unsupported(backendName, "the output name "+strconv.Quote(o), t, "Output names must be identifiers (letters, digits, _) to be addressed with JSONPath."))
			}
		}
		switch runnerOf(t) {
		case "batch", "lambda":
		case "ecs":
			if strings.EqualFold(t.StepFunctions.LaunchType, "FARGATE") && len(t.StepFunctions.Subnets) == 0 {
				diags.Errorf(t.Range, "ECS on Fargate needs subnets", "task %q runs on ECS with launch_type FARGATE, which needs a network configuration: set stepfunctions { subnets = [...] }.", t.Name)
			}
		default:
			diags.Errorf(t.Range, "Unknown Step Functions runner", "task %q uses runner %q; use \"batch\", \"ecs\" or \"lambda\".", t.Name, t.StepFunctions.Runner)
		}
		if runnerOf(t) != "lambda" {
			for _, in := range t.Instances {
				if n := overridesSize(in); n > maxOverrides {
					diags.Errorf(t.Range, "Container overrides too large for Step Functions", "%s has about %d bytes of command and environment; the %s runner accepts at most %d. Move the text into a file in the image.", describeInstance(t, in), n, runnerOf(t), maxOverrides)
				}
			}
		}
		if t.When != nil {
			checkCond(&diags, t, t.When)
		}
	}
	return diags
}

func unsupported(t *ir.Task, feature, detail string, rng ir.Range) ir.Diagnostic {
	d := ir.Unsupported(backendName, feature, t, detail)
	if t == nil {
		d.Subject = rng
	}
	return d
}

func checkCond(diags *ir.Diagnostics, t *ir.Task, c *ir.Cond) {
	switch c.Op {
	case ir.CondAnd, ir.CondOr, ir.CondNot:
		for _, a := range c.Args {
			checkCond(diags, t, a)
		}
	case ir.CondCompare:
		for _, o := range []ir.Operand{c.Left, c.Right} {
			if o.Ref == nil && c.Numeric {
				if _, err := strconv.ParseFloat(o.Lit, 64); err != nil {
					diags.Errorf(c.Range, "Not a number in a numeric comparison", "task %q compares %q as a number.", t.Name, o.Lit)
				}
			}
		}
	}
}

// Render implements backends.Renderer: <name>.asl.json and <name>.cfn.yaml.
func (r *Renderer) Render(p *ir.Pipeline) ([]backends.File, ir.Diagnostics) {
	b := &builder{p: p, names: map[string]bool{}}
	def := b.definition()
	data, err := marshalIndent(def)
	if err != nil {
		b.diags.Errorf(p.Range, "Cannot encode the Step Functions definition", "%v", err)
		return nil, b.diags
	}
	if len(data) > maxDefinitionBytes {
		b.diags.Errorf(p.Range, "Step Functions definition too large", "the definition of pipeline %q is %d bytes; Step Functions accepts at most %d. Split the pipeline or shorten its commands.", p.Name, len(data), maxDefinitionBytes)
	}
	b.checkPayload()
	cfn, cdiags := cloudFormation(p, data)
	b.diags = append(b.diags, cdiags...)
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	return []backends.File{
		{Path: p.Name + ".asl.json", Data: data},
		{Path: p.Name + ".cfn.yaml", Data: cfn},
	}, b.diags
}

// checkPayload warns when the outputs a run may carry can exceed the
// 256 KiB limit on the state document.
func (b *builder) checkPayload() {
	worst := 0
	for _, t := range b.p.Tasks {
		copies := 1
		if t.ForEach {
			copies = 2 // each instance's value plus the collected array
		}
		worst += len(t.Outputs) * len(t.Instances) * copies * ir.MaxOutputBytes
	}
	if worst > maxPayloadBytes {
		b.diags = append(b.diags, ir.Diagnostic{
			Severity: ir.Warning,
			Summary:  "Outputs may exceed the Step Functions payload limit",
			Detail:   fmt.Sprintf("pipeline %q declares outputs that can reach %d KiB if every value uses its 32 KiB; Step Functions fails a run whose state exceeds 256 KiB. Keep output values small.", b.p.Name, worst>>10),
			Subject:  b.p.Range,
		})
	}
}

// builder renders one pipeline.
type builder struct {
	p      *ir.Pipeline
	diags  ir.Diagnostics
	names  map[string]bool
	parSeq int
}

// machine is a state machine or a branch of one: states in the order
// they were added, which is the order they run in.
type machine struct {
	start  string
	states obj
}

func (b *builder) add(m *machine, name string, state obj) {
	if b.names[name] {
		b.diags.Errorf(b.p.Range, "Duplicate Step Functions state name", "pipeline %q would have two states named %q; rename a task.", b.p.Name, name)
	}
	b.names[name] = true
	if m.start == "" {
		m.start = name
	}
	m.states.set(name, state)
}

// next sets Next, or End when next is "" (the end of a branch).
func next(s *obj, next string) {
	if next == "" {
		s.set("End", true)
	} else {
		s.set("Next", next)
	}
}

// Structural states are named "dagc …": task-derived names never contain a
// space inside their base, and their suffix words differ from these.
const (
	stateInput      = "dagc input"
	stateDefaults   = "dagc defaults"
	stateInit       = "dagc init"
	stateParams     = "dagc check params"
	stateBadParams  = "dagc invalid params"
	stateRunState   = "dagc run state"
	stateRunFailed  = "dagc run failed"
	stateRunSucceed = "dagc run succeeded"
)

func (b *builder) definition() obj {
	p := b.p
	g := layout.Graph{Upstream: map[string][]string{}, Weight: map[string]float64{}}
	for _, t := range p.Tasks {
		g.Nodes = append(g.Nodes, t.Name)
		g.Upstream[t.Name] = t.Upstream
		w := 1.0
		if t.Timeout > 0 {
			// A longer per-attempt limit hints at a longer task.
			w = 1 + math.Log1p(t.Timeout.Hours())
		}
		g.Weight[t.Name] = w
	}
	var tree *layout.Tree
	if len(p.Tasks) > 0 {
		tree = layout.Layout(g)
	}

	m := &machine{}
	defaults := obj{}
	for _, pa := range p.Params {
		if pa.HasDefault {
			defaults.set(pa.Name, paramValue(pa))
		}
	}
	b.add(m, stateInput, obj{
		{"Type", "Pass"},
		{"Comment", "Keep the execution input (the params) apart from dagc's own fields."},
		{"Parameters", obj{{"input.$", "$"}}},
		{"Next", stateDefaults},
	})
	b.add(m, stateDefaults, obj{
		{"Type", "Pass"},
		{"Comment", "Param defaults; Result is never evaluated, so values are literal."},
		{"Result", defaults},
		{"ResultPath", "$.defaults"},
		{"Next", stateInit},
	})
	first := stateRunState
	if tree != nil {
		first = b.entry(tree)
	}
	afterInit := first
	if len(p.Params) > 0 {
		afterInit = stateParams
	}
	b.add(m, stateInit, obj{
		{"Type", "Pass"},
		{"Comment", "The run state: params (input merged over defaults), run id and date, one record per task."},
		{"Parameters", obj{
			{"params.$", "States.JsonMerge($.defaults, $.input, false)"},
			{"run", obj{
				{"id.$", "$$.Execution.Name"},
				{"date.$", "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)"},
			}},
			{"tasks", obj{}},
		}},
		{"Next", afterInit},
	})
	if len(p.Params) > 0 {
		var choices []obj
		for _, pa := range p.Params {
			path := "$.params." + pa.Name
			choices = append(choices, obj{{"Not", obj{{"Variable", path}, {"IsPresent", true}}}, {"Next", stateBadParams}})
			typeTest := map[ir.ParamType]string{ir.ParamString: "IsString", ir.ParamNumber: "IsNumeric", ir.ParamBool: "IsBoolean"}[pa.Type]
			if typeTest != "" {
				choices = append(choices, obj{{"Not", obj{{"Variable", path}, {typeTest, true}}}, {"Next", stateBadParams}})
			}
		}
		types := obj{}
		for _, pa := range p.Params {
			types.set(pa.Name, string(pa.Type))
		}
		// The Comment is machine-readable (the conformance runner converts
		// text params to these types); it is never evaluated.
		comment, _ := marshal(obj{{"param_types", types}})
		b.add(m, stateParams, obj{
			{"Type", "Choice"},
			{"Comment", string(comment)},
			{"Choices", choices},
			{"Default", first},
		})
		b.add(m, stateBadParams, obj{
			{"Type", "Fail"},
			{"Error", "dagc.InvalidParams"},
			{"Cause", "A param is missing or has the wrong type: strings, numbers and booleans are given as JSON values of that type in the execution input."},
		})
	}
	if tree != nil {
		b.emit(m, tree, stateRunState)
	}
	var failed []obj
	for _, t := range p.Tasks {
		failed = append(failed, obj{{"Variable", "$.tasks." + stateKey(t.Name) + ".failed"}, {"BooleanEquals", true}})
	}
	runState := obj{{"Type", "Choice"}, {"Comment", "DESIGN 2.4: the run fails when any task ended failed."}}
	switch len(failed) {
	case 0:
		runState.set("Choices", []obj{{{"Variable", "$.tasks"}, {"IsPresent", false}, {"Next", stateRunFailed}}})
	case 1:
		failed[0].set("Next", stateRunFailed)
		runState.set("Choices", []obj{failed[0]})
	default:
		runState.set("Choices", []obj{{{"Or", failed}, {"Next", stateRunFailed}}})
	}
	runState.set("Default", stateRunSucceed)
	b.add(m, stateRunState, runState)
	b.add(m, stateRunFailed, obj{{"Type", "Fail"}, {"Error", "dagc.TaskFailed"}, {"Cause", "At least one task ended failed."}})
	b.add(m, stateRunSucceed, obj{{"Type", "Succeed"}})

	def := obj{}
	comment := p.Description
	if comment == "" {
		comment = "dagc pipeline " + p.Name
	}
	def.set("Comment", comment)
	def.set("QueryLanguage", "JSONPath")
	def.set("StartAt", m.start)
	if p.Timeout > 0 {
		def.set("TimeoutSeconds", seconds(p.Timeout))
	}
	def.set("States", m.states)
	return def
}

// paramValue is a param default as a JSON value of the param's type.
func paramValue(pa *ir.Param) any {
	switch pa.Type {
	case ir.ParamNumber:
		if f, err := strconv.ParseFloat(pa.Default, 64); err == nil {
			return f
		}
	case ir.ParamBool:
		return pa.Default == "true"
	}
	return pa.Default
}

// seconds rounds a duration up to whole seconds (at least 1), the unit of
// every Step Functions time field.
func seconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// entry returns the name of the first state of a layout subtree. Parallel
// blocks are numbered in pre-order, so entry and emit agree.
func (b *builder) entry(t *layout.Tree) string {
	switch t.Kind {
	case layout.Leaf:
		return b.taskEntry(b.p.Task(t.Task))
	case layout.Seq:
		return b.entry(t.Children[0])
	}
	if len(t.Children) == 1 {
		return b.entry(t.Children[0])
	}
	return fmt.Sprintf("dagc parallel %d", b.parSeq+1)
}

// emit adds the states of a layout subtree to m, continuing with next ("":
// end of the branch).
func (b *builder) emit(m *machine, t *layout.Tree, after string) {
	switch t.Kind {
	case layout.Leaf:
		b.emitTask(m, b.p.Task(t.Task), after)
	case layout.Seq:
		for i, c := range t.Children {
			if i+1 == len(t.Children) {
				b.emit(m, c, after)
				continue
			}
			// The entry of a following Parallel depends on the numbering
			// that emitting this child advances: emit it as the end of
			// the branch, then link its ends to what follows.
			b.emit(m, c, "")
			link(m, b.entry(t.Children[i+1]))
		}
	case layout.Par:
		if len(t.Children) == 1 {
			b.emit(m, t.Children[0], after)
			return
		}
		b.parSeq++
		name := fmt.Sprintf("dagc parallel %d", b.parSeq)
		var branches []obj
		for _, c := range t.Children {
			bm := &machine{}
			b.emit(bm, c, "")
			branches = append(branches, obj{{"StartAt", bm.start}, {"States", bm.states}})
		}
		merged := "$[0].tasks"
		for i := 1; i < len(t.Children); i++ {
			merged = fmt.Sprintf("States.JsonMerge(%s, $[%d].tasks, false)", merged, i)
		}
		s := obj{
			{"Type", "Parallel"},
			{"Comment", "Each branch returns the whole run state; their task records are merged."},
			{"Branches", branches},
			{"ResultSelector", obj{{"params.$", "$[0].params"}, {"run.$", "$[0].run"}, {"tasks.$", merged}}},
		}
		next(&s, after)
		b.add(m, name, s)
	}
}

// link points every state of m that ends its branch (End: true) at next.
// Only the subtree just emitted has such states: earlier ones were linked.
func link(m *machine, next string) {
	for i := range m.states {
		s := m.states[i].v.(obj)
		for j := range s {
			if s[j].k == "End" {
				s[j] = kv{"Next", next}
			}
		}
	}
}
