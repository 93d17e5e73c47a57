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
	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/backends/stepfunctions/layout"
	"github.com/dagc-dev/dagc/ir"
)

const backendName = "stepfunctions"

// Limits Step Functions enforces, checked at generate time.
const (
	maxDefinitionBytes = 1 << 20   // 1 MB definition
	maxPayloadBytes    = 256 << 10 // 256 KiB state document
	// CloudFormation's limit on a template body (uploaded through S3),
	// which holds every machine's definition.
	maxTemplateBytes = 1_000_000
)

// Renderer is the Step Functions backend.
type Renderer struct{}

// New returns the Step Functions renderer.
func New() *Renderer { return &Renderer{} }

// Name implements backends.Renderer.
func (*Renderer) Name() string { return backendName }

// Check implements backends.Renderer: everything the backend cannot
// express, as diagnostics naming the feature, the task and the backend.
func (*Renderer) Check(p *ir.Pipeline) ir.Diagnostics {
	opts, diags := Schema.Decode(p)
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
		// Schema holds runner and launch_type to their enums.
		o := opts.Task(t)
		if runnerOf(o) == "ecs" && o.LaunchType == "FARGATE" && len(o.Subnets) == 0 {
			subject := t.Range
			if src, ok := opts.Source(t, "launch_type"); ok {
				subject = src.Setting.Range
			}
			diags.Errorf(subject, "ECS on Fargate needs subnets", "task %q runs on ECS with launch_type FARGATE, which needs a network configuration: set stepfunctions { subnets = [...] }.", t.Name)
		}
		if runnerOf(o) != "lambda" {
			for _, in := range t.Instances() {
				if n := overridesSize(in); n > maxOverrides {
					diags.Errorf(t.Range, "Container overrides too large for Step Functions", "%s has about %d bytes of command and environment; the %s runner accepts at most %d. Move the text into a file in the image.", describeInstance(t, in), n, runnerOf(o), maxOverrides)
				}
			}
		}
		if t.When != nil {
			checkCond(&diags, t, t.When)
		}
		checkArtifacts(&diags, p, t, o)
		checkRetry(&diags, t)
		if p.Timezone != "UTC" && usesRunDate(t) {
			diags = append(diags, ir.Unsupported(backendName, "run.date in timezone "+p.Timezone, t,
				"Step Functions gives an execution's start time in UTC only, and its intrinsics have no date arithmetic, so the date in "+p.Timezone+" cannot be computed; use timezone = \"UTC\", or pass the date as a param."))
		}
	}
	_, idiags := planImages(p, opts)
	for _, d := range idiags {
		if d.Severity == ir.Error { // warnings are Render's, with the rest
			diags = append(diags, d)
		}
	}
	return diags
}

// checkArtifacts: dagc exec moves a task's artifacts (DESIGN 2.6) in its
// container, through S3, so they need an s3:// storage and a container
// runner.
func checkArtifacts(diags *ir.Diagnostics, p *ir.Pipeline, t *ir.Task, o Options) {
	if len(t.Artifacts) == 0 && len(t.Inputs) == 0 {
		return
	}
	if runnerOf(o) == "lambda" {
		*diags = append(*diags, ir.Unsupported(backendName, "artifacts with the lambda runner", t, "dagc exec moves artifacts in the task's container; use runner = \"batch\" or \"ecs\"."))
		return
	}
	st := storageOf(p, o)
	switch {
	case st == "":
		*diags = append(*diags, ir.Unsupported(backendName, "artifacts without storage", t, "Set storage = \"s3://BUCKET/PREFIX\" on the pipeline, or in its stepfunctions block: the containers store artifacts there."))
	case !strings.HasPrefix(st, "s3://"):
		*diags = append(*diags, ir.Unsupported(backendName, "artifacts in "+st, t, "The containers of Step Functions reach S3 only; set storage = \"s3://BUCKET/PREFIX\" in the stepfunctions block."))
	}
}

// storageOf is the storage of the run: the stepfunctions block's, else the
// pipeline's.
func storageOf(p *ir.Pipeline, o Options) string { return p.StorageWith(o.Storage) }

