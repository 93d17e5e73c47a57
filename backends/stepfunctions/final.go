package stepfunctions

import (
	"fmt"
	"strconv"

	"github.com/dagc-dev/dagc/backends/stepfunctions/layout"
	"github.com/dagc-dev/dagc/ir"
)

// Exit handlers (final tasks, DESIGN 2.4). The tasks that are not final
// are laid out and judged by stateRunState as in a pipeline without
// final tasks; the judgement becomes $.run.status instead of ending the
// execution, run.failed_tasks is built when a final task reads it, the
// final tasks run, and stateFinalState ends the execution: failed when
// run.status is failed or a final task ended failed.
const (
	stateStatusFailed  = "run.status = failed"
	stateStatusSuccess = "run.status = success"
	stateFailedInit    = "Collect run.failed_tasks"
	stateFailedDone    = "Set run.failed_tasks"
	stateFinalState    = "Run Or Final Task Failed?"
)

// finalTasks returns the final tasks, in pipeline order.
func (b *builder) finalTasks() []*ir.Task {
	var out []*ir.Task
	for _, t := range b.p.Tasks {
		if t.Final {
			out = append(out, t)
		}
	}
	return out
}

// readsFailedTasks reports whether some final task reads run.failed_tasks:
// only then is the list built, as it costs states per instance.
func readsFailedTasks(final []*ir.Task) bool {
	for _, t := range final {
		found := false
		t.Run.Strs(func(s ir.Str) {
			for _, r := range s.Refs() {
				found = found || r.Kind == ir.RefRunFailedTasks
			}
		})
		if t.When != nil {
			for _, r := range t.When.Refs() {
				found = found || r.Kind == ir.RefRunFailedTasks
			}
		}
		if found {
			return true
		}
	}
	return false
}

// finalBytes estimates the states emitFinal adds to the root machine: the
// final tasks' own states and, when one reads run.failed_tasks, about
// two states per instance of the other tasks (measured: about 330 bytes
// plus the name's JSON text three times).
func (b *builder) finalBytes(final []*ir.Task, sizes map[*layout.Tree]int) int {
	if len(final) == 0 {
		return 0
	}
	n := 2000
	for _, t := range final {
		n += b.estimate(&layout.Tree{Kind: layout.Leaf, Task: t.Name}, sizes)
	}
	if readsFailedTasks(final) {
		for _, e := range ir.FailedTaskOrder(b.p) {
			n += 350 + 3*len(jsonText(e.Name))
		}
	}
	return n
}

// emitFinal adds what follows stateRunState when the pipeline has final
// tasks; the run state Choice goes to stateStatusFailed or
// stateStatusSuccess. It returns the final tasks whose Fail state
// (taskFailedName) its last Choice names, for the caller to add.
func (b *builder) emitFinal(m *machine, final []*ir.Task) []*ir.Task {
	g := layout.Graph{Upstream: map[string][]string{}, Weight: map[string]float64{}}
	for _, t := range final {
		g.Nodes = append(g.Nodes, t.Name)
		g.Weight[t.Name] = 1
	}
	tree := layout.Layout(g)
	entry := b.entry(tree)
	afterStatus := entry
	if readsFailedTasks(final) {
		afterStatus = stateFailedInit
	}
	for _, st := range []struct {
		name  string
		state ir.State
	}{{stateStatusFailed, ir.Failed}, {stateStatusSuccess, ir.Success}} {
		b.add(m, st.name, obj{
			{"Type", "Pass"},
			{"Comment", "run.status, what the final tasks read: the run-state rule over every task that is not final."},
			{"Result", string(st.state)},
			{"ResultPath", "$.run.status"},
			{"Next", afterStatus},
		})
	}
	if afterStatus == stateFailedInit {
		b.emitFailedTasks(m, entry)
	}
	b.emit(m, tree, stateFinalState)
	// A failure before the final tasks comes first; else the first
	// final task that failed names the Fail state.
	rules := []obj{{{"Variable", "$.run.status"}, {"StringEquals", string(ir.Failed)}, {"Next", stateRunFailed}}}
	for _, t := range final {
		rules = append(rules, withNext(endedFailed(stateKey(t.Name), false), taskFailedName(t)))
	}
	b.add(m, stateFinalState, obj{
		{"Type", "Choice"},
		{"Comment", "The run fails when run.status is failed or a final task ended failed."},
		{"Choices", rules},
		{"Default", stateRunSucceed},
	})
	return final
}

