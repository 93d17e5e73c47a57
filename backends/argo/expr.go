package argo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// exprStr renders s as a string literal of Argo's expression language
// (expr-lang). Everything but letters, digits and a few harmless characters
// is written as a \u escape, so the literal can hold no quote, no backslash,
// no brace (the "}}" that would end the "{{=...}}" tag early) and no newline.
// Other ASCII punctuation stays raw so rendered expressions stay readable. '<', '>' and
// '&' stay raw: Argo's jsonutil.Fix rewrites the text "\u003c", "\u003e" and
// "\u0026" inside expression tags, which would corrupt such an escape.
func exprStr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ' ', r == '.', r == '_', r == '-', r == ':', r == '/', r == '<', r == '>', r == '&',
			r == '(', r == ')', r == '[', r == ']', r == '?', r == '*', r == '+', r == '|', r == '^', r == '$',
			r == '!', r == '=', r == ',', r == ';', r == '@', r == '#', r == '%', r == '~':
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// whenExpr renders a dagc condition as an Argo "{{=...}}" expression tag.
// Run-time values enter the expression as variables, never as text, so a
// value cannot change the expression (a plain "{{tasks.a.outputs...}}" tag
// would paste the value into the govaluate source).
func (r *renderer) whenExpr(c *ir.Cond) string {
	return "{{=" + r.condExpr(c) + "}}"
}

func (r *renderer) condExpr(c *ir.Cond) string {
	switch c.Op {
	case ir.CondConst:
		return strconv.FormatBool(c.Const)
	case ir.CondNot:
		return "!(" + r.condExpr(c.Args[0]) + ")"
	case ir.CondAnd, ir.CondOr:
		parts := make([]string, len(c.Args))
		for i, a := range c.Args {
			parts[i] = "(" + r.condExpr(a) + ")"
		}
		op := " && "
		if c.Op == ir.CondOr {
			op = " || "
		}
		return strings.Join(parts, op)
	case ir.CondCompare:
		l, rr := r.operandExpr(c.Left, c.Numeric), r.operandExpr(c.Right, c.Numeric)
		return l + " " + string(c.Cmp) + " " + rr
	}
	return "false"
}

func (r *renderer) operandExpr(o ir.Operand, numeric bool) string {
	if o.Ref == nil {
		if numeric {
			// asFloat of a string literal: the canonical text of any number
			// parses, where an expr number literal could overflow an int.
			return "asFloat(" + exprStr(o.Lit) + ")"
		}
		return exprStr(o.Lit)
	}
	v := r.refExpr(o.Ref)
	if numeric {
		// ir.ParseNumber's rule: trim, then only ir.NumberSyntax is a
		// number. asFloat alone would take NaN, Inf and hex floats; text
		// that does not match is replaced by a message asFloat cannot
		// parse, so the task fails naming the value, as on every engine.
		t := "trim(" + v + ", " + exprStr(ir.NumberBlanks) + ")"
		msg := exprStr("when: "+o.Ref.String()+" is not a number: ") + " + " + v
		return "asFloat(" + t + " matches " + exprStr("^(?:"+ir.NumberSyntax+")$") + " ? " + t + " : " + msg + ")"
	}
	return v
}

// refExpr is the expression-language variable holding a reference's value
// in a DAG task's scope.
func (r *renderer) refExpr(ref *ir.Ref) string {
	switch ref.Kind {
	case ir.RefParam:
		return "workflow.parameters[" + exprStr(ref.Name) + "]"
	case ir.RefOutput:
		v := "tasks[" + exprStr(r.taskName[ref.Task]) + "].outputs.parameters[" + exprStr(ref.Name) + "]"
		if p := r.taskByName(ref.Task); p != nil && p.ForEach != nil {
			return rawJSON(v)
		}
		return v
	case ir.RefRunID:
		return "workflow.name"
	case ir.RefRunDate:
		return r.runDateExpr()
	case ir.RefEachKey, ir.RefEachValue, ir.RefEachField, ir.RefEachExpr:
		switch {
		case r.whenItem != nil:
			text, _ := r.whenItem.Text(ref)
			return exprStr(text)
		case r.whenDyn:
			// In an all() over the source's elements (skipGuards).
			switch ref.Kind {
			case ir.RefEachKey:
				return "string(#index)"
			case ir.RefEachField:
				return "#[" + exprStr(ref.Name) + "]"
			}
			return "#"
		case r.whenItems != nil && r.whenItems.t.IsDynamic():
			return dynItemExpr(ref)
		case r.whenItems != nil:
			// The item is a string holding a JSON object (itemField);
			// the field holds the item's text base64-encoded, which no
			// templating pass changes, and fromBase64 gives it back byte
			// for byte.
			return "fromBase64(jsonpath(item, " + exprStr("$."+r.whenItems.whenField(ref)) + "))"
		}
	case ir.RefRunStatus:
		return runStatusExpr
	case ir.RefRunFailedTasks:
		return "(" + r.failedTasksExpr() + ")"
	}
	return `""`
}

