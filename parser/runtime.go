package parser

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/dagc-dev/dagc/ir"
)

// refSink collects the task dependencies that run-time references imply.
type refSink struct {
	self string
	// edges maps an upstream task to the first range that caused the edge.
	edges map[string]hcl.Range
	// noOutputs forbids task output references (in defaults, which apply to
	// every task).
	noOutputs bool
	// final allows run.status and run.failed_tasks (a final task).
	final bool
}

func (s *refSink) add(task string, r hcl.Range) {
	if _, seen := s.edges[task]; !seen {
		s.edges[task] = r
	}
}

// runtimeRef turns a param.*, task.*.outputs.* or run.* traversal into an
// ir.Ref, reporting unknown names with a suggestion.
func (c *compiler) runtimeRef(t hcl.Traversal, sink *refSink) (*ir.Ref, bool) {
	rng := t.SourceRange()
	var buf [4]string
	names := buf[:0]
	for _, step := range t[1:] {
		a, ok := step.(hcl.TraverseAttr)
		if !ok {
			if t.RootName() == "task" && len(names) > 0 {
				c.indexedOutput(rng, names[0])
				return nil, false
			}
			c.errorf(rng, "Invalid reference", "A run-time reference is a plain name such as param.NAME or task.NAME.outputs.OUTPUT; %s cannot be indexed.", t.RootName()+"."+strings.Join(names, "."))
			return nil, false
		}
		names = append(names, a.Name)
	}
	switch t.RootName() {
	case "param":
		if len(names) != 1 {
			c.errorf(rng, "Invalid reference", "A param is referenced as param.NAME; %s is not.", traversalString(t))
			return nil, false
		}
		if c.params[names[0]] == nil {
			c.errorf(rng, "Reference to undeclared param", "No param %q is declared in this pipeline.%s", names[0], didYouMean(names[0], sortedKeys(c.params)))
			return nil, false
		}
		return &ir.Ref{Kind: ir.RefParam, Name: names[0], Range: toRange(rng)}, true
	case "run":
		if len(names) == 1 && names[0] == "id" {
			return &ir.Ref{Kind: ir.RefRunID, Range: toRange(rng)}, true
		}
		if len(names) == 1 && names[0] == "date" {
			return &ir.Ref{Kind: ir.RefRunDate, Range: toRange(rng)}, true
		}
		if len(names) == 1 && names[0] == "attempt" {
			return &ir.Ref{Kind: ir.RefRunAttempt, Range: toRange(rng)}, true
		}
		if len(names) == 1 && (names[0] == "status" || names[0] == "failed_tasks") {
			kind := ir.RefRunStatus
			if names[0] == "failed_tasks" {
				kind = ir.RefRunFailedTasks
			}
			if !sink.final {
				where := fmt.Sprintf("task %q is not final", sink.self)
				if sink.self == "" {
					where = "defaults apply to every task, and not every task is final"
				}
				c.errorf(rng, "run."+names[0]+" outside a final task", "run.%s is known only once every other task has ended, so only a task with final = true may read it; %s.", names[0], where)
				return nil, false
			}
			return &ir.Ref{Kind: kind, Range: toRange(rng)}, true
		}
		got := ""
		if len(names) > 0 {
			got = names[0]
		}
		c.errorf(rng, "Invalid reference", "run has the attributes run.id, run.date and run.attempt, and in a final task run.status and run.failed_tasks.%s", didYouMean(got, []string{"id", "date", "attempt", "status", "failed_tasks"}))
		return nil, false
	}
	// task.X.outputs.Y
	if len(names) == 0 {
		c.errorf(rng, "Invalid reference", "A task output is referenced as task.NAME.outputs.OUTPUT.")
		return nil, false
	}
	d := c.tasks[names[0]]
	if d == nil {
		c.errorf(rng, "Reference to undeclared task", "No task %q is declared in this pipeline.%s", names[0], didYouMean(names[0], c.taskOrder))
		return nil, false
	}
	switch {
	case len(names) == 1:
		c.errorf(rng, "Invalid reference", "task.%s stands for the task itself and can be used only in depends_on; use task.%s.outputs.NAME for one of its values.", names[0], names[0])
		return nil, false
	case names[1] == "artifacts":
		c.errorf(rng, "Artifact reference outside inputs", "An artifact is a file or directory, not a value: name it in the task's inputs, inputs = { %[2]s = task.%[1]s.artifacts.%[2]s }, and read it at $DAGC_INPUTS/%[2]s.", names[0], artifactNameFor(names))
		return nil, false
	case names[1] != "outputs":
		c.errorf(rng, "Invalid reference", "A task has outputs (task.%s.outputs.NAME) and artifacts (in inputs only).%s", names[0], didYouMean(names[1], []string{"outputs", "artifacts"}))
		return nil, false
	case len(names) == 2:
		c.errorf(rng, "Invalid reference", "Name the output: task.%s.outputs.NAME.", names[0])
		return nil, false
	case len(names) > 3:
		c.errorf(rng, "Invalid reference", "An output is a string and has no attributes: use task.%s.outputs.%s.", names[0], names[2])
		return nil, false
	}
	if !d.outputsOK {
		return nil, false // the outputs attribute itself is already reported
	}
	out := names[2]
	if !contains(d.outputs, out) {
		declared := "declares no outputs"
		if len(d.outputs) > 0 {
			declared = "declares the outputs " + strings.Join(d.outputs, ", ")
		}
		c.errorf(rng, "Reference to undeclared output", "The task %q %s.%s", d.name, declared, didYouMean(out, d.outputs))
		return nil, false
	}
	if sink.noOutputs {
		c.errorf(rng, "Task output reference in defaults", "defaults apply to every task, so they cannot depend on the output of task %q; set it on the tasks that need it.", d.name)
		return nil, false
	}
	sink.add(d.name, rng)
	return &ir.Ref{Kind: ir.RefOutput, Task: d.name, Name: out, Range: toRange(rng)}, true
}