// StorageOf is the storage the pipeline's Step Functions containers use:
// the stepfunctions block's, else the pipeline's ("" when neither is set
// or the block does not decode).
func StorageOf(p *ir.Pipeline) string {
	return settings.RunStorage(Schema, p, func(o Options) string { return o.Storage })
}

// usesRunDate reports whether t reads run.date.
func usesRunDate(t *ir.Task) bool {
	found := false
	check := func(refs []*ir.Ref) {
		for _, r := range refs {
			found = found || r.Kind == ir.RefRunDate
		}
	}
	t.Run.Strs(func(s ir.Str) { check(s.Refs()) })
	check(t.When.Refs())
	return found
}

// Bounds of a Step Functions retrier (Amazon States Language, "Retrying
// after an error"): MaxAttempts and IntervalSeconds at most 99999999,
// MaxDelaySeconds below 31622401 (366 days). A definition outside them is
// refused when the state machine is created, so it is refused here first.
const (
	maxRetryAttempts     = 99999999
	maxRetryInterval     = 99999999
	maxRetryDelaySeconds = 31622400
)

func checkRetry(diags *ir.Diagnostics, t *ir.Task) {
	r := t.Retry
	if r.Attempts <= 0 {
		return
	}
	if r.Attempts > maxRetryAttempts {
		*diags = append(*diags, ir.Unsupported(backendName, "more than 99999999 retry attempts", t, fmt.Sprintf("Step Functions' MaxAttempts is at most %d; attempts = %d.", maxRetryAttempts, r.Attempts)))
	}
	if seconds(r.Delay) > maxRetryInterval {
		*diags = append(*diags, ir.Unsupported(backendName, "a retry delay above 99999999s", t, fmt.Sprintf("Step Functions' IntervalSeconds is at most %d; delay = %s.", maxRetryInterval, r.Delay)))
	}
	if c := r.DelayCap(); c > 0 && seconds(c) > maxRetryDelaySeconds {
		*diags = append(*diags, ir.Unsupported(backendName, "a retry max_delay above 366 days", t, fmt.Sprintf("Step Functions' MaxDelaySeconds is at most %d (366 days); the delay is capped at %s.", maxRetryDelaySeconds, c)))
	}
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

// Render implements backends.Renderer: <name>.asl.json and <name>.cfn.yaml,
// plus <name>.part-N.asl.json for each child machine (parts.go).
func (r *Renderer) Render(p *ir.Pipeline) ([]backends.File, ir.Diagnostics) {
	b := newBuilder(p)
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	def := b.definition()
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	// The files are what is deployed: "${" in user text is written
	// "$\u007b" (see marshalForTemplate), so CloudFormation substitutes
	// only the child ARNs, whether the template embeds a definition or
	// references its file.
	defs := []obj{def}
	for _, c := range b.children {
		defs = append(defs, b.partDefinition(c))
	}
	files := make([]backends.File, 0, len(defs)+1)
	machines := make([]cfnMachine, 0, len(defs))
	inline := 0
	for i, d := range defs {
		data, err := marshalForTemplate(d)
		if err != nil {
			b.diags.Errorf(p.Range, "Cannot encode the Step Functions definition", "%v", err)
			return nil, b.diags
		}
		m := cfnMachine{Resource: "StateMachine", Name: batchJobName(p.Name), File: p.Name + ".asl.json", Definition: data}
		what := fmt.Sprintf("the definition of pipeline %q", p.Name)
		if i > 0 {
			n := b.children[i-1].n
			m = cfnMachine{Resource: fmt.Sprintf("Part%d", n), Name: fmt.Sprintf("%s-part-%d", batchJobName(p.Name), n), File: fmt.Sprintf("%s.part-%d.asl.json", p.Name, n), Definition: data}
			what = fmt.Sprintf("part %d of pipeline %q", n, p.Name)
		}
		if len(data) > maxDefinitionBytes {
			b.diags.Errorf(p.Range, "Step Functions definition too large", "%s is %d bytes; Step Functions accepts at most %d (1 MiB) per state machine. Shorten its commands or split the pipeline.", what, len(data), maxDefinitionBytes)
		}
		if i == 0 {
			m.Distributed = b.distributed[0]
		} else {
			m.Distributed = b.distributed[b.children[i-1].n]
		}
		inline += len(data) + len(data)/8 // YAML escaping of the quotes
		files = append(files, backends.File{Path: m.File, Data: data})
		machines = append(machines, m)
	}
	// Part N is machines[N] (parts are numbered in the order emitted).
	for _, c := range b.children {
		machines[c.parent].Parts = append(machines[c.parent].Parts, c.n)
	}
	b.checkPayload()
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	// A template that would not fit CloudFormation's body limit with the
	// definitions in it references their files instead, for
	// `aws cloudformation package` to upload.
	packaged := inline > maxTemplateBytes*9/10
	cfn, cdiags := cloudFormation(p, b.opts.Run, b.images, machines, packaged)
	b.diags = append(b.diags, cdiags...)
	if !packaged && len(cfn) > maxTemplateBytes {
		packaged = true
		cfn, _ = cloudFormation(p, b.opts.Run, b.images, machines, packaged)
	}
	if len(cfn) > maxTemplateBytes {
		b.diags.Errorf(p.Range, "CloudFormation template too large", "the template of pipeline %q is %d bytes; CloudFormation accepts a template body of at most %d bytes.", p.Name, len(cfn), maxTemplateBytes)
	}
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	return append(files, backends.File{Path: p.Name + ".cfn.yaml", Data: cfn}), b.diags
}

// partDefinition is the definition of child machine c.
func (b *builder) partDefinition(c *part) obj {
	comment := b.p.Description
	if comment == "" {
		comment = "dagc pipeline " + b.p.Name
	}
	return obj{
		{"Comment", fmt.Sprintf("%s (part %d)", comment, c.n)},
		{"QueryLanguage", "JSONPath"},
		{"StartAt", c.m.start},
		{"States", c.m.states},
	}
}

// recordBytes estimates what the run state holds at its largest apart
// from output values (checkPayload's): every task's record, a for_each
// task's with a one-character state code per instance (and, with outputs,
// the iterations' results until they are collected), plus the largest set
// of static Map items, which $.foreach holds while their Map runs.
func (b *builder) recordBytes() int {
	n, items := 0, 0
	for _, t := range b.p.Tasks {
		n += len(stateKey(t.Name)) + len(`"":{"state":"upstream_failed"},`)
		if t.ForEach == nil {
			continue
		}
		n += len(`"instances":[],"success":false,"failed":false,"upstream_failed":false,"skipped":false`) + t.NumInstances()*len(`"s",`)
		if len(t.Outputs) > 0 {
			per := len(`{"s":"s","o":{}},`)
			for _, o := range t.Outputs {
				per += len(o) + len(`"":"",`)
			}
			n += len(`,"raw":[],"outputs":{}`) + t.NumInstances()*per
		}
		if !t.IsDynamic() {
			items = max(items, b.itemBytes(t))
		}
	}
	return n + items
}

// itemBytes is the size of a static for_each's $.foreach: its items and
// the literal table of its template.
func (b *builder) itemBytes(t *ir.Task) int {
	ts := b.states(t)
	lt := ts.literals()
	if ts.itemWhen != nil {
		newItemWhenPlan(b.p, ts.itemWhen, lt.each) // names the fields it reads
	}
	data, err := marshal(obj{{"items", staticItems(t, lt.each)}, {"lit", lt.values()}})
	if err != nil {
		return 0
	}
	return len(`"foreach":,`) + len(data)
}

// checkPayload warns when the outputs a run may carry can exceed the
// 256 KiB limit on the state document.
func (b *builder) checkPayload() {
	worst := 0
	for _, t := range b.p.Tasks {
		copies := 1
		if t.ForEach != nil {
			copies = 2 // each instance's value plus the collected array
		}
		worst += len(t.Outputs) * t.NumInstances() * copies * ir.MaxOutputBytes
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
	opts   *settings.Decoded[Options]
	images *imageDefs
	diags  ir.Diagnostics
	names  map[string]bool
	tasks  map[string]*ir.Task // by name: Pipeline.Task is a linear search
	warned map[string]bool     // warnOnce: summary + detail already given
	// index lists the Task states as they are added, for TestIndex.
	index []kv
	// parts are the subtrees of the layout that run as child machines
	// (parts.go), and children the machines, in the order emitted.
	parts     map[*layout.Tree]bool
	children  []*part
	partSeq   int
	leafBytes map[string]int // estimated size of each task's states
	curPart   int            // the part being emitted; 0 the root machine
	// distributed holds the machines (0 the root, else the part number)
	// with a distributed Map (markDistributed).
	distributed map[int]bool
	scratch     *builder // for estimate
}

func newBuilder(p *ir.Pipeline) *builder {
	opts, diags := Schema.Decode(p)
	b := &builder{p: p, opts: opts, diags: diags, names: map[string]bool{}, tasks: make(map[string]*ir.Task, len(p.Tasks)), warned: map[string]bool{}, parts: map[*layout.Tree]bool{}, leafBytes: map[string]int{}}
	for _, t := range p.Tasks {
		b.tasks[t.Name] = t
	}
	var idiags ir.Diagnostics
	b.images, idiags = planImages(p, opts)
	for _, d := range idiags {
		if d.Severity != ir.Error { // errors are Check's
			b.diags = append(b.diags, d)
		}
	}
	return b
}

// machine is a state machine or a branch of one: states in the order
// they were added, which is the order they run in.
type machine struct {
	start  string
	states obj
	// ends are the indexes in states of the states that end the branch
	// (End: true) and have not been linked to a following state yet.
	ends []int
	// open are the Choices that end the branch (by a Default to a "done"
	// state not added yet) and have not been linked either.
	open []openChoice
}

// openChoice is a Choice at the end of a branch whose Default is done.
type openChoice struct {
	choice int
	done   string
}

// indexOf is the index in m.states of the state named name, searched
// from the last: it is one of the last few added.
func indexOf(m *machine, name string) int {
	for i := len(m.states) - 1; i >= 0; i-- {
		if m.states[i].k == name {
			return i
		}
	}
	panic("no state " + name)
}

// closeBranch adds the states that end m where a Choice would: a Choice
// cannot be the last state of a branch, so it goes to a Pass that is.
func (b *builder) closeBranch(m *machine) {
	for _, o := range m.open {
		b.add(m, o.done, obj{{"Type", "Pass"}, {"End", true}})
	}
	m.open = nil
}

func (b *builder) add(m *machine, name string, state obj) {
	if b.names[name] {
		b.diags.Errorf(b.p.Range, "Duplicate Step Functions state name", "pipeline %q would have two states named %q; rename a task.", b.p.Name, name)
	}
	b.names[name] = true
	if m.start == "" {
		m.start = name
	}
	if state.get("End") == true {
		m.ends = append(m.ends, len(m.states))
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

// The run's own states (see taskName for why they cannot collide with a
// task's).
const (
	stateDefaults   = "Param Defaults"
	stateInit       = "Initialize Run"
	stateParams     = "Check Params"
	stateRunState   = "Any Task Failed?"
	stateRunFailed  = "Run Failed"
	stateRunSucceed = "Run Succeeded"
)

// taskFailedName is the Fail state that ends the execution when task t
// ended failed (and no task before it in pipeline order did).
func taskFailedName(t *ir.Task) string { return "Task Failed: " + stateBase(t.Name) }

// badParamName is the Fail state for a param missing from the execution
// input or of the wrong type.
func badParamName(param string) string { return fitName("Invalid Param: " + param) }

func (b *builder) definition() obj {
	p := b.p
	// Every task's record stays in the run state to the end: known from
	// the task list alone, so refused before anything is laid out.
	if n := b.recordBytes(); n > maxPayloadBytes {
		b.diags.Errorf(p.Range, "Step Functions run state too large", "the task records and for_each items of pipeline %q alone take about %d bytes of the run state; Step Functions accepts at most %d (256 KiB) of state. Split the pipeline.", p.Name, n, maxPayloadBytes)
		return nil
	}
	g := layout.Graph{Upstream: map[string][]string{}, Weight: map[string]float64{}}
	final := b.finalTasks()
	for _, t := range p.Tasks {
		if t.Final {
			continue // laid out after the run state (final.go)
		}
		g.Nodes = append(g.Nodes, t.Name)
		g.Upstream[t.Name] = t.Upstream()
		w := 1.0
		if t.Timeout > 0 {
			// A longer per-attempt limit hints at a longer task.
			w = 1 + math.Log1p(t.Timeout.Hours())
		}
		g.Weight[t.Name] = w
	}
	var tree *layout.Tree
	if len(g.Nodes) > 0 {
		tree = layout.Layout(g)
		sizes := map[*layout.Tree]int{}
		total := b.estimate(tree, sizes)
		// Refuse before building what cannot deploy: a task whose states
		// alone exceed a machine, or more than one template can hold.
		for _, t := range p.Tasks {
			if n := b.leafBytes[t.Name]; n > maxDefinitionBytes {
				b.diags.Errorf(t.Range, "Step Functions definition too large", "the states of task %q take about %d bytes; Step Functions accepts at most %d (1 MiB) per state machine, and one task cannot be split. Shorten its commands or reduce its for_each.", t.Name, n, maxDefinitionBytes)
			}
		}
		if b.diags.HasErrors() {
			return nil
		}
		// The run-state rule tests every task, in the root machine;
		// without final tasks it has a Fail state per task (about 110
		// bytes and the name four times). So do the final tasks and what
		// they read (final.go).
		reserve := b.finalBytes(final, sizes)
		for _, t := range p.Tasks {
			reserve += 80
			if len(final) == 0 || t.Final {
				reserve += 110 + 4*len(t.Name)
			}
		}
		if total+reserve > partBudget {
			b.cut(tree, partBudget-reserve, sizes)
		}
	}

	m := &machine{}
	defaults := obj{}
	for _, pa := range p.Params {
		if pa.HasDefault {
			defaults.set(pa.Name, paramValue(pa))
		}
	}
	first := stateRunState
	if tree != nil {
		first = b.entry(tree)
	}
	afterInit := first
	if len(p.Params) > 0 {
		afterInit = stateParams
	}
	// The params are the execution input merged over the defaults. The
	// defaults are written as plain data (Parameters without ".$", never
	// evaluated) in a state of their own, as an intrinsic can only merge
	// what a path reads; without defaults the input is the params.
	params := obj{{"params.$", "$"}}
	if len(defaults) > 0 {
		b.add(m, stateDefaults, obj{
			{"Type", "Pass"},
			{"Comment", "The execution input (the params) beside the params' defaults."},
			{"Parameters", obj{{"input.$", "$"}, {"defaults", defaults}}},
			{"Next", stateInit},
		})
		params = obj{{"params.$", "States.JsonMerge($.defaults, $.input, false)"}}
	}
	b.add(m, stateInit, obj{
		{"Type", "Pass"},
		{"Comment", "The run state every state reads and adds to: params, run id and date, and a record per task as it ends."},
		{"Parameters", append(params,
			kv{"run", obj{
				{"id.$", "$$.Execution.Name"},
				{"date.$", "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)"},
			}},
			kv{"tasks", obj{}},
		)},
		{"Next", afterInit},
	})
	if len(p.Params) > 0 {
		var choices []obj
		for _, pa := range p.Params {
			path := "$.params." + pa.Name
			bad := badParamName(pa.Name)
			choices = append(choices, obj{{"Not", obj{{"Variable", path}, {"IsPresent", true}}}, {"Next", bad}})
			typeTest := map[ir.ParamType]string{ir.ParamString: "IsString", ir.ParamNumber: "IsNumeric", ir.ParamBool: "IsBoolean"}[pa.Type]
			if typeTest != "" {
				choices = append(choices, obj{{"Not", obj{{"Variable", path}, {typeTest, true}}}, {"Next", bad}})
			}
		}
		b.add(m, stateParams, obj{
			{"Type", "Choice"},
			{"Comment", "Every param is present and has its declared type."},
			{"Choices", choices},
			{"Default", first},
		})
		for _, pa := range p.Params {
			b.add(m, badParamName(pa.Name), obj{
				{"Type", "Fail"},
				{"Error", "dagc.InvalidParams"},
				{"Cause", paramCause(pa)},
			})
		}
	}
	if tree != nil {
		b.emit(m, tree, stateRunState)
	}
	var judged []*ir.Task
	for _, t := range p.Tasks {
		// A task with allow_failure may end failed without failing the
		// run (ir.RunState); its record still says failed to its
		// dependents. Final tasks are judged after run.status.
		if !t.AllowFailure && !t.Final {
			judged = append(judged, t)
		}
	}
	ruleComment := "The run fails when any task ended failed."
	if tolerated := len(judged) < len(p.Tasks)-len(final); tolerated {
		ruleComment = "The run fails when any task without allow_failure ended failed."
	}
	runState := obj{{"Type", "Choice"}, {"Comment", ruleComment}}
	var choices []obj
	var failStates []*ir.Task // the tasks whose Fail state a Choice names
	runFailed := false        // whether stateRunFailed is named
	switch {
	case len(final) > 0:
		// One judgement, run.status, which the final tasks read.
		runState = obj{{"Type", "Choice"}, {"Comment", "run.status is failed when any task that is not final (nor allowed to fail) ended failed."}}
		var failed []obj
		for _, t := range judged {
			failed = append(failed, endedFailed(stateKey(t.Name), t.ForEach != nil))
		}
		switch len(failed) {
		case 0:
			choices = []obj{{{"Variable", "$.tasks"}, {"IsPresent", false}, {"Next", stateStatusFailed}}}
		case 1:
			choices = []obj{withNext(failed[0], stateStatusFailed)}
		default:
			choices = []obj{{{"Or", failed}, {"Next", stateStatusFailed}}}
		}
		runState.set("Choices", choices)
		runState.set("Default", stateStatusSuccess)
	case len(judged) == 0:
		// A Choice needs a rule: one that never holds.
		runState.set("Choices", []obj{{{"Variable", "$.tasks"}, {"IsPresent", false}, {"Next", stateRunFailed}}})
		runState.set("Default", stateRunSucceed)
		runFailed = true
	default:
		// The execution fails in the Fail state of the first failed task,
		// in pipeline order, which names it.
		for _, t := range judged {
			choices = append(choices, withNext(endedFailed(stateKey(t.Name), t.ForEach != nil), taskFailedName(t)))
		}
		failStates = judged
		runState.set("Choices", choices)
		runState.set("Default", stateRunSucceed)
	}
	b.add(m, stateRunState, runState)
	if len(final) > 0 {
		failStates = b.emitFinal(m, final)
		runFailed = true
	}
	for _, t := range failStates {
		cause := fmt.Sprintf("Task %s ended failed.", t.Name)
		if t.ForEach != nil {
			cause = fmt.Sprintf("Task %s ended failed (an instance failed).", t.Name)
		}
		b.add(m, taskFailedName(t), obj{{"Type", "Fail"}, {"Error", "dagc.TaskFailed"}, {"Cause", cause}})
	}
	if runFailed {
		cause := "No task ended failed."
		if len(final) > 0 {
			cause = "A task that is not final ended failed (run.status is failed); the final tasks have run. This state's input holds each task's final state under tasks."
		}
		b.add(m, stateRunFailed, obj{{"Type", "Fail"}, {"Error", "dagc.TaskFailed"}, {"Cause", cause}})
	}
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

// paramCause is the Cause of the Fail state of an invalid param: what
// the execution input must hold. Param names are identifiers (Check).
func paramCause(pa *ir.Param) string {
	kind := map[ir.ParamType]string{ir.ParamNumber: "a JSON number", ir.ParamBool: "a JSON boolean (true or false)", ir.ParamList: "a JSON string holding a JSON array of strings"}[pa.Type]
	if kind == "" {
		kind = "a JSON string"
	}
	if pa.HasDefault {
		return fmt.Sprintf("The execution input gives param %s a value that is not %s; leave it out to use its default.", pa.Name, kind)
	}
	return fmt.Sprintf("The execution input must give param %s as %s.", pa.Name, kind)
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

// entry returns the name of the first state of a layout subtree.
func (b *builder) entry(t *layout.Tree) string {
	if b.parts[t] {
		return partStateName(b.partSeq + 1)
	}
	switch t.Kind {
	case layout.Leaf:
		return b.taskEntry(b.tasks[t.Task])
	case layout.Seq:
		return b.entry(t.Children[0])
	}
	if len(t.Children) == 1 {
		return b.entry(t.Children[0])
	}
	return parallelName(t)
}

// parallelName names a Parallel block after the first task of each of its
// branches: "Parallel: a, b, c", or "Parallel: a, b, c +7 more" when all
// do not fit in a state name. Two blocks never have the same first two
// (a task is in one block's branch only once, and a block nested in a
// branch has both in that branch), so the name is unique as long as it
// holds them; when even they do not fit, fitName cuts it and adds a hash.
func parallelName(t *layout.Tree) string {
	const prefix = "Parallel: "
	bases := make([]string, len(t.Children))
	for i, c := range t.Children {
		bases[i] = stateBase(firstTask(c))
	}
	// The longest list of the first k names, with what is left counted.
	k, n := 0, len(prefix)
	for k < len(bases) {
		more := 0
		if k+1 < len(bases) {
			more = len(fmt.Sprintf(" +%d more", len(bases)-k-1))
		}
		sep := 0
		if k > 0 {
			sep = len(", ")
		}
		if n+sep+len(bases[k])+more > maxStateName && k >= 2 {
			break
		}
		n += sep + len(bases[k])
		k++
	}
	name := prefix + strings.Join(bases[:k], ", ")
	if k < len(bases) {
		name += fmt.Sprintf(" +%d more", len(bases)-k)
	}
	return fitName(name)
}

// firstTask is the task a layout subtree starts with.
func firstTask(t *layout.Tree) string {
	for t.Kind != layout.Leaf {
		t = t.Children[0]
	}
	return t.Task
}

// emit adds the states of a layout subtree to m, continuing with next ("":
// end of the branch).
func (b *builder) emit(m *machine, t *layout.Tree, after string) {
	if b.parts[t] {
		b.emitPart(m, t, after)
		return
	}
	b.emitTree(m, t, after)
}

// emitTree is emit for a subtree that stays in m.
func (b *builder) emitTree(m *machine, t *layout.Tree, after string) {
	switch t.Kind {
	case layout.Leaf:
		b.emitTask(m, b.tasks[t.Task], after)
	case layout.Seq:
		for i, c := range t.Children {
			if i+1 == len(t.Children) {
				b.emit(m, c, after)
				continue
			}
			// The entry of a following child machine depends on the
			// numbering that emitting this child advances: emit it as the
			// end of the branch, then link its ends to what follows.
			b.emit(m, c, "")
			link(m, b.entry(t.Children[i+1]))
		}
	case layout.Par:
		if len(t.Children) == 1 {
			b.emit(m, t.Children[0], after)
			return
		}
		name := parallelName(t)
		var branches []obj
		for _, c := range t.Children {
			bm := &machine{}
			b.emit(bm, c, "")
			b.closeBranch(bm)
			branches = append(branches, obj{{"StartAt", bm.start}, {"States", bm.states}})
		}
		// States.JsonMerge(…States.JsonMerge($[0].tasks, $[1].tasks, false)…, $[n].tasks, false),
		// built in one pass (repeated Sprintf is quadratic in the branches).
		var mb strings.Builder
		mb.WriteString(strings.Repeat("States.JsonMerge(", len(t.Children)-1))
		mb.WriteString("$[0].tasks")
		for i := 1; i < len(t.Children); i++ {
			fmt.Fprintf(&mb, ", $[%d].tasks, false)", i)
		}
		merged := mb.String()
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

// link points every state of m that ends its branch (End: true), and
// every Choice that would (open), at next. Only the subtree just emitted
// has such states: earlier ones were linked.
func link(m *machine, next string) {
	for _, i := range m.ends {
		s := m.states[i].v.(obj)
		for j := range s {
			if s[j].k == "End" {
				s[j] = kv{"Next", next}
			}
		}
	}
	m.ends = m.ends[:0]
	for _, o := range m.open {
		s := m.states[o.choice].v.(obj)
		for j := range s {
			if s[j].k == "Default" && s[j].v == o.done {
				s[j] = kv{"Default", next}
			}
		}
	}
	m.open = m.open[:0]
}