// rawJSON re-encodes an aggregated output parameter, a JSON array Argo
// writes with json.Marshal, which escapes '<', '>' and '&' as \u003c…:
// sprig's toRawJson does not, so the consumer gets the text every engine
// gives (ir's one encoding: no HTML escaping).
func rawJSON(v string) string { return "sprig.toRawJson(fromJSON(" + v + "))" }

// itemWhen renders a per-instance when (DESIGN 2.5) of a withItems task,
// whose each references read the instance's item.
func (r *renderer) itemWhen(c *taskCtx, w *ir.Cond) string {
	r.whenItems = c
	defer func() { r.whenItems = nil }()
	return r.condExpr(w)
}

// skipGuards are the conditions a task adds to its own when because Argo's
// depends cannot see them: for each upstream task whose instances are
// skipped one by one by a per-instance when, that none was, where the
// task's rule asks (all_success, none_skipped). A TaskGroup with some
// instances skipped and the others succeeded reports Succeeded and
// AnySucceeded, exactly as one whose instances all succeeded, so depends
// lets the task through and this when skips it, as dagc's rule does. It
// re-evaluates the upstream's when for each of its items with the values
// that upstream saw (params, ancestors' outputs); depends has already
// required that it ran, so no instance's when failed.
func (r *renderer) skipGuards(t *ir.Task) []string {
	rule, _ := ir.RuleOf(t.Trigger)
	if len(t.Edges) == 0 {
		return nil
	}
	asks := false
	for _, test := range rule.Run {
		all := ir.SetOf(ir.FinalStates...)
		switch {
		case test.Q == ir.All && !test.In.Has(ir.Skipped) && test.In != all,
			test.Q == ir.None && test.In.Has(ir.Skipped):
			asks = true
		case test.Q == ir.Any && test.In.Has(ir.Skipped):
			r.unsupported("a trigger that runs on a skipped instance of a task with a per-instance when", t, "Argo's depends cannot see instances skipped one by one.")
		}
	}
	if !asks {
		return nil
	}
	var guards []string
	for _, name := range t.Upstream() {
		u := r.taskByName(name)
		if u == nil || !perInstanceWhen(u) {
			continue
		}
		if u.IsDynamic() {
			// Every item of the source passes the when: the same
			// condition over each element, in an all().
			r.whenDyn = true
			guards = append(guards, "all(fromJSON("+r.refExpr(u.ForEach.Source)+"), "+r.condExpr(u.When)+")")
			r.whenDyn = false
			continue
		}
		for i := range u.ForEach.Items {
			r.whenItem = &u.ForEach.Items[i]
			guards = append(guards, "("+r.condExpr(u.When)+")")
		}
		r.whenItem = nil
	}
	for _, name := range t.Upstream() {
		// A max_parallel wrapper's dag node Succeeds when its withParam
		// had no items, where dagc ends the task skipped.
		if u := r.taskByName(name); u != nil && u.IsDynamic() && wrapped(u) {
			guards = append(guards, "(len(fromJSON("+r.refExpr(u.ForEach.Source)+")) > 0)")
		}
	}
	return guards
}

// perInstanceWhen: t's instances decide one by one (DESIGN 2.5).
func perInstanceWhen(t *ir.Task) bool {
	return t.ForEach != nil && t.When != nil && t.When.UsesEach()
}

// runDateExpr is run.date: the date the Workflow was created, in the
// pipeline's timezone (DESIGN 2.2). Argo's creationTimestamp variables
// are UTC, so another timezone converts the creation time (seconds) with
// sprig's dateInZone; the controller embeds the time zone database.
func (r *renderer) runDateExpr() string {
	if r.p.Timezone == "UTC" {
		return `(workflow.creationTimestamp.Y + "-" + workflow.creationTimestamp.m + "-" + workflow.creationTimestamp.d)`
	}
	return "sprig.dateInZone(" + exprStr("2006-01-02") + ", asInt(workflow.creationTimestamp.s), " + exprStr(r.p.Timezone) + ")"
}

