package ir

import "strings"

// This file is DESIGN 2.4 as code: what a task does given its trigger, the
// final states of its upstream instances and its `when`, and whether a run
// failed. The local runner executes it; every backend renders the rules
// from the same vocabulary (Rule, Test) and its semantic tests use Decide
// as the oracle over the full truth table.

// The triggers beyond the first four (DESIGN 2.4).
const (
	OneSuccess              Trigger = "one_success"
	NoneFailed              Trigger = "none_failed"
	NoneFailedMinOneSuccess Trigger = "none_failed_min_one_success"
	NoneSkipped             Trigger = "none_skipped"
)

// DesignTriggers are every trigger DESIGN 2.4 defines.
var DesignTriggers = []Trigger{AllSuccess, AllDone, OneFailed, AllFailed, OneSuccess, NoneFailed, NoneFailedMinOneSuccess, NoneSkipped}

// AcceptedTriggers are the triggers a pipeline may use: all of them.
var AcceptedTriggers = DesignTriggers

// FinalStates are the states an instance ends in, in the order rendered
// rules list them.
var FinalStates = []State{Success, Failed, UpstreamFailed, Skipped}

// StateSet is a set of final states.
type StateSet uint8

// SetOf returns the set holding states.
func SetOf(states ...State) StateSet {
	var s StateSet
	for _, st := range states {
		s |= stateBit(st)
	}
	return s
}

func stateBit(st State) StateSet {
	for i, f := range FinalStates {
		if f == st {
			return 1 << i
		}
	}
	return 0
}

// Has reports whether st is in the set.
func (s StateSet) Has(st State) bool {
	b := stateBit(st)
	return b != 0 && s&b != 0
}