// artifactNameFor fills the example of an artifact reference's diagnostic
// with the name the user wrote, or NAME.
func artifactNameFor(names []string) string {
	if len(names) > 2 {
		return names[2]
	}
	return "NAME"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// strBuilder assembles an ir.Str, merging adjacent literals.
type strBuilder struct{ parts []ir.Part }

func (b *strBuilder) lit(s string) {
	if s == "" {
		return
	}
	if n := len(b.parts); n > 0 && b.parts[n-1].Ref == nil {
		b.parts[n-1].Lit += s
		return
	}
	b.parts = append(b.parts, ir.Part{Lit: s})
}

func (b *strBuilder) add(s ir.Str) {
	for _, p := range s.Parts {
		if p.Ref != nil {
			b.parts = append(b.parts, p)
		} else {
			b.lit(p.Lit)
		}
	}
}

func (b *strBuilder) str() ir.Str { return ir.Str{Parts: b.parts} }

// strValue compiles a string-valued expression that may hold run-time
// references: a whole reference, or references interpolated in a template.
// Compile-time parts are evaluated with ctx.
func (c *compiler) strValue(expr hcl.Expression, ctx *hcl.EvalContext, sc scope, sink *refSink) (ir.Str, bool) {
	// Fast paths for the shapes nearly every value has: a string literal, a
	// bare run-time reference, and literals with interpolated run-time
	// references. Each gives exactly what the general path below gives
	// (whose checkRefs has nothing to report for run-time roots once
	// sc.runtime is set) without walking the expression three times.
	switch x := expr.(type) {
	case *hclsyntax.TemplateExpr:
		if s, ok, handled := c.simpleTemplate(x, sink); handled {
			return s, ok
		}
	case *hclsyntax.ScopeTraversalExpr:
		if isRuntimeRoot(x.Traversal.RootName()) {
			ref, ok := c.runtimeRef(x.Traversal, sink)
			if !ok {
				return ir.Str{}, false
			}
			return ir.Str{Parts: []ir.Part{{Ref: ref}}}, true
		}
	}
	if !hasRuntime(expr) {
		v, ok := c.evalCompileTime(expr, ctx, sc)
		if !ok {
			return ir.Str{}, false
		}
		s, err := toString(v)
		if err != nil {
			c.errorf(expr.Range(), "Incorrect value type", "%s.", upperFirst(err.Error()))
			return ir.Str{}, false
		}
		return ir.Lit(s), true
	}
	sc.runtime = true
	if !c.checkRefs(expr, sc) {
		return ir.Str{}, false
	}
	return c.strParts(expr, ctx, sink)
}

// simpleTemplate compiles a template made only of string literals and
// run-time references (param.x, task.x.outputs.y, run.id); handled is false
// for any other template.
func (c *compiler) simpleTemplate(te *hclsyntax.TemplateExpr, sink *refSink) (s ir.Str, ok, handled bool) {
	refs := 0
	for _, part := range te.Parts {
		switch x := part.(type) {
		case *hclsyntax.LiteralValueExpr:
			if x.Val.Type() != cty.String || x.Val.IsNull() || x.Val.IsMarked() {
				return ir.Str{}, false, false
			}
		case *hclsyntax.ScopeTraversalExpr:
			if !isRuntimeRoot(x.Traversal.RootName()) {
				return ir.Str{}, false, false
			}
			refs++
		default:
			return ir.Str{}, false, false
		}
	}
	if refs == 0 {
		if len(te.Parts) == 1 {
			return ir.Lit(te.Parts[0].(*hclsyntax.LiteralValueExpr).Val.AsString()), true, true
		}
		var lit strings.Builder
		for _, part := range te.Parts {
			lit.WriteString(part.(*hclsyntax.LiteralValueExpr).Val.AsString())
		}
		return ir.Lit(lit.String()), true, true
	}
	var b strBuilder
	ok = true
	for _, part := range te.Parts {
		switch x := part.(type) {
		case *hclsyntax.LiteralValueExpr:
			b.lit(x.Val.AsString())
		case *hclsyntax.ScopeTraversalExpr:
			ref, rok := c.runtimeRef(x.Traversal, sink)
			if !rok {
				ok = false
				continue
			}
			b.parts = append(b.parts, ir.Part{Ref: ref})
		}
	}
	return b.str(), ok, true
}

func (c *compiler) strParts(expr hcl.Expression, ctx *hcl.EvalContext, sink *refSink) (ir.Str, bool) {
	switch x := expr.(type) {
	case *hclsyntax.TemplateWrapExpr:
		return c.strParts(x.Wrapped, ctx, sink)
	case *hclsyntax.ParenthesesExpr:
		return c.strParts(x.Expression, ctx, sink)
	case *hclsyntax.ScopeTraversalExpr:
		ref, ok := c.runtimeRef(x.Traversal, sink)
		if !ok {
			return ir.Str{}, false
		}
		return ir.Str{Parts: []ir.Part{{Ref: ref}}}, true
	case *hclsyntax.TemplateExpr:
		var b strBuilder
		ok := true
		for _, part := range x.Parts {
			if !hasRuntime(part) {
				v, ds := part.Value(ctx)
				if !c.addDiags(ds) {
					ok = false
					continue
				}
				v, _ = v.UnmarkDeep()
				s, err := toString(v)
				if err != nil {
					c.errorf(part.Range(), "Invalid template interpolation value", "%s.", upperFirst(err.Error()))
					ok = false
					continue
				}
				b.lit(s)
				continue
			}
			switch part.(type) {
			case *hclsyntax.ConditionalExpr, *hclsyntax.TemplateJoinExpr:
				c.errorf(part.Range(), "Run-time reference in a template directive", "%%{ if } and %%{ for } are evaluated at compile time, so they cannot use run-time references. Use the reference directly (\"${param.x}\"), or a task's when.")
				ok = false
				continue
			}
			s, pok := c.strParts(part, ctx, sink)
			if !pok {
				ok = false
				continue
			}
			b.add(s)
		}
		return b.str(), ok
	}
	if c.indexedTaskRef(expr) {
		return ir.Str{}, false
	}
	c.errorf(expr.Range(), "Run-time reference inside an expression",
		"%s is only known when the pipeline runs, so it may appear as a whole value or interpolated in a string (\"--x=${%s}\"), not as an argument of a function or operator. Comparisons belong in when.",
		firstRuntimeRef(expr), firstRuntimeRef(expr))
	return ir.Str{}, false
}

// indexedTaskRef reports a task reference indexed by a value, such as
// task.X[each.key].outputs.Y or task.X.outputs.Y[0], which the generic
// "inside an expression" message would answer with an invalid hint.
func (c *compiler) indexedTaskRef(expr hcl.Expression) bool {
	var coll hcl.Expression
	switch e := expr.(type) {
	case *hclsyntax.RelativeTraversalExpr:
		if ix, ok := e.Source.(*hclsyntax.IndexExpr); ok {
			coll = ix.Collection
		}
	case *hclsyntax.IndexExpr:
		coll = e.Collection
	}
	st, ok := coll.(*hclsyntax.ScopeTraversalExpr)
	if !ok || st.Traversal.RootName() != "task" || len(st.Traversal) < 2 {
		return false
	}
	name := ""
	if a, ok := st.Traversal[1].(hcl.TraverseAttr); ok {
		name = a.Name
	}
	c.indexedOutput(expr.Range(), name)
	return true
}

func (c *compiler) indexedOutput(rng hcl.Range, task string) {
	c.errorf(rng, "Invalid reference",
		"An output of task %q cannot be picked by index or key: it is one string, and for a for_each task task.%s.outputs.NAME is the JSON array of every instance's value in each.key order. Use task.%s.outputs.NAME whole, as a value or in a string.",
		task, task, task)
}

func firstRuntimeRef(expr hcl.Expression) string {
	for _, t := range expr.Variables() {
		if isRuntimeRoot(t.RootName()) {
			return traversalString(t)
		}
	}
	return "a run-time reference"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// strList compiles a list of strings that may hold run-time references
// (command): a list literal of string expressions, or a compile-time list.
func (c *compiler) strList(expr hcl.Expression, ctx *hcl.EvalContext, sc scope, sink *refSink) ([]ir.Str, bool) {
	if tuple, isTuple := expr.(*hclsyntax.TupleConsExpr); isTuple {
		out := make([]ir.Str, 0, len(tuple.Exprs))
		ok := true
		for _, e := range tuple.Exprs {
			s, eok := c.strValue(e, ctx, sc, sink)
			ok = ok && eok
			out = append(out, s)
		}
		return out, ok
	}
	if hasRuntime(expr) {
		sc.runtime = true
		if c.checkRefs(expr, sc) {
			c.strParts(expr, ctx, sink) // reports the reference inside a function
		}
		return nil, false
	}
	v, ok := c.evalCompileTime(expr, ctx, sc)
	if !ok {
		return nil, false
	}
	l, err := toStringList(v)
	if err != nil {
		c.errorf(expr.Range(), "Incorrect value type", "%s.", upperFirst(err.Error()))
		return nil, false
	}
	out := make([]ir.Str, len(l))
	for i, s := range l {
		out[i] = ir.Lit(s)
	}
	return out, true
}

// compileTimeKey evaluates an object key, which is always known at
// compile time, as a string.
func (c *compiler) compileTimeKey(e hcl.Expression, ctx *hcl.EvalContext, sc scope) (string, bool) {
	kv, ok := c.evalCompileTime(e, ctx, sc)
	if !ok {
		return "", false
	}
	k, err := toString(kv)
	if err != nil {
		c.errorf(e.Range(), "Invalid key", "%s.", upperFirst(err.Error()))
		return "", false
	}
	return k, true
}

// objectStrs compiles an object constructor item by item into out: a
// compile-time key, a string value, each key once; ranges records where
// each key was written.
func (c *compiler) objectStrs(obj *hclsyntax.ObjectConsExpr, out map[string]ir.Str, ranges map[string]hcl.Range,
	key func(hcl.Expression) (string, bool), value func(hcl.Expression) (ir.Str, bool)) (map[string]ir.Str, map[string]hcl.Range, bool) {
	ok := true
	for _, item := range obj.Items {
		k, kok := key(item.KeyExpr)
		if !kok {
			ok = false
			continue
		}
		if prev, dup := ranges[k]; dup {
			c.errorf(item.KeyExpr.Range(), "Duplicate key", "The key %q was already given at %s.", k, rangeString(prev))
			ok = false
			continue
		}
		s, vok := value(item.ValueExpr)
		if !vok {
			ok = false
			continue
		}
		out[k], ranges[k] = s, item.KeyExpr.Range()
	}
	return out, ranges, ok
}

// strMap compiles a map of strings that may hold run-time references in its
// values (env). Keys are always compile-time.
func (c *compiler) strMap(expr hcl.Expression, ctx *hcl.EvalContext, sc scope, sink *refSink) (map[string]ir.Str, map[string]hcl.Range, bool) {
	out := map[string]ir.Str{}
	ranges := map[string]hcl.Range{}
	if obj, isObj := expr.(*hclsyntax.ObjectConsExpr); isObj {
		key := func(e hcl.Expression) (string, bool) { return c.compileTimeKey(e, ctx, sc) }
		return c.objectStrs(obj, out, ranges, key, func(e hcl.Expression) (ir.Str, bool) { return c.strValue(e, ctx, sc, sink) })
	}
	if hasRuntime(expr) {
		sc.runtime = true
		if c.checkRefs(expr, sc) {
			c.strParts(expr, ctx, sink)
		}
		return nil, nil, false
	}
	v, ok := c.evalCompileTime(expr, ctx, sc)
	if !ok {
		return nil, nil, false
	}
	m, err := toStringMap(v)
	if err != nil {
		c.errorf(expr.Range(), "Incorrect value type", "%s.", upperFirst(err.Error()))
		return nil, nil, false
	}
	for k, s := range m {
		out[k], ranges[k] = ir.Lit(s), expr.Range()
	}
	return out, ranges, true
}

// ---- when ----

const condHelp = "when may use comparisons (== != < <= > >=), &&, ||, ! and parentheses over run-time references (param.*, task.*.outputs.*, run.*) and literals."

// compileCond compiles a when expression into an ir.Cond tree (DESIGN 2.4).
func (c *compiler) compileCond(expr hcl.Expression, ctx *hcl.EvalContext, sc scope, sink *refSink) (*ir.Cond, bool) {
	rng := toRange(expr.Range())
	perItem := sc.items != nil && usesEach(expr)
	if perItem && !hasRuntime(expr) && !condNode(expr) {
		return c.eachBool(expr, sc, rng)
	}
	if !hasRuntime(expr) && !perItem {
		v, ok := c.evalCompileTime(expr, ctx, sc)
		if !ok {
			return nil, false
		}
		b, err := toBool(v)
		if err != nil {
			c.errorf(expr.Range(), "Invalid when condition", "when must be a bool: %s.", err)
			return nil, false
		}
		return &ir.Cond{Op: ir.CondConst, Const: b, Range: rng}, true
	}
	switch x := expr.(type) {
	case *hclsyntax.ParenthesesExpr:
		return c.compileCond(x.Expression, ctx, sc, sink)
	case *hclsyntax.UnaryOpExpr:
		if x.Op == hclsyntax.OpLogicalNot {
			arg, ok := c.compileCond(x.Val, ctx, sc, sink)
			if !ok {
				return nil, false
			}
			return &ir.Cond{Op: ir.CondNot, Args: []*ir.Cond{arg}, Range: rng}, true
		}
	case *hclsyntax.BinaryOpExpr:
		if x.Op == hclsyntax.OpLogicalAnd || x.Op == hclsyntax.OpLogicalOr {
			op := ir.CondAnd
			if x.Op == hclsyntax.OpLogicalOr {
				op = ir.CondOr
			}
			l, lok := c.compileCond(x.LHS, ctx, sc, sink)
			r, rok := c.compileCond(x.RHS, ctx, sc, sink)
			if !lok || !rok {
				return nil, false
			}
			var args []*ir.Cond
			for _, a := range []*ir.Cond{l, r} {
				if a.Op == op {
					args = append(args, a.Args...)
				} else {
					args = append(args, a)
				}
			}
			return &ir.Cond{Op: op, Args: args, Range: rng}, true
		}
		if cmp, isCmp := cmpOps[x.Op]; isCmp {
			left, lok := c.operand(x.LHS, ctx, sc, sink)
			right, rok := c.operand(x.RHS, ctx, sc, sink)
			if !lok || !rok {
				return nil, false
			}
			return &ir.Cond{Op: ir.CondCompare, Cmp: cmp, Left: left, Right: right,
				Numeric: c.isNumeric(left) || c.isNumeric(right), Range: rng}, true
		}
	case *hclsyntax.ScopeTraversalExpr, *hclsyntax.TemplateWrapExpr:
		o, ok := c.operand(expr, ctx, sc, sink)
		if !ok {
			return nil, false
		}
		if o.Ref != nil && o.Ref.Kind == ir.RefParam && c.params[o.Ref.Name].Type == ir.ParamBool {
			return &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq, Left: o, Right: ir.Operand{Lit: "true", LitKind: ir.LitBool}, Range: rng}, true
		}
		c.errorf(expr.Range(), "Invalid when condition", "%s is not a bool; compare it with a value, for example %s == \"yes\". Only a param of type bool may stand alone.", o.String(), o.String())
		return nil, false
	}
	sc.runtime = true
	if !c.checkRefs(expr, sc) {
		return nil, false
	}
	c.errorf(expr.Range(), "Invalid when condition", "%s This expression applies a function or an operator to %s, which is only known when the pipeline runs.", condHelp, firstRuntimeRef(expr))
	return nil, false
}

// condNode reports whether expr is one of the forms compileCond takes
// apart (parentheses, !, &&, ||, a comparison, a bare reference).
func condNode(expr hcl.Expression) bool {
	switch x := expr.(type) {
	case *hclsyntax.ParenthesesExpr, *hclsyntax.ScopeTraversalExpr, *hclsyntax.TemplateWrapExpr:
		return true
	case *hclsyntax.UnaryOpExpr:
		return x.Op == hclsyntax.OpLogicalNot
	case *hclsyntax.BinaryOpExpr:
		_, isCmp := cmpOps[x.Op]
		return isCmp || x.Op == hclsyntax.OpLogicalAnd || x.Op == hclsyntax.OpLogicalOr
	}
	return false
}

// eachBool compiles a compile-time bool over each (contains(var.l,
// each.value)): a derived value per item, compared with true, so the
// condition stays one for every instance and its items carry the data.
func (c *compiler) eachBool(expr hcl.Expression, sc scope, rng ir.Range) (*ir.Cond, bool) {
	vals, ok := c.eachValues(sc.items, expr, sc)
	if !ok {
		return nil, false
	}
	texts := make([]string, len(vals))
	for i, v := range vals {
		b, err := toBool(v)
		if err != nil {
			c.errorf(expr.Range(), "Invalid when condition", "when must be a bool: %s (for each.key = %q).", err, sc.items.items[i].Key)
			return nil, false
		}
		texts[i] = fmt.Sprint(b)
	}
	s := sc.items.vector(texts, c.source(expr.Range()), expr.Range())
	if s.IsLiteral() {
		return &ir.Cond{Op: ir.CondConst, Const: s.Literal() == "true", Range: rng}, true
	}
	return &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq, Left: ir.Operand{Ref: s.Parts[0].Ref},
		Right: ir.Operand{Lit: "true", LitKind: ir.LitBool}, Range: rng}, true
}