// Depends expressions (DESIGN 2.4). Argo evaluates a task's "depends" once
// every task it names has finished, and marks the task Omitted when it is
// false; a false "when" marks it Skipped. The rule comes from ir.RuleOf:
// each of its tests over the upstream instances becomes a test over the
// upstream tasks' Argo results. dagc's states read from Argo's:
//
//	success          Succeeded; for a for_each task, an instance Succeeded
//	                 (AnySucceeded: a TaskGroup whose instances were all
//	                 skipped by when reports Succeeded)
//	failed           Failed or Errored; all instances of a for_each task
//	                 failed: AllFailed
//	upstream_failed  Omitted, and the task's rule's upstream_failed test
//	                 holds over its own upstream tasks
//	skipped          Skipped, any other Omitted, or a for_each task with a
//	                 when whose TaskGroup Succeeded with no instance
//
// A for_each task with max_parallel runs inside a dag template of its own
// (see wrap): its node is a dag, Failed when an instance failed, and its
// when is on that node, so a false when makes it Skipped. A dag node has no
// AnySucceeded or AllFailed, so "some instance succeeded" is only known
// where it means "the task ran" or where the rule also asks that none
// failed (none_failed_min_one_success); one_success and all_failed right
// after such a task are refused.
//
// Instances of one for_each task share their decision (when is per task),
// so they are all skipped, all upstream_failed, or all ran.
//
// Where a rule ends upstream_failed exactly when an upstream is failed or
// upstream_failed (ir.Rule.FailsExactlyOnFailure, all_success), "X is
// failed or upstream_failed" unrolls to "some task of X's closure under
// such rules failed": a flat test on finished tasks, linear in size.

// bx is a boolean expression over Argo task results.
type bx struct {
	op   byte // 'v' variable, '&', '|', '!', 't' true, 'f' false
	v    string
	args []bx
}

var bTrue, bFalse = bx{op: 't'}, bx{op: 'f'}

func bvar(s string) bx { return bx{op: 'v', v: s} }

func band(xs ...bx) bx { return bjoin('&', xs) }
func bor(xs ...bx) bx  { return bjoin('|', xs) }

// bjoin folds constants: true absorbs ||, false absorbs &&.
func bjoin(op byte, xs []bx) bx {
	absorb, neutral := bFalse, bTrue
	if op == '|' {
		absorb, neutral = bTrue, bFalse
	}
	var args []bx
	for _, x := range xs {
		switch {
		case x.op == absorb.op:
			return absorb
		case x.op == neutral.op:
		default:
			args = append(args, x)
		}
	}
	switch len(args) {
	case 0:
		return neutral
	case 1:
		return args[0]
	}
	return bx{op: op, args: args}
}

func bnot(x bx) bx {
	switch x.op {
	case 't':
		return bFalse
	case 'f':
		return bTrue
	}
	return bx{op: '!', args: []bx{x}}
}

func (x bx) String() string {
	switch x.op {
	case 'v':
		return x.v
	case '!':
		return "!" + x.args[0].grouped()
	case '&', '|':
		parts := make([]string, len(x.args))
		for i, a := range x.args {
			if a.op == '!' || a.op == 'v' || a.op == x.op && x.op == '|' {
				parts[i] = a.String()
			} else {
				parts[i] = a.grouped()
			}
		}
		if x.op == '&' {
			return strings.Join(parts, " && ")
		}
		return strings.Join(parts, " || ")
	}
	panic("argo: constant left in a depends expression")
}

func (x bx) grouped() string {
	if x.op == '&' || x.op == '|' {
		return "(" + x.String() + ")"
	}
	return x.String()
}

func (r *renderer) result(t *ir.Task, field string) bx {
	return bvar(r.taskName[t.Name] + "." + field)
}

// done: t finished, in any state.
func (r *renderer) done(t *ir.Task) bx {
	return bx{op: '|', args: []bx{r.result(t, "Succeeded"), r.result(t, "Failed"), r.result(t, "Errored"), r.result(t, "Skipped"), r.result(t, "Omitted")}}
}

// failedNode: t's node failed (for a for_each task: some instance did).
func (r *renderer) failedNode(t *ir.Task) bx {
	return bor(r.result(t, "Failed"), r.result(t, "Errored"))
}

