package stepfunctions

import (
	"fmt"
	"strconv"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// record is a task's entry in the run state ($.tasks.KEY) when it ends
// without running, or (without for_each) after it ran. A task without
// for_each has one instance, so its state says everything: the record is
// {"state": …} and trigger rules test the state. A for_each task's record
// adds one flag per state, "did any instance end so", which is what
// trigger rules test for it.
func record(state ir.State, forEach bool) obj {
	if !forEach {
		return obj{{"state", string(state)}}
	}
	return obj{
		{"state", string(state)},
		{"success", state == ir.Success},
		{"failed", state == ir.Failed},
		{"upstream_failed", state == ir.UpstreamFailed},
		{"skipped", state == ir.Skipped},
	}
}

// taskStates names the states of one task: the base name plus a suffix.
type taskStates struct {
	t    *ir.Task
	o    Options // the task's stepfunctions settings
	base string
	key  string
	when *ir.Cond // simplified; nil = always
	plan *whenPlan
	// itemWhen is a when that reads each (DESIGN 2.5): it is decided per
	// instance, by a Choice at the start of the Map iterator, and when is
	// then nil.
	itemWhen *ir.Cond
	// producers are the tasks whose outputs this task reads.
	producers []string
}

func (b *builder) states(t *ir.Task) *taskStates {
	ts := &taskStates{t: t, o: b.taskOptions(t), base: stateBase(t.Name), key: stateKey(t.Name)}
	if t.When != nil {
		ts.when = t.When.Fold()
		if ts.when.Op == ir.CondConst && ts.when.Const {
			ts.when = nil
		}
	}
	if ts.when != nil && t.ForEach != nil && ts.when.UsesEach() {
		ts.itemWhen, ts.when = ts.when, nil
	}
	if ts.when != nil && ts.when.Op != ir.CondConst {
		ts.plan = newWhenPlan(b.p, ts.when)
	}
	seen := map[string]bool{}
	addRefs := func(refs []*ir.Ref) {
		for _, r := range refs {
			if r.Kind == ir.RefOutput && !seen[r.Task] {
				seen[r.Task] = true
				ts.producers = append(ts.producers, r.Task)
			}
		}
	}
	addRefs(t.When.Refs())
	t.Run.Strs(func(s ir.Str) { addRefs(s.Refs()) })
	return ts
}

func (ts *taskStates) name(suffix string) string {
	if suffix == "" {
		return ts.base
	}
	return ts.base + " " + suffix
}

// rule is the task's trigger as data (DESIGN 2.4, ir.RuleOf).
func (ts *taskStates) rule() ir.Rule {
	r, _ := ir.RuleOf(ts.t.Trigger)
	return r
}

// hasTrigger: a task with upstream whose rule tests their states (all_done
// tests nothing; a task without upstream runs whatever its trigger).
func (ts *taskStates) hasTrigger() bool {
	return len(ts.t.Edges) > 0 && len(ts.rule().Run) > 0
}

// hasInputsCheck: a rule that ensures every upstream succeeded also ensures
// the outputs read from them exist; under the others a producer may have
// failed or been skipped, and then the task fails (as the local runner
// does) rather than reading a missing value.
func (ts *taskStates) hasInputsCheck() bool {
	return len(ts.producers) > 0 && !ts.rule().Ensures(ir.SetOf(ir.Success))
}

func (ts *taskStates) runEntry() string {
	if ts.t.ForEach != nil {
		return ts.name("items")
	}
	if len(ts.literals().vals) > 0 {
		return ts.name("literals")
	}
	return ts.name("")
}

// literals is the literal table of the task's template: the text its Task
// state reads by path (see intrinsic.go). For a for_each task it also
// names the Map item fields the template reads.
func (ts *taskStates) literals() *litTable {
	lt := newLitTable("$.lit")
	if ts.t.ForEach != nil {
		lt.each = &eachFields{names: map[string]string{}}
	}
	parameters(ts.t, ts.o, &ts.t.Run, ts.jobName(), lt)
	return lt
}

func (ts *taskStates) jobName() string { return batchJobName(ts.base) }

func (b *builder) taskEntry(t *ir.Task) string {
	ts := b.states(t)
	switch {
	case ts.hasTrigger():
		return ts.name("trigger")
	case ts.hasInputsCheck():
		return ts.name("inputs")
	}
	return ts.whenEntry()
}

func (ts *taskStates) whenEntry() string {
	switch {
	case ts.when == nil:
		return ts.runEntry()
	case ts.when.Op == ir.CondConst: // false
		return ts.name("skipped")
	case len(ts.plan.values) > 0:
		return ts.name("when values")
	}
	return ts.name("when")
}

func stateFlag(key, f string, v bool) obj {
	return obj{{"Variable", "$.tasks." + key + "." + f}, {"BooleanEquals", v}}
}

// stateIs tests the state of a task without for_each.
func stateIs(key string, state ir.State) obj {
	return obj{{"Variable", "$.tasks." + key + ".state"}, {"StringEquals", string(state)}}
}

func allOf(rules []obj) obj {
	if len(rules) == 1 {
		return rules[0]
	}
	return obj{{"And", rules}}
}

func anyOf(rules []obj) obj {
	if len(rules) == 1 {
		return rules[0]
	}
	return obj{{"Or", rules}}
}

// testRule renders an ir.Test over the upstream tasks as a Choice rule on
// their records. A task without for_each has one instance, so its record
// holds only its state: "any instance is in S" is its state in S. A
// for_each record's flags say "some instance ended so", so "any instance
// is in S" is some flag of S set, "no instance is in S" every flag of S
// clear, and "every instance is in S" no instance outside S.
func (b *builder) testRule(t ir.Test, tasks []string) obj {
	q, in := t.Q, t.In
	if q == ir.All {
		q, in = ir.None, in.Complement()
	}
	per := make([]obj, 0, len(tasks))
	for _, u := range tasks {
		k := stateKey(u)
		if b.tasks[u].ForEach == nil {
			// One instance: "none in S" is "its state outside S".
			set := in
			if q == ir.None {
				set = in.Complement()
			}
			per = append(per, stateIn(k, set))
			continue
		}
		var flags []obj
		for _, s := range in.States() {
			flags = append(flags, stateFlag(k, string(s), q == ir.Any))
		}
		if q == ir.Any {
			per = append(per, anyOf(flags))
		} else {
			per = append(per, allOf(flags))
		}
	}
	if q == ir.Any {
		return anyOf(per)
	}
	return allOf(per)
}

// stateIn tests that the state of a task without for_each is in set.
func stateIn(key string, set ir.StateSet) obj {
	states := set.States()
	switch {
	case set == ir.Failing:
		// The two states that end in "failed": one test instead of two.
		return obj{{"Variable", "$.tasks." + key + ".state"}, {"StringMatches", "*failed"}}
	case len(states) == 0:
		return obj{{"Not", obj{{"Variable", "$.tasks." + key + ".state"}, {"IsPresent", true}}}}
	}
	tests := make([]obj, len(states))
	for i, st := range states {
		tests[i] = stateIs(key, st)
	}
	return anyOf(tests)
}

// runRule is the conjunction of a rule's Run tests.
func (b *builder) runRule(r ir.Rule, tasks []string) obj {
	rules := make([]obj, len(r.Run))
	for i, t := range r.Run {
		rules[i] = b.testRule(t, tasks)
	}
	return allOf(rules)
}

// endedFailed: some instance ended failed (the run-state rule).
func endedFailed(key string, forEach bool) obj {
	if !forEach {
		return stateIs(key, ir.Failed)
	}
	return stateFlag(key, "failed", true)
}

func withNext(rule obj, n string) obj {
	out := append(obj{}, rule...)
	out.set("Next", n)
	return out
}

// emitTask adds the states of one task, continuing with after ("" = end
// of the branch).
func (b *builder) emitTask(m *machine, t *ir.Task, after string) {
	ts := b.states(t)
	if m.start == "" {
		// A machine or branch starts at the task's entry, not at the first
		// state added: with a constant-false when that is "T skipped", and
		// starting at the Task state would run the task (issue 13, item 16).
		defer func() { m.start = b.taskEntry(t) }()
	}
	marks := map[ir.State]bool{}
	mark := func(s ir.State) string {
		marks[s] = true
		return ts.name(string(s))
	}
	// A Choice cannot end a branch: when it would, it goes to "T done",
	// a Pass added only if nothing follows (closeBranch); when a state
	// follows after all (link), the Choice goes straight to it.
	needDone := false
	target := func() string {
		if after == "" {
			needDone = true
			return ts.name("done")
		}
		return after
	}

	if ts.hasTrigger() {
		rule := ts.rule()
		cont := ts.whenEntry()
		if ts.hasInputsCheck() {
			cont = ts.name("inputs")
		}
		choices := []obj{withNext(b.runRule(rule, t.Upstream()), cont)}
		if rule.UpstreamFailed != nil {
			choices = append(choices, withNext(b.testRule(*rule.UpstreamFailed, t.Upstream()), mark(ir.UpstreamFailed)))
		}
		trigger := obj{{"Type", "Choice"}}
		if t.Trigger != ir.AllSuccess && t.Trigger != "" {
			trigger.set("Comment", "trigger = "+string(t.Trigger))
		}
		trigger.set("Choices", choices)
		trigger.set("Default", mark(ir.Skipped))
		b.add(m, ts.name("trigger"), trigger)
	}
	if ts.hasInputsCheck() {
		// The outputs this task reads exist only if their tasks succeeded;
		// a for_each task's, unless an instance failed: skipped instances
		// are left out of the arrays.
		var single, fan []string
		for _, pr := range ts.producers {
			if b.tasks[pr].ForEach != nil {
				fan = append(fan, pr)
			} else {
				single = append(single, pr)
			}
		}
		var tests []obj
		if len(single) > 0 {
			tests = append(tests, b.testRule(ir.Test{Q: ir.All, In: ir.SetOf(ir.Success)}, single))
		}
		if len(fan) > 0 {
			tests = append(tests, b.testRule(ir.Test{Q: ir.None, In: ir.Failing}, fan))
		}
		ok := allOf(tests)
		b.add(m, ts.name("inputs"), obj{
			{"Type", "Choice"},
			{"Choices", []obj{withNext(ok, ts.whenEntry())}},
			{"Default", mark(ir.Failed)},
		})
	}
	if ts.when != nil && ts.when.Op == ir.CondConst {
		mark(ir.Skipped) // `when` is always false
	}
	if ts.plan != nil {
		b.whenStates(m, ts, ts.plan, ts.name("when"), "when: ", func() string { return mark(ir.Failed) }, ts.runEntry(), func() string { return mark(ir.Skipped) })
	}

	switch {
	case ts.when != nil && ts.when.Op == ir.CondConst:
		// Never runs: no Task state, which nothing could reach.
	case t.ForEach != nil:
		b.emitMap(m, ts, after, mark)
	default:
		b.emitSingle(m, ts, after, mark, target)
	}

	for _, s := range []ir.State{ir.Failed, ir.UpstreamFailed, ir.Skipped} {
		if !marks[s] {
			continue
		}
		rec := record(s, t.ForEach != nil)
		if s == ir.Skipped && t.ForEach != nil && len(t.Outputs) > 0 {
			// Every instance skipped: the arrays are empty.
			rec.set("outputs", emptyOutputs(t))
		}
		st := obj{
			{"Type", "Pass"},
			{"Result", rec},
			{"ResultPath", "$.tasks." + ts.key},
		}
		next(&st, after)
		b.add(m, ts.name(string(s)), st)
	}
	if needDone {
		m.open = append(m.open, openChoice{choice: indexOf(m, ts.name("outputs")), done: ts.name("done")})
	}
}

// emptyOutputs are the outputs of a for_each task no instance of which
// published: each an empty JSON array.
func emptyOutputs(t *ir.Task) obj {
	o := obj{}
	for _, name := range t.Outputs {
		o.set(name, "[]")
	}
	return o
}

func retry(t *ir.Task) []obj {
	r := t.Retry
	if r.Attempts <= 0 {
		return nil
	}
	errors := []string{"States.ALL"}
	if retriesOnCodes(t) {
		// retry { on_exit_codes }: only these errors are retried; any
		// other (another code, States.Timeout, dagc.TaskFailed) goes to
		// the Catch.
		errors = make([]string, len(r.OnExitCodes))
		for i, c := range r.OnExitCodes {
			errors[i] = exitError(c)
		}
	}
	rule := obj{
		{"ErrorEquals", errors},
		{"IntervalSeconds", seconds(r.Delay)},
		{"MaxAttempts", r.Attempts},
		{"BackoffRate", max(r.Backoff, 1)},
	}
	// The cap saturates a growing delay at 24h without max_delay, as on
	// every engine (ir.Retry.DelayCap).
	if c := r.DelayCap(); c > 0 {
		rule.set("MaxDelaySeconds", seconds(c))
	}
	return []obj{rule}
}

// taskState is the Task state running the task's template: its only
// instance, or every item of a for_each inside the Map.
func (b *builder) taskState(ts *taskStates, lt *litTable, stateName string) obj {
	t := ts.t
	if r := t.Retry; r.Attempts > 0 && (r.Delay%time.Second != 0 || r.MaxDelay%time.Second != 0) {
		b.warnOnce(t, "Retry delays rounded up to whole seconds", fmt.Sprintf("task %q: Step Functions counts retry intervals in whole seconds.", t.Name))
	}
	if t.Timeout%time.Second != 0 {
		b.warnOnce(t, "Timeout rounded up to whole seconds", fmt.Sprintf("task %q: Step Functions counts TimeoutSeconds in whole seconds.", t.Name))
	}
	if runnerOf(ts.o) == "lambda" && !t.Resources.IsZero() {
		b.warnOnce(t, "Resources are set by the Lambda function", fmt.Sprintf("task %q runs on the lambda runner, whose memory and CPU come from the function's configuration; its resources block is not sent.", t.Name))
	}
	// The test index (testindex.go) maps the state to the task instances
	// it runs: every item of a for_each, in instance order.
	meta := obj{{"task", t.Name}, {"key", stateKey(t.Name)}}
	switch {
	case t.ForEach == nil:
		meta.set("instance", "")
		meta.set("index", 0)
	case t.IsDynamic():
		// The instances are the source's elements, each.key the index.
		meta.set("dynamic", true)
	default:
		keys := make([]string, len(t.ForEach.Items))
		for i := range t.ForEach.Items {
			keys[i] = t.ForEach.Items[i].Key
		}
		meta.set("instances", keys)
		meta.set("items", ts.name("items")) // the Pass state holding the items
	}
	b.index = append(b.index, kv{stateName, meta})
	s := obj{
		{"Type", "Task"},
		{"Resource", resource(t, ts.o)},
		{"Parameters", parameters(t, ts.o, &t.Run, ts.jobName(), lt)},
	}
	if t.Timeout > 0 {
		s.set("TimeoutSeconds", seconds(t.Timeout))
	}
	if r := retry(t); r != nil {
		s.set("Retry", r)
	}
	return s
}

// taskOptions are t's settings, with the definition the template creates
// for its image.
func (b *builder) taskOptions(t *ir.Task) Options {
	o := b.opts.Task(t)
	o.Storage = storageOf(b.p, o)
	if len(t.Inputs) > 0 {
		o.inputsFrom = inputsFrom(b.p, t)
	}
	if b.images != nil {
		o.definition = b.images.byTask[t.Name]
	}
	return o
}

func (b *builder) warnOnce(t *ir.Task, summary, detail string) {
	if b.warned[summary+"\x00"+detail] {
		return
	}
	b.warned[summary+"\x00"+detail] = true
	b.diags = append(b.diags, ir.Diagnostic{Severity: ir.Warning, Summary: summary, Detail: detail, Subject: t.Range})
}

// outputsValue is where the Task's result holds the task's outputs.
func outputsValue(t *ir.Task, o Options) (string, bool) {
	switch {
	case runnerOf(o) == "lambda":
		return "$.Payload", true
	case callback(t, o):
		return "$", true
	}
	return "", false
}

// outputChecks fail the task when a declared output is missing or not a
// string (DESIGN 2.3) — the container contract says it must not happen.
func outputChecks(t *ir.Task, prefix, failed string) []obj {
	var choices []obj
	for _, o := range t.Outputs {
		path := prefix + "." + o
		choices = append(choices,
			obj{{"Not", obj{{"Variable", path}, {"IsPresent", true}}}, {"Next", failed}},
			obj{{"Not", obj{{"Variable", path}, {"IsString", true}}}, {"Next", failed}})
	}
	return choices
}

func (b *builder) emitSingle(m *machine, ts *taskStates, after string, mark func(ir.State) string, target func() string) {
	t := ts.t
	lt := ts.literals()
	if len(lt.vals) > 0 {
		b.add(m, ts.name("literals"), obj{
			{"Type", "Pass"},
			{"Result", lt.values()},
			{"ResultPath", "$.lit"},
			{"Next", ts.name("")},
		})
	}
	s := b.taskState(ts, newLitTable("$.lit"), ts.name(""))
	sel := record(ir.Success, false)
	if v, ok := outputsValue(t, ts.o); ok {
		sel.set("outputs.$", v)
	}
	s.set("ResultSelector", sel)
	s.set("ResultPath", "$.tasks."+ts.key)
	s.set("Catch", []obj{{{"ErrorEquals", []string{"States.ALL"}}, {"ResultPath", nil}, {"Next", mark(ir.Failed)}}})
	if len(t.Outputs) == 0 {
		next(&s, after)
		b.add(m, ts.name(""), s)
		return
	}
	s.set("Next", ts.name("outputs"))
	b.add(m, ts.name(""), s)
	// Every declared output must have been sent, as a string.
	b.add(m, ts.name("outputs"), obj{
		{"Type", "Choice"},
		{"Choices", outputChecks(t, "$.tasks."+ts.key+".outputs", mark(ir.Failed))},
		{"Default", target()},
	})
}

// emitMap renders a for_each task as one Map state whose iterator is the
// task's template, rendered once (DESIGN 1). The items are data: a Pass
// state's Result (never evaluated) holds, per item, each.key and the text
// of every other each reference the template uses, plus the literal table
// of the template, shared by all items. The definition grows with the
// number of items only by the items themselves.
func (b *builder) emitMap(m *machine, ts *taskStates, after string, mark func(ir.State) string) {
	t := ts.t
	lt := ts.literals()
	var plan *whenPlan
	if ts.itemWhen != nil {
		// Before the items are written: the plan names the fields it reads.
		plan = newItemWhenPlan(b.p, ts.itemWhen, lt.each)
	}
	if t.IsDynamic() {
		b.dynamicItems(m, ts, lt, mark)
	} else {
		b.add(m, ts.name("items"), obj{
			{"Type", "Pass"},
			{"Comment", "One item per for_each instance, in the order of each.key, with the text of the each references of the task's command and environment, and their literal text; Result is never evaluated."},
			{"Result", obj{{"items", staticItems(t, lt.each)}, {"lit", lt.values()}}},
			{"ResultPath", "$.foreach"},
			{"Next", ts.name("")},
		})
	}

	pm := &machine{}
	failed := ts.name("instance failed")
	if plan != nil {
		b.itemWhen(pm, ts, plan, failed)
	}
	rl := newLitTable("$.lit")
	rl.each = lt.each
	st := b.taskState(ts, rl, ts.name("instance"))
	// Each iteration ends with its instance's state code (instanceCode);
	// with outputs, an object holding the code and the outputs.
	if v, ok := outputsValue(t, ts.o); ok && len(t.Outputs) > 0 {
		st.set("ResultSelector", obj{{"s", codeSuccess}, {"o.$", v}})
	} else if len(t.Outputs) > 0 {
		st.set("ResultSelector", obj{{"s", codeSuccess}, {"o", obj{}}})
	} else {
		st.set("ResultSelector", obj{{"s", codeSuccess}})
		st.set("OutputPath", "$.s")
	}
	st.set("Catch", []obj{{{"ErrorEquals", []string{"States.ALL"}}, {"ResultPath", nil}, {"Next", failed}}})
	if len(t.Outputs) > 0 {
		st.set("Next", ts.name("instance outputs"))
	} else {
		st.set("End", true)
	}
	b.add(pm, ts.name("instance"), st)
	if len(t.Outputs) > 0 {
		b.add(pm, ts.name("instance outputs"), obj{
			{"Type", "Choice"},
			{"Comment", "Every declared output must have been sent, as a string."},
			{"Choices", outputChecks(t, "$.o", failed)},
			{"Default", ts.name("instance done")},
		})
		b.add(pm, ts.name("instance done"), obj{{"Type", "Pass"}, {"End", true}})
	}
	b.add(pm, failed, obj{{"Type", "Pass"}, {"Result", iterationResult(t, codeFailed)}, {"End", true}})

	each := itemSelector(t, lt.each)
	comment := fmt.Sprintf("for_each: %d instances", len(t.ForEach.Items))
	if t.IsDynamic() {
		comment = "for_each over " + t.ForEach.Source.String() + ", one instance per element"
	}
	s := obj{
		{"Type", "Map"},
		{"Comment", comment},
		{"ItemsPath", "$.foreach.items"},
		{"ItemSelector", append(obj{
			{"params.$", "$.params"},
			{"run.$", "$.run"},
			{"tasks.$", "$.tasks"},
			{"lit.$", "$.foreach.lit"},
		}, each...)},
	}
	// The Map runs at most the smaller of the pipeline's concurrency and
	// the task's max_parallel (0 = no cap for either).
	if c := capOf(b.p.Concurrency, t.ForEach.MaxParallel); c > 0 {
		s.set("MaxConcurrency", c)
	}
	s.set("ItemProcessor", obj{
		{"ProcessorConfig", obj{{"Mode", "INLINE"}}},
		{"StartAt", pm.start},
		{"States", pm.states},
	})
	// The Map's record: the instances' state codes, in item order, and
	// the flags trigger rules test; with outputs, the iterations' results
	// (raw) until the arrays are collected, when the record is rewritten
	// without them.
	codes := "$"
	if len(t.Outputs) > 0 {
		codes = "$[*].s"
	}
	msel := obj{
		{"instances.$", codes},
		{"success.$", "States.ArrayContains(" + codes + ", '" + codeSuccess + "')"},
		{"failed.$", "States.ArrayContains(" + codes + ", '" + codeFailed + "')"},
		{"upstream_failed", false},
	}
	if plan != nil {
		// Instances skip one by one only under a per-instance when.
		msel.set("skipped.$", "States.ArrayContains("+codes+", '"+codeSkipped+"')")
	} else {
		msel.set("skipped", false)
	}
	if len(t.Outputs) > 0 {
		msel.set("raw.$", "$")
	}
	s.set("ResultSelector", msel)
	s.set("ResultPath", "$.tasks."+ts.key)
	if t.IsDynamic() {
		// A value dynamicItems let through but that still cannot be read
		// (an item without a field the Map selects) fails the task.
		s.set("Catch", []obj{{{"ErrorEquals", []string{"States.ALL"}}, {"ResultPath", nil}, {"Next", mark(ir.Failed)}}})
	}
	if len(t.Outputs) == 0 {
		next(&s, after)
		b.add(m, ts.name(""), s)
		return
	}
	s.set("Next", ts.name("outputs ready"))
	b.add(m, ts.name(""), s)
	key := "$.tasks." + ts.key
	outputsReady := []obj{{{"Variable", key + ".failed"}, {"BooleanEquals", false}, {"Next", ts.name("collect")}}}
	if plan != nil {
		outputsReady = append([]obj{{
			{"And", []obj{
				{{"Variable", key + ".failed"}, {"BooleanEquals", false}},
				{{"Variable", key + ".success"}, {"BooleanEquals", false}},
			}},
			{"Next", ts.name("no outputs")},
		}}, outputsReady...)
	}
	readyComment := "Outputs of a for_each task are JSON arrays of every instance's value: only when all succeeded."
	if plan != nil {
		readyComment = "Outputs of a for_each task are JSON arrays of the values of the instances not skipped: only when none failed."
	}
	b.add(m, ts.name("outputs ready"), obj{
		{"Type", "Choice"},
		{"Comment", readyComment},
		{"Choices", outputsReady},
		{"Default", ts.name("settled")},
	})
	// Each way on rewrites the record without the raw results.
	settled := func(name string, outputs obj) {
		rec := obj{
			{"instances.$", key + ".instances"},
			{"success.$", key + ".success"},
			{"failed.$", key + ".failed"},
			{"upstream_failed", false},
			{"skipped.$", key + ".skipped"},
		}
		if outputs != nil {
			rec.set("outputs", outputs)
		}
		st := obj{{"Type", "Pass"}, {"Parameters", rec}, {"ResultPath", key}}
		next(&st, after)
		b.add(m, ts.name(name), st)
	}
	if plan != nil {
		// No instance published: a path over none of them would match
		// nothing, so the empty arrays are written as they are.
		settled("no outputs", emptyOutputs(t))
	}
	collect := obj{}
	for _, o := range t.Outputs {
		collect.set(o+".$", "States.JsonToString("+key+".raw[*].o."+o+")")
	}
	settled("collect", collect)
	settled("settled", nil)
}

// The state codes of for_each instances in the run state
// ($.tasks.KEY.instances): one character each, so that a record grows by
// four bytes per instance. An instance ends success, failed or skipped
// (upstream_failed is decided for the task as a whole).
const (
	codeSuccess = "s"
	codeFailed  = "f"
	codeSkipped = "k"
)

// iterationResult is what a Map iteration of t that did not succeed ends
// with: its state code, in an object when t has outputs (the iterations
// that succeed add "o", the outputs).
func iterationResult(t *ir.Task, code string) any {
	if len(t.Outputs) > 0 {
		return obj{{"s", code}}
	}
	return code
}

// keysAreIndexes: every item's each.key is its index (a list), so the Map
// gives each.key from $$.Map.Item.Index and the items need not carry it.
func keysAreIndexes(t *ir.Task) bool {
	for i := range t.ForEach.Items {
		if t.ForEach.Items[i].Key != strconv.Itoa(i) {
			return false
		}
	}
	return true
}

// compactItems: the static items are written bare, a JSON string each
// (or 0 where the template reads no each field beyond each.key), when
// each.key is the index and the template reads at most one other each
// reference. The run state holds the items while the Map runs, so a
// 10,000-item list costs the text of its values and little more.
func compactItems(t *ir.Task, ef *eachFields) bool {
	return !t.IsDynamic() && len(ef.refs) <= 1 && keysAreIndexes(t)
}

// staticItems are the Map items of a static for_each: per item, each.key
// and the text of every other each reference the template uses (field
// names from ef), or the bare form of compactItems.
func staticItems(t *ir.Task, ef *eachFields) []any {
	items := make([]any, len(t.ForEach.Items))
	compact := compactItems(t, ef)
	for i := range t.ForEach.Items {
		it := &t.ForEach.Items[i]
		if compact {
			items[i] = 0
			if len(ef.refs) == 1 {
				text, _ := it.Text(ef.refs[0])
				items[i] = text
			}
			continue
		}
		o := obj{{"key", it.Key}}
		for _, r := range ef.refs {
			text, _ := it.Text(r)
			o.set(ef.field(r), text)
		}
		items[i] = o
	}
	return items
}

// itemSelector is the each part of the Map's ItemSelector: the item as
// it is, or, for a run-time fan-out or compact items, each.key from the
// index and the other fields read from the element.
func itemSelector(t *ir.Task, ef *eachFields) obj {
	if !t.IsDynamic() && !compactItems(t, ef) {
		return obj{{"each.$", "$$.Map.Item.Value"}}
	}
	fields := obj{{"key.$", "States.Format('{}', $$.Map.Item.Index)"}}
	for _, r := range ef.refs {
		p := "$$.Map.Item.Value"
		if t.IsDynamic() && r.Kind == ir.RefEachField {
			p += "." + r.Name
		}
		fields.set(ef.field(r)+".$", p)
	}
	return obj{{"each", fields}}
}

// dynamicItems adds the states that read a run-time fan-out's items
// (DESIGN 2.5) before its Map: the source's text parsed as JSON and
// counted, through a one-branch Parallel because a Pass state cannot catch
// the intrinsic failure of text that is not JSON, which fails the task; a
// value that is not an array fails it too, and zero items end it skipped; and, where the template reads
// each.value or each.value.NAME, a Map that checks every element has that
// shape (ir.CheckItemRefs) and fails the task as a whole otherwise, so no
// instance starts on a malformed list.
func (b *builder) dynamicItems(m *machine, ts *taskStates, lt *litTable, mark func(ir.State) string) {
	t := ts.t
	src := refPath(t.ForEach.Source)
	parse := ts.name("items parse")
	b.names[parse] = true
	b.add(m, ts.name("items"), obj{
		{"Type", "Parallel"},
		{"Comment", "The items of " + t.ForEach.Source.String() + ": a JSON array, known when the task starts."},
		{"Branches", []obj{{
			{"StartAt", parse},
			{"States", obj{{parse, obj{
				{"Type", "Pass"},
				{"Parameters", obj{
					{"items.$", "States.StringToJson(" + src + ")"},
					{"text.$", "States.JsonToString(States.StringToJson(" + src + "))"},
				}},
				{"End", true},
			}}}},
		}}},
		{"ResultSelector", obj{{"items.$", "$[0].items"}, {"text.$", "$[0].text"}, {"lit", lt.values()}}},
		{"ResultPath", "$.foreach"},
		{"Catch", []obj{{{"ErrorEquals", []string{"States.ALL"}}, {"ResultPath", nil}, {"Next", mark(ir.Failed)}}}},
		{"Next", ts.name("count")},
	})
	var shape []obj
	for _, r := range t.ItemReads() {
		p := "$.v"
		if r.Kind == ir.RefEachField {
			p = "$.v." + r.Name
		}
		shape = append(shape, obj{{"Variable", p}, {"IsPresent", true}}, obj{{"Variable", p}, {"IsString", true}})
	}
	run := ts.name("")
	if len(shape) > 0 {
		run = ts.name("check")
	}
	// The value re-encoded compactly: an array is exactly the text that
	// starts with '[' (ArrayLength of anything else is a failure some
	// interpreters do not let a Catch see), and "[]" has no items.
	b.add(m, ts.name("count"), obj{
		{"Type", "Choice"},
		{"Choices", []obj{
			{{"Not", obj{{"Variable", "$.foreach.text"}, {"StringMatches", "[*"}}}, {"Next", mark(ir.Failed)}},
			{{"Variable", "$.foreach.text"}, {"StringEquals", "[]"}, {"Next", mark(ir.Skipped)}},
		}},
		{"Default", run},
	})
	if len(shape) == 0 {
		return
	}
	item, ok, bad := ts.name("check item"), ts.name("check ok"), ts.name("check malformed")
	for _, n := range []string{item, ok, bad} {
		b.names[n] = true
	}
	b.add(m, ts.name("check"), obj{
		{"Type", "Map"},
		{"Comment", "Every element has the shape the task reads: a string for each.value, an object with string fields for each.value.NAME."},
		{"ItemsPath", "$.foreach.items"},
		{"ItemSelector", obj{{"v.$", "$$.Map.Item.Value"}}},
		{"ItemProcessor", obj{
			{"ProcessorConfig", obj{{"Mode", "INLINE"}}},
			{"StartAt", item},
			{"States", obj{
				{item, obj{{"Type", "Choice"}, {"Choices", []obj{withNext(allOf(shape), ok)}}, {"Default", bad}}},
				{ok, obj{{"Type", "Pass"}, {"End", true}}},
				{bad, obj{{"Type", "Fail"}, {"Error", "dagc.ItemsMalformed"}, {"Cause", "for_each needs a JSON array of strings or of flat objects of strings, with the fields the task reads"}}},
			}},
		}},
		{"ResultPath", nil},
		{"Catch", []obj{{{"ErrorEquals", []string{"States.ALL"}}, {"ResultPath", nil}, {"Next", mark(ir.Failed)}}}},
		{"Next", ts.name("")},
	})
}

// capOf is the smaller of two caps where 0 means none.
func capOf(a, b int) int {
	if a == 0 || b > 0 && b < a {
		return b
	}
	return a
}

// whenStates adds the states of a when: the conversions its comparisons
// need (name+" values"; through a one-branch Parallel, name+" parse",
// when text must parse as a number, because a Pass state cannot catch),
// then the Choice name that goes on to run, or to skipped(); text that is
// not a number leads to failed(). failed and skipped are called where
// their targets are first needed.
func (b *builder) whenStates(m *machine, ts *taskStates, w *whenPlan, name, comment string, failed func() string, run string, skipped func() string) {
	if len(w.values) > 0 {
		if w.parses {
			parse := name + " parse"
			b.names[parse] = true
			b.add(m, name+" values", obj{
				{"Type", "Parallel"},
				{"Branches", []obj{{
					{"StartAt", parse},
					{"States", obj{{parse, obj{{"Type", "Pass"}, {"Parameters", obj{{"v", w.values}}}, {"End", true}}}}},
				}}},
				{"ResultSelector", obj{{"v.$", "$[0].v"}}},
				{"ResultPath", "$.when"},
				{"Catch", []obj{{{"ErrorEquals", []string{"States.ALL"}}, {"ResultPath", nil}, {"Next", failed()}}}},
				{"Next", name},
			})
		} else {
			b.add(m, name+" values", obj{
				{"Type", "Pass"},
				{"Parameters", obj{{"v", w.values}}},
				{"ResultPath", "$.when"},
				{"Next", name},
			})
		}
	}
	var choices []obj
	for _, path := range w.numeric {
		choices = append(choices, obj{{"Not", obj{{"Variable", path}, {"IsNumeric", true}}}, {"Next", failed()}})
	}
	choices = append(choices, withNext(w.rule, run))
	b.add(m, name, obj{
		{"Type", "Choice"},
		{"Comment", comment + ts.t.When.String()},
		{"Choices", choices},
		{"Default", skipped()},
	})
}

// itemWhen adds the states that start a Map iteration under a
// per-instance when (DESIGN 2.5): the conversions its comparisons need,
// then a Choice over the item's data and the run state that goes on to the
// Task state, or ends the iteration with the skipped record. Text that is
// not a number where one is needed fails the instance.
func (b *builder) itemWhen(pm *machine, ts *taskStates, w *whenPlan, failed string) {
	skipped := ts.name("instance skipped")
	b.whenStates(pm, ts, w, ts.name("instance when"), "when, per instance: ", func() string { return failed }, ts.name("instance"), func() string { return skipped })
	b.add(pm, skipped, obj{{"Type", "Pass"}, {"Result", iterationResult(ts.t, codeSkipped)}, {"End", true}})
}