var cmpOps = map[*hclsyntax.Operation]ir.CmpOp{
	hclsyntax.OpEqual:              ir.Eq,
	hclsyntax.OpNotEqual:           ir.Ne,
	hclsyntax.OpLessThan:           ir.Lt,
	hclsyntax.OpLessThanOrEqual:    ir.Le,
	hclsyntax.OpGreaterThan:        ir.Gt,
	hclsyntax.OpGreaterThanOrEqual: ir.Ge,
}

func (c *compiler) isNumeric(o ir.Operand) bool {
	if o.Ref == nil {
		return o.LitKind == ir.LitNumber
	}
	return o.Ref.Kind == ir.RefParam && c.params[o.Ref.Name].Type == ir.ParamNumber
}

// operand compiles one side of a comparison: a run-time reference (alone,
// or alone in "${...}") or a compile-time literal.
func (c *compiler) operand(expr hcl.Expression, ctx *hcl.EvalContext, sc scope, sink *refSink) (ir.Operand, bool) {
	if sc.items != nil && usesEach(expr) && !hasRuntime(expr) {
		return c.eachOperand(expr, sc)
	}
	if !hasRuntime(expr) {
		v, ok := c.evalCompileTime(expr, ctx, sc)
		if !ok {
			return ir.Operand{}, false
		}
		switch {
		case v.IsNull():
		case v.Type() == cty.String:
			return ir.Operand{Lit: v.AsString(), LitKind: ir.LitString}, true
		case v.Type() == cty.Number:
			return ir.Operand{Lit: canonicalNumber(v.AsBigFloat()), LitKind: ir.LitNumber}, true
		case v.Type() == cty.Bool:
			return ir.Operand{Lit: fmt.Sprint(v.True()), LitKind: ir.LitBool}, true
		}
		c.errorf(expr.Range(), "Invalid when condition", "A comparison operand must be a string, number or bool, not %s.", typeName(v))
		return ir.Operand{}, false
	}
	switch x := expr.(type) {
	case *hclsyntax.ParenthesesExpr:
		return c.operand(x.Expression, ctx, sc, sink)
	case *hclsyntax.TemplateWrapExpr:
		return c.operand(x.Wrapped, ctx, sc, sink)
	case *hclsyntax.ScopeTraversalExpr:
		sc.runtime = true
		if !c.checkRefs(expr, sc) {
			return ir.Operand{}, false
		}
		ref, ok := c.runtimeRef(x.Traversal, sink)
		if !ok {
			return ir.Operand{}, false
		}
		if ref.Kind == ir.RefRunAttempt {
			c.errorf(expr.Range(), "run.attempt in when", "when is decided once, before the first attempt starts, so run.attempt has no value there. Use it in the command, script or env.")
			return ir.Operand{}, false
		}
		return ir.Operand{Ref: ref}, true
	}
	sc.runtime = true
	if !c.checkRefs(expr, sc) {
		return ir.Operand{}, false
	}
	c.errorf(expr.Range(), "Invalid when condition", "%s A comparison operand must be a run-time reference or a literal; this one applies a function or an operator to %s.", condHelp, firstRuntimeRef(expr))
	return ir.Operand{}, false
}