// States lists the set's members in FinalStates order.
func (s StateSet) States() []State {
	var out []State
	for _, f := range FinalStates {
		if s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

// Complement is every final state not in s.
func (s StateSet) Complement() StateSet { return SetOf(FinalStates...) &^ s }

func (s StateSet) String() string {
	parts := make([]string, 0, 4)
	for _, st := range s.States() {
		parts = append(parts, string(st))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Failing is "failed or upstream_failed": what the rules count as a failure.
var Failing = SetOf(Failed, UpstreamFailed)

// Quantifier says how many upstream instances a Test asks about.
type Quantifier uint8

const (
	// Any: at least one upstream instance is in the set.
	Any Quantifier = iota
	// All: every upstream instance is in the set.
	All
	// None: no upstream instance is in the set.
	None
)

// Test is a question about the final states of all upstream instances of
// a task, counted once per instance (a for_each upstream counts as many
// times as it has instances).
type Test struct {
	Q  Quantifier
	In StateSet
}

// Holds evaluates the test on the upstream instances' final states.
func (t Test) Holds(upstream []State) bool {
	n := 0
	for _, s := range upstream {
		if t.In.Has(s) {
			n++
		}
	}
	switch t.Q {
	case Any:
		return n > 0
	case All:
		return n == len(upstream)
	}
	return n == 0
}

// Rule is a trigger as data. Once every upstream instance has ended, the
// task runs if every test of Run holds (its `when` is evaluated next);
// otherwise it ends upstream_failed if UpstreamFailed is set and holds,
// else skipped. A task with no upstream ignores its rule and runs.
type Rule struct {
	Run            []Test
	UpstreamFailed *Test
}

// anyFailing is the upstream_failed test of every rule that has one.
var anyFailing = &Test{Any, Failing}

var rules = map[Trigger]Rule{
	AllSuccess:              {Run: []Test{{All, SetOf(Success)}}, UpstreamFailed: anyFailing},
	AllDone:                 {},
	OneFailed:               {Run: []Test{{Any, Failing}}},
	AllFailed:               {Run: []Test{{All, Failing}}},
	OneSuccess:              {Run: []Test{{Any, SetOf(Success)}}, UpstreamFailed: anyFailing},
	NoneFailed:              {Run: []Test{{None, Failing}}, UpstreamFailed: anyFailing},
	NoneFailedMinOneSuccess: {Run: []Test{{None, Failing}, {Any, SetOf(Success)}}, UpstreamFailed: anyFailing},
	NoneSkipped:             {Run: []Test{{None, SetOf(Skipped)}}},
}

// RuleOf returns the rule of a trigger; "" is all_success (IR built without
// Normalize). ok is false for a trigger DESIGN 2.4 does not define.
func RuleOf(tr Trigger) (r Rule, ok bool) {
	if tr == "" {
		tr = AllSuccess
	}
	r, ok = rules[tr]
	return r, ok
}

// Runs reports whether the rule lets the task run over these upstream
// instance states (there is at least one).
func (r Rule) Runs(upstream []State) bool {
	for _, t := range r.Run {
		if !t.Holds(upstream) {
			return false
		}
	}
	return true
}

// Ensures reports whether every upstream instance is in set whenever the
// rule lets the task run (for instance all_success ensures {success}: the
// outputs of every upstream exist).
func (r Rule) Ensures(set StateSet) bool {
	if set == SetOf(FinalStates...) {
		return true
	}
	for _, t := range r.Run {
		if (t.Q == All && t.In&^set == 0) || (t.Q == None && t.In|set == SetOf(FinalStates...)) {
			return true
		}
	}
	return false
}

// FailsExactlyOnFailure reports whether, under this rule, the task ends
// upstream_failed exactly when some upstream instance is failed or
// upstream_failed: then "this task is failed or upstream_failed" unrolls to
// "this task, or an upstream reached through such rules, failed", a test an
// engine can write over ancestors' own states. It holds when the rule
// propagates failure and a failing upstream always blocks Run.
func (r Rule) FailsExactlyOnFailure() bool {
	return r.UpstreamFailed != nil && *r.UpstreamFailed == *anyFailing && r.Ensures(Failing.Complement())
}

// Decision is what happens to a task instance once every upstream instance
// has ended.
type Decision uint8

const (
	// Run: the trigger holds and `when` is true (or absent).
	Run Decision = iota
	// Skip: the trigger does not hold and no failure propagates, or `when`
	// is false. The instance ends skipped.
	Skip
	// PropagateFailure: the instance ends upstream_failed.
	PropagateFailure
)

// State is the final state of an instance that does not run.
func (d Decision) State() State {
	switch d {
	case Skip:
		return Skipped
	case PropagateFailure:
		return UpstreamFailed
	}
	return ""
}

func (d Decision) String() string {
	if d == Run {
		return "run"
	}
	return string(d.State())
}

// Decide applies trigger tr to the final states of every upstream instance
// (DESIGN 2.4). when is called only once the trigger holds; nil means the
// task has no `when`. An error from when is returned as is: the instance
// then fails. A task with no upstream runs whatever its trigger (validate
// warns about such a trigger). An undefined trigger decides as all_success;
// Validate rejects it before anything runs.
func Decide(tr Trigger, upstream []State, when func() (bool, error)) (Decision, error) {
	if len(upstream) > 0 {
		r, ok := RuleOf(tr)
		if !ok {
			r = rules[AllSuccess]
		}
		if !r.Runs(upstream) {
			if r.UpstreamFailed != nil && r.UpstreamFailed.Holds(upstream) {
				return PropagateFailure, nil
			}
			return Skip, nil
		}
	}
	if when == nil {
		return Run, nil
	}
	ok, err := when()
	if err != nil {
		return Run, err
	}
	if !ok {
		return Skip, nil
	}
	return Run, nil
}

// Ended is one task instance at the end of a run, for RunState.
type Ended struct {
	State State
	// FailureTolerated is set for a task whose failure does not fail the
	// run (`allow_failure`, DESIGN 2.4): Task.AllowFailure.
	FailureTolerated bool
	// Name is the instance as run.failed_tasks lists it: "task", or
	// "task[key]" for an instance of a for_each task (InstanceName).
	Name string
	// Final is set for an instance of a final task: RunStatus leaves it out.
	Final bool
}

// InstanceName is how run.failed_tasks, logs and traces name an instance:
// the task, with [key] for a for_each task.
func InstanceName(task, key string, forEach bool) string {
	if !forEach {
		return task
	}
	return task + "[" + key + "]"
}

// RunState is the final state of a run (DESIGN 2.4): failed if any instance
// ended failed without its failure being tolerated, else success. A
// one_failed handler that ran does not change it.
func RunState(instances []Ended) State {
	for _, e := range instances {
		if e.State == Failed && !e.FailureTolerated {
			return Failed
		}
	}
	return Success
}

// RunStatus is run.status, what a final task sees (DESIGN 2.4): RunState
// over every instance that is not of a final task. The run's own final
// state is RunState over all of them, so a final task that fails fails the
// run.
func RunStatus(instances []Ended) State {
	for _, e := range instances {
		if !e.Final && e.State == Failed && !e.FailureTolerated {
			return Failed
		}
	}
	return Success
}

// FailedTasks is run.failed_tasks (DESIGN 2.2): the names of the instances
// that are not of a final task and ended failed, in the order given. The
// order every engine uses is the pipeline's task order (Pipeline.Tasks:
// upstream first, ties by name), a for_each task's instances in instance
// order (FailedTaskOrder). A failure that allow_failure tolerates is
// listed too: the task did end failed, though it does not fail the run.
// upstream_failed instances are not listed: they never ran.
func FailedTasks(instances []Ended) []string {
	out := []string{}
	for _, e := range instances {
		if !e.Final && e.State == Failed {
			out = append(out, e.Name)
		}
	}
	return out
}

// FailedTaskOrder lists, in the order run.failed_tasks uses, every
// instance a final task can see: each task that is not final, in pipeline
// order, and each of its instances in instance order. Backends that build
// the list on the engine walk it.
func FailedTaskOrder(p *Pipeline) []Ended {
	var out []Ended
	for _, t := range p.Tasks {
		if t.Final {
			continue
		}
		if t.ForEach == nil {
			out = append(out, Ended{Name: t.Name})
			continue
		}
		for _, it := range t.ForEach.Items {
			out = append(out, Ended{Name: InstanceName(t.Name, it.Key, true)})
		}
	}
	return out
}

// HasFinal reports whether the pipeline has a final task.
func (p *Pipeline) HasFinal() bool {
	for _, t := range p.Tasks {
		if t != nil && t.Final {
			return true
		}
	}
	return false
}
