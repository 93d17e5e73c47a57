package argo

import (
	"fmt"
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
		return "tasks[" + exprStr(r.taskName[ref.Task]) + "].outputs.parameters[" + exprStr(ref.Name) + "]"
	case ir.RefRunID:
		return "workflow.name"
	case ir.RefRunDate:
		return `(workflow.creationTimestamp.Y + "-" + workflow.creationTimestamp.m + "-" + workflow.creationTimestamp.d)`
	}
	return `""`
}

// Depends expressions (DESIGN 2.4). Argo evaluates a task's "depends" once
// every task it names has finished, and marks the task Omitted when it is
// false; a false "when" marks it Skipped. dagc's states read from Argo's:
//
//	success          Succeeded (for a for_each task with when: and at least
//	                 one instance Succeeded, since a TaskGroup whose
//	                 instances were all skipped reports Succeeded)
//	failed           Failed or Errored
//	upstream_failed  Omitted, for an all_success task with a failed or
//	                 upstream_failed upstream
//	skipped          Skipped, or any other Omitted
//
// upstream_failed only arises from all_success, so "X is failed or
// upstream_failed" is: X failed, or X is all_success and one of its upstreams
// is failed or upstream_failed. Unrolled, that is "some task of X's
// all_success closure failed" — a test on finished tasks only.

func (r *renderer) succeeded(t *ir.Task) string {
	n := r.taskName[t.Name]
	if t.ForEach != nil && hasWhen(t) {
		return "(" + n + ".Succeeded && " + n + ".AnySucceeded)"
	}
	return n + ".Succeeded"
}

func (r *renderer) done(t *ir.Task) string {
	n := r.taskName[t.Name]
	return "(" + n + ".Succeeded || " + n + ".Failed || " + n + ".Errored || " + n + ".Skipped || " + n + ".Omitted)"
}

// failedOrUpstreamFailed renders "t ended failed or upstream_failed".
func (r *renderer) failedOrUpstreamFailed(t *ir.Task) string {
	var names []string
	seen := map[string]bool{}
	var walk func(x *ir.Task)
	walk = func(x *ir.Task) {
		if seen[x.Name] {
			return
		}
		seen[x.Name] = true
		names = append(names, x.Name)
		if x.Trigger == ir.AllSuccess || x.Trigger == "" {
			for _, u := range x.Upstream() {
				walk(r.p.Task(u))
			}
		}
	}
	walk(t)
	// Pipeline order keeps the expression stable and readable.
	var parts []string
	for _, pt := range r.p.Tasks {
		if seen[pt.Name] {
			n := r.taskName[pt.Name]
			parts = append(parts, n+".Failed || "+n+".Errored")
		}
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// depends renders the trigger of t as an Argo depends expression; "" for a
// task without upstream.
func (r *renderer) depends(t *ir.Task) string {
	if len(t.Edges) == 0 {
		return ""
	}
	var parts []string
	join := " && "
	for _, u := range t.Upstream() {
		ut := r.p.Task(u)
		switch t.Trigger {
		case ir.AllDone:
			parts = append(parts, r.done(ut))
		case ir.OneFailed:
			parts = append(parts, r.failedOrUpstreamFailed(ut))
			join = " || "
		case ir.AllFailed:
			parts = append(parts, r.failedOrUpstreamFailed(ut))
		default:
			parts = append(parts, r.succeeded(ut))
		}
	}
	return strings.Join(parts, join)
}

// hasWhen reports whether the dag task of t gets a when: its own condition,
// or the constant false of a one_failed task without upstream.
func hasWhen(t *ir.Task) bool {
	return t.When != nil || (t.Trigger == ir.OneFailed && len(t.Edges) == 0)
}