// emitFailedTasks builds run.failed_tasks ($.run.failed_tasks), the JSON
// array of the failed instances' names in pipeline order
// (ir.FailedTaskOrder), then continues with after. JSONPath filters
// cannot be used: an engine that unwraps a single match (as
// aws-local-stepfunctions does) would not give a list. So each instance
// is a Choice that, when it ended failed, goes to a Pass appending the
// separator and its name's JSON text to $.fl.acc; the separator becomes
// "," after the first. The texts are plain data in $.lit.f, read by
// index, never evaluated.
func (b *builder) emitFailedTasks(m *machine, after string) {
	var frags []string
	// appendIf adds the Choice name ("X failed?") that goes on to its Pass
	// ("X: add"), which appends text, when rule holds, and the Pass alone
	// when rule is nil (it holds whenever it is reached).
	appendIf := func(name string, rule obj, text, next string) {
		frags = append(frags, text)
		add := fitName(name + ": add")
		if rule != nil {
			b.add(m, fitName(name+" failed?"), obj{{"Type", "Choice"}, {"Choices", []obj{withNext(rule, add)}}, {"Default", next}})
		}
		b.add(m, add, obj{
			{"Type", "Pass"},
			{"Parameters", obj{
				{"acc.$", fmt.Sprintf("States.Format('{}{}{}', $.fl.acc, $.fl.sep, $.lit.f[%d])", len(frags)-1)},
				{"sep", ","},
			}},
			{"ResultPath", "$.fl"},
			{"Next", next},
		})
	}
	// One step per task that is not final, named after the task: "X
	// failed?", and for a for_each task "X[i] failed?" per instance.
	type step struct {
		t     *ir.Task
		label string
	}
	var steps []step
	for _, t := range b.p.Tasks {
		if !t.Final {
			steps = append(steps, step{t, stateBase(t.Name)})
		}
	}
	entry := func(label string) string { return fitName(label + " failed?") }
	first := stateFailedDone
	if len(steps) > 0 {
		first = entry(steps[0].label)
	}
	// The texts are known once every step is added; lit shares its
	// backing array with the state, so filling it in later is seen.
	lit := obj{{"f", []string(nil)}}
	b.add(m, stateFailedInit, obj{
		{"Type", "Pass"},
		{"Comment", "run.failed_tasks: the JSON text of each instance's name, as data (never evaluated), and the list so far."},
		{"Parameters", obj{
			{"params.$", "$.params"}, {"run.$", "$.run"}, {"tasks.$", "$.tasks"},
			{"lit", lit},
			{"fl", obj{{"acc", ""}, {"sep", ""}}},
		}},
		{"Next", first},
	})
	for k, st := range steps {
		next := stateFailedDone
		if k+1 < len(steps) {
			next = entry(steps[k+1].label)
		}
		t, key := st.t, stateKey(st.t.Name)
		names := ir.FailedTaskOrder(&ir.Pipeline{Tasks: []*ir.Task{t}})
		if t.ForEach == nil {
			appendIf(st.label, stateIs(key, ir.Failed), jsonText(names[0].Name), next)
			continue
		}
		// A for_each task that ran has a state code per instance; one that
		// ended without running (trigger, when, a failed input) has only
		// the task's state, which every instance shares.
		inst := func(i int) string { return st.label + "[" + strconv.Itoa(i) + "]" }
		all := ""
		for i, e := range names {
			if i > 0 {
				all += ","
			}
			all += jsonText(e.Name)
		}
		b.add(m, entry(st.label), obj{
			{"Type", "Choice"},
			{"Choices", []obj{
				{{"Variable", "$.tasks." + key + ".instances"}, {"IsPresent", true}, {"Next", entry(inst(0))}},
				withNext(stateIs(key, ir.Failed), fitName(st.label+"[*]: add")),
			}},
			{"Default", next},
		})
		appendIf(st.label+"[*]", nil, all, next)
		for i, e := range names {
			to := next
			if i+1 < len(names) {
				to = entry(inst(i + 1))
			}
			rule := obj{{"Variable", fmt.Sprintf("$.tasks.%s.instances[%d]", key, i)}, {"StringEquals", codeFailed}}
			appendIf(inst(i), rule, jsonText(e.Name), to)
		}
	}
	lit[0].v = frags
	b.add(m, stateFailedDone, obj{
		{"Type", "Pass"},
		{"Parameters", obj{
			{"params.$", "$.params"}, {"tasks.$", "$.tasks"},
			{"run", obj{
				{"id.$", "$.run.id"}, {"date.$", "$.run.date"}, {"status.$", "$.run.status"},
				{"failed_tasks.$", "States.Format('[{}]', $.fl.acc)"},
			}},
		}},
		{"Next", after},
	})
}

// jsonText is s as a JSON string, without HTML escaping, as the local
// runner encodes run.failed_tasks.
func jsonText(s string) string {
	data, _ := marshal(s)
	return string(data)
}