// upstreamFailedTest: t's rule's upstream_failed test holds over its
// upstream tasks (false for a task that cannot end upstream_failed).
func (r *renderer) upstreamFailedTest(t *ir.Task) bx {
	rule, _ := ir.RuleOf(t.Trigger)
	if len(t.Upstream()) == 0 || rule.UpstreamFailed == nil {
		return bFalse
	}
	if rule.FailsExactlyOnFailure() {
		return r.closureFailed(t.Upstream())
	}
	// The general form names the upstreams' own tests: memoized, the work
	// is linear; the text may still grow with every path (see depends).
	if x, ok := r.ufMemo[t.Name]; ok {
		return x
	}
	x := r.test(*rule.UpstreamFailed, t.Upstream())
	if r.ufMemo == nil {
		r.ufMemo = map[string]bx{}
	}
	r.ufMemo[t.Name] = x
	return x
}

// maxDependsTerms bounds a depends expression: chains of one_success
// tasks repeat the test of a shared upstream on every path to it.
const maxDependsTerms = 20000

// terms counts the variables of x, stopping past limit.
func (x bx) terms(limit int) int {
	if x.op == 'v' {
		return 1
	}
	n := 0
	for _, a := range x.args {
		n += a.terms(limit - n)
		if n > limit {
			break
		}
	}
	return n
}

// closureFailed: some task of the closure of tasks under
// FailsExactlyOnFailure rules failed, which is "some task of tasks is
// failed or upstream_failed".
func (r *renderer) closureFailed(tasks []string) bx {
	seen := map[string]bool{}
	var names []string
	var walk func(name string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		names = append(names, name)
		x := r.taskByName(name)
		if rule, _ := ir.RuleOf(x.Trigger); rule.FailsExactlyOnFailure() {
			for _, u := range x.Upstream() {
				walk(u)
			}
		}
	}
	for _, name := range tasks {
		walk(name)
	}
	// Pipeline order keeps the expression stable and readable (sorting
	// what was seen, not scanning every task for each upstream).
	sort.Slice(names, func(i, j int) bool { return r.order[names[i]] < r.order[names[j]] })
	parts := make([]bx, 0, len(names))
	for _, name := range names {
		x := r.taskByName(name)
		parts = append(parts, r.failedNode(x))
		// Where the walk stops, the task may itself have ended
		// upstream_failed (one_success with no success and a failure): its
		// node is then Omitted and its own upstream_failed test holds.
		if rule, _ := ir.RuleOf(x.Trigger); !rule.FailsExactlyOnFailure() && rule.UpstreamFailed != nil && len(x.Upstream()) > 0 {
			parts = append(parts, band(r.result(x, "Omitted"), r.upstreamFailedTest(x)))
		}
	}
	return bor(parts...)
}

// omitted: t's node is Omitted and it ended in a state of q (upstream_failed
// or skipped).
func (r *renderer) omitted(t *ir.Task, q ir.StateSet) bx {
	if len(t.Upstream()) == 0 {
		return bFalse // no depends, never Omitted
	}
	// The upstream_failed test is built only when q tells the two Omitted
	// states apart: it walks t's failing closure, and an all_success
	// chain asks for neither, which kept generation linear.
	switch {
	case q.Has(ir.UpstreamFailed) && q.Has(ir.Skipped):
		return r.result(t, "Omitted")
	case q.Has(ir.UpstreamFailed):
		return band(r.result(t, "Omitted"), r.upstreamFailedTest(t))
	case q.Has(ir.Skipped):
		return band(r.result(t, "Omitted"), bnot(r.upstreamFailedTest(t)))
	}
	return bFalse
}

// skippedByWhen: t's when was false.
func (r *renderer) skippedByWhen(t *ir.Task) bx {
	switch {
	case t.IsDynamic() && !wrapped(t):
		// Zero items: Argo's node is Skipped ("Skipped, empty params").
		return bor(r.result(t, "Skipped"), band(r.result(t, "Succeeded"), bnot(r.result(t, "AnySucceeded"))))
	case t.When == nil:
		return bFalse
	case t.ForEach != nil && !wrapped(t):
		return band(r.result(t, "Succeeded"), bnot(r.result(t, "AnySucceeded")))
	}
	return r.result(t, "Skipped")
}

