package stepfunctions

import "github.com/dagc-dev/dagc/ir"

// Map modes (docs/stepfunctions.md, "Inline or distributed Map").
//
// An inline Map runs its iterations inside the execution: every
// iteration's events count towards the execution's 25,000-event history
// and at most 40 iterations run at once. A distributed Map runs each
// iteration as a child execution with a history of its own, so the
// parent's history holds a few Map Run events whatever the number of
// items. Child executions are STANDARD: an instance's Task state waits on
// a .sync job or a task token, which Express executions do not support.
const (
	maxHistoryEvents = 25000
	mapInline        = "INLINE"
	mapDistributed   = "DISTRIBUTED"
)

// inlineHistoryBudget is the share of the execution's history a static
// for_each's inline iterations may take; the rest is left to the other
// tasks of the machine. A var so that tests can lower it.
var inlineHistoryBudget = maxHistoryEvents / 2

// iterationEvents bounds the history events of one inline iteration
// whose processor has the given number of states and whose Task state
// makes at most attempts attempts: MapIterationStarted and
// MapIterationSucceeded, an entered and an exited event per state on the
// way (at most every state), and per attempt TaskScheduled, TaskStarted,
// TaskSubmitted and TaskSucceeded or TaskFailed (bounded by 4 with the
// retry's own events).
func iterationEvents(states, attempts int) int {
	return 2 + 2*states + 4*attempts
}

// mapMode is the mode of t's Map, whose processor has the given number of
// states. A run-time fan-out is always distributed: the number of items is
// known only when it runs, and a distributed Map holds any number the
// payload can carry. A static for_each is inline while its iterations
// stay within inlineHistoryBudget, and distributed past it.
func mapMode(t *ir.Task, states int) string {
	if t.IsDynamic() {
		return mapDistributed
	}
	attempts := 1 + t.Retry.Attempts
	if len(t.ForEach.Items)*iterationEvents(states, attempts) > inlineHistoryBudget {
		return mapDistributed
	}
	return mapInline
}

// processorConfig is the ItemProcessor's ProcessorConfig for mode.
func processorConfig(mode string) obj {
	if mode == mapDistributed {
		return obj{{"Mode", mapDistributed}, {"ExecutionType", "STANDARD"}}
	}
	return obj{{"Mode", mapInline}}
}

// markDistributed notes that the machine being emitted holds a
// distributed Map: its role must be allowed to start, describe and stop
// its own executions (the CloudFormation template grants it).
func (b *builder) markDistributed() {
	if b.distributed == nil {
		b.distributed = map[int]bool{}
	}
	b.distributed[b.curPart] = true
}