// eachOperand compiles a comparison operand over each: each.key,
// each.value or each.value.NAME as a reference, any other expression as a
// derived value per item. One that is the same for every item is a literal
// of its own type, so `length(each.key) > 0` stays a numeric comparison of
// literals that folds.
func (c *compiler) eachOperand(expr hcl.Expression, sc scope) (ir.Operand, bool) {
	ec := sc.items
	if !c.checkRefs(expr, sc) {
		return ir.Operand{}, false
	}
	switch x := expr.(type) {
	case *hclsyntax.ParenthesesExpr:
		return c.eachOperand(x.Expression, sc)
	case *hclsyntax.TemplateWrapExpr:
		return c.eachOperand(x.Wrapped, sc)
	case *hclsyntax.ScopeTraversalExpr:
		if ref, ok := ec.bareRef(x.Traversal); ok {
			return ir.Operand{Ref: ref}, true
		}
	}
	vals, ok := c.eachValues(ec, expr, sc)
	if !ok {
		return ir.Operand{}, false
	}
	texts := make([]string, len(vals))
	for i, v := range vals {
		if v.IsNull() || !v.Type().IsPrimitiveType() {
			c.errorf(expr.Range(), "Invalid when condition", "A comparison operand must be a string, number or bool, not %s (for each.key = %q).", typeName(v), ec.items[i].Key)
			return ir.Operand{}, false
		}
		s, err := toString(v)
		if err != nil {
			c.errorf(expr.Range(), "Invalid when condition", "%s.", upperFirst(err.Error()))
			return ir.Operand{}, false
		}
		texts[i] = s
	}
	s := ec.vector(texts, c.source(expr.Range()), expr.Range())
	if s.IsLiteral() {
		v := vals[0]
		switch v.Type() {
		case cty.Number:
			return ir.Operand{Lit: canonicalNumber(v.AsBigFloat()), LitKind: ir.LitNumber}, true
		case cty.Bool:
			return ir.Operand{Lit: fmt.Sprint(v.True()), LitKind: ir.LitBool}, true
		}
		return ir.Operand{Lit: s.Literal(), LitKind: ir.LitString}, true
	}
	return ir.Operand{Ref: s.Parts[0].Ref}, true
}