// anyIn: some instance of t ended in a state of q.
func (r *renderer) anyIn(t *ir.Task, q ir.StateSet) bx {
	if q == ir.SetOf(ir.FinalStates...) {
		return r.done(t)
	}
	if q&ir.Failing == ir.Failing {
		if rule, _ := ir.RuleOf(t.Trigger); rule.FailsExactlyOnFailure() || rule.UpstreamFailed == nil || len(t.Upstream()) == 0 {
			failing := r.closureFailed([]string{t.Name})
			return bor(failing, r.anyIn(t, q&^ir.Failing))
		}
	}
	var parts []bx
	if q.Has(ir.Success) {
		switch {
		case t.ForEach == nil:
			parts = append(parts, r.result(t, "Succeeded"))
		case wrapped(t):
			// With failed in q, "succeeded or failed" is "ran", which is
			// the dag node's Succeeded or Failed; under
			// none_failed_min_one_success the rule's other test holds
			// only where the node did not fail, and then Succeeded is
			// "some instance succeeded".
			if !q.Has(ir.Failed) && r.current.Trigger != ir.NoneFailedMinOneSuccess {
				r.lostGroupResult(t, "some of its instances succeeded")
			}
			parts = append(parts, r.result(t, "Succeeded"))
		default:
			parts = append(parts, r.result(t, "AnySucceeded"))
		}
	}
	if q.Has(ir.Failed) {
		parts = append(parts, r.failedNode(t))
	}
	if q.Has(ir.Skipped) {
		parts = append(parts, r.skippedByWhen(t))
	}
	return bor(append(parts, r.omitted(t, q))...)
}

// allIn: every instance of t ended in a state of q.
func (r *renderer) allIn(t *ir.Task, q ir.StateSet) bx {
	if t.ForEach == nil {
		return r.anyIn(t, q) // one instance
	}
	if q == ir.SetOf(ir.FinalStates...) {
		return r.done(t)
	}
	var ran bx
	switch {
	case q.Has(ir.Success) && q.Has(ir.Failed) && wrapped(t):
		ran = bor(r.result(t, "Succeeded"), r.failedNode(t))
	case q.Has(ir.Success) && q.Has(ir.Failed):
		ran = bor(r.result(t, "AnySucceeded"), r.failedNode(t))
	case q.Has(ir.Success) && t.When != nil && !wrapped(t):
		ran = band(r.result(t, "Succeeded"), r.result(t, "AnySucceeded"))
	case q.Has(ir.Success):
		ran = r.result(t, "Succeeded")
	case q.Has(ir.Failed) && wrapped(t):
		r.lostGroupResult(t, "all of its instances failed")
		ran = r.failedNode(t)
	case q.Has(ir.Failed) && t.IsDynamic():
		// A value of the wrong shape errors the node before it expands.
		ran = bor(r.result(t, "AllFailed"), r.result(t, "Errored"))
	case q.Has(ir.Failed):
		ran = r.result(t, "AllFailed")
	default:
		ran = bFalse
	}
	var skipped bx = bFalse
	if q.Has(ir.Skipped) {
		skipped = r.skippedByWhen(t)
	}
	return bor(ran, skipped, r.omitted(t, q))
}

// lostGroupResult refuses the task being rendered, whose rule asks what
// a max_parallel task's dag node cannot tell.
func (r *renderer) lostGroupResult(up *ir.Task, what string) {
	r.unsupported(fmt.Sprintf("trigger %s right after a max_parallel task", r.current.Trigger), r.current,
		fmt.Sprintf("Argo runs task %q inside a dag template that carries its max_parallel, and a dag node does not tell whether %s, which this trigger needs. Use another trigger, or raise max_parallel of %q to its number of instances (%d) or remove it.",
			up.Name, what, up.Name, len(up.ForEach.Items)))
}

// test renders an ir.Test over the upstream tasks. Every upstream task is
// named even where its part is constant, so that Argo waits for it.
func (r *renderer) test(test ir.Test, tasks []string) bx {
	parts := r.testParts(test, tasks)
	if test.Q == ir.Any {
		return bor(parts...)
	}
	return band(parts...)
}

func (r *renderer) testParts(test ir.Test, tasks []string) []bx {
	parts := make([]bx, len(tasks))
	for i, name := range tasks {
		u := r.taskByName(name)
		var x bx
		switch test.Q {
		case ir.Any:
			x = r.anyIn(u, test.In)
		case ir.All:
			x = r.allIn(u, test.In)
		default: // None is All of the other states
			x = r.allIn(u, test.In.Complement())
		}
		switch x.op {
		case 't':
			x = r.done(u)
		case 'f':
			x = bnot(r.done(u))
		}
		parts[i] = x
	}
	return parts
}

// joinParts writes one part per upstream task, each in parentheses when
// compound, so the expression reads task by task.
func joinParts(parts []bx, op string) string {
	ss := make([]string, len(parts))
	for i, p := range parts {
		ss[i] = p.grouped()
	}
	return strings.Join(ss, op)
}

// depends renders the trigger of t as an Argo depends expression; "" for a
// task without upstream, which runs whatever its trigger (DESIGN 2.4).
func (r *renderer) depends(t *ir.Task) string {
	if len(t.Edges) == 0 {
		return ""
	}
	r.current = t
	rule, _ := ir.RuleOf(t.Trigger)
	if len(rule.Run) == 0 {
		// all_done: wait for every upstream task, whatever it ended as.
		parts := make([]bx, len(t.Upstream()))
		for i, u := range t.Upstream() {
			parts[i] = r.done(r.taskByName(u))
		}
		return joinParts(parts, " && ")
	}
	tests := make([]string, len(rule.Run))
	for i, test := range rule.Run {
		op := " && "
		if test.Q == ir.Any {
			op = " || "
		}
		parts := r.testParts(test, t.Upstream())
		if n := band(parts...).terms(maxDependsTerms); n > maxDependsTerms {
			r.unsupported("a depends expression of more than 20000 terms", t, "Telling skipped from upstream_failed through this many one_success tasks takes an expression Argo cannot hold; use all_success or none_failed for some of them.")
			return ""
		}
		tests[i] = joinParts(parts, op)
		if len(rule.Run) > 1 && len(parts) > 1 {
			tests[i] = "(" + tests[i] + ")"
		}
	}
	return strings.Join(tests, " && ")
}

// Exit handlers (DESIGN 2.4). The final tasks are the tasks of the dag
// template exitTemplate, the Workflow's onExit. Argo runs it once the
// entrypoint has ended, with workflow.status its phase and
// workflow.failures every node that ended Failed or Errored; with failFast
// off and every task a target, the entrypoint fails exactly when some task
// that is not final failed, which is run.status.
const exitTemplate = "dagc-exit"

// runStatusExpr is run.status from Argo's workflow.status: Succeeded, or
// Failed / Error.
const runStatusExpr = `(workflow.status == "Succeeded" ? "success" : "failed")`

// failedTasksExpr is run.failed_tasks from workflow.failures: a JSON array
// of {displayName, phase, …} of the failed nodes, in no fixed order, which
// the controller writes strconv-quoted (a JSON string holding the JSON),
// "null" when none failed. dagc's list is static: one entry per instance
// of a task that is not final, in pipeline order (ir.FailedTaskOrder),
// kept when a failure has its node's display name. A task's node is named
// as its dag task (for a retried task that is the retry node; its
// attempts are "NAME(0)", …); an instance of a for_each task is
// "NAME(INDEX:ITEM)" with parentheses removed from ITEM, matched by its
// index. The names are dagc's JSON texts, as literals.
func (r *renderer) failedTasksExpr() string {
	if r.failed != "" {
		return r.failed
	}
	var elems []string
	for _, t := range r.p.Tasks {
		if t.Final {
			continue
		}
		name := r.taskName[t.Name]
		for i, e := range ir.FailedTaskOrder(&ir.Pipeline{Tasks: []*ir.Task{t}}) {
			test := ".displayName == " + exprStr(name)
			if t.ForEach != nil {
				test = ".displayName matches " + exprStr("^"+regexp.QuoteMeta(name)+`\(`+strconv.Itoa(i)+`:[^()]*\)$`)
			}
			elems = append(elems, "(any(f, {"+test+"}) ? "+exprStr(jsonText(e.Name))+` : "")`)
		}
	}
	if len(elems) == 0 {
		r.failed = exprStr("[]")
		return r.failed
	}
	r.failed = `let f = workflow.failures == ` + exprStr(`"null"`) + ` ? [] : jsonpath(jsonpath(workflow.failures, "$"), "$"); ` +
		`"[" + join(filter([` + strings.Join(elems, ", ") + `], {# != ""}), ",") + "]"`
	return r.failed
}

// jsonText is s as a JSON string without HTML escaping, as the local
// runner encodes run.failed_tasks.
func jsonText(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
