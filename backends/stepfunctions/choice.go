package stepfunctions

import (
	"fmt"
	"strconv"

	"github.com/dagc-dev/dagc/ir"
)

// whenPlan is how a task's `when` becomes states: values that must be
// converted before a Choice can compare them (numbers published as text,
// bools compared as text), and the Choice rule itself.
type whenPlan struct {
	p *ir.Pipeline
	// values are the conversions, in order: key → intrinsic.
	values obj
	// numeric lists the converted values that must be numbers; one that is
	// not fails the task (DESIGN 2.4).
	numeric []string
	// parses is true when a conversion can fail at run time
	// (States.StringToJson of text that is not JSON).
	parses bool
	rule   obj
	// each, inside a Map iterator, names the item fields each references
	// read ($.each.NAME); nil outside one.
	each *eachFields
	// prefix is where the conversions are stored in the state's input.
	prefix string
}

func newWhenPlan(p *ir.Pipeline, c *ir.Cond) *whenPlan {
	w := &whenPlan{p: p, prefix: "$.when"}
	w.rule = w.build(c)
	return w
}

// newItemWhenPlan is the plan of a per-instance when (DESIGN 2.5), decided
// at the start of a Map iteration: each references read the item.
func newItemWhenPlan(p *ir.Pipeline, c *ir.Cond, each *eachFields) *whenPlan {
	w := &whenPlan{p: p, each: each, prefix: "$.when"}
	w.rule = w.build(c)
	return w
}

// path is the JSONPath of a reference: the item's field for an each
// reference, the run state for any other.
func (w *whenPlan) path(r *ir.Ref) string {
	if r.Kind.IsEach() && w.each != nil {
		return "$.each." + w.each.field(r)
	}
	return refPath(r)
}

func (w *whenPlan) convert(intrinsic string) string {
	k := fmt.Sprintf("v%d", len(w.values))
	w.values.set(k+".$", intrinsic)
	return w.prefix + ".v." + k
}

func (w *whenPlan) paramType(r *ir.Ref) ir.ParamType {
	if r.Kind != ir.RefParam {
		return ""
	}
	if pa := w.p.Param(r.Name); pa != nil {
		return pa.Type
	}
	return ""
}

// operandPath returns the path a Choice rule reads for a reference operand
// of comparison c, adding a conversion when the stored value has the wrong
// type for the comparison.
func (w *whenPlan) operandPath(c *ir.Cond, r *ir.Ref) string {
	t := w.paramType(r)
	if c.Numeric {
		if t == ir.ParamNumber {
			return refPath(r) // checked to be a number when the run starts
		}
		path := w.convert("States.StringToJson(" + w.path(r) + ")")
		w.parses = true
		w.numeric = append(w.numeric, path)
		return path
	}
	if t == ir.ParamBool || t == ir.ParamNumber {
		return w.convert("States.Format('{}', " + refPath(r) + ")")
	}
	return w.path(r)
}

var flipped = map[ir.CmpOp]ir.CmpOp{ir.Eq: ir.Eq, ir.Ne: ir.Ne, ir.Lt: ir.Gt, ir.Le: ir.Ge, ir.Gt: ir.Lt, ir.Ge: ir.Le}

var comparators = map[ir.CmpOp]string{ir.Eq: "Equals", ir.Lt: "LessThan", ir.Le: "LessThanEquals", ir.Gt: "GreaterThan", ir.Ge: "GreaterThanEquals"}

func (w *whenPlan) build(c *ir.Cond) obj {
	switch c.Op {
	case ir.CondAnd, ir.CondOr:
		rules := make([]obj, len(c.Args))
		for i, a := range c.Args {
			rules[i] = w.build(a)
		}
		name := "And"
		if c.Op == ir.CondOr {
			name = "Or"
		}
		return obj{{name, rules}}
	case ir.CondNot:
		return obj{{"Not", w.build(c.Args[0])}}
	case ir.CondCompare:
		return w.compare(c)
	}
	// A constant left inside a tree cannot happen after Fold; render
	// it as a rule with that truth value anyway.
	rule := obj{{"Variable", "$.run.id"}, {"IsPresent", true}}
	if !c.Const {
		return obj{{"Not", rule}}
	}
	return rule
}

func (w *whenPlan) compare(c *ir.Cond) obj {
	left, right, op := c.Left, c.Right, c.Cmp
	if left.Ref == nil {
		left, right, op = right, left, flipped[op]
	}
	var rule obj
	negate := op == ir.Ne
	if negate {
		op = ir.Eq
	}
	// A bool param against a bool literal compares as a boolean.
	if !c.Numeric && op == ir.Eq && right.Ref == nil && right.LitKind == ir.LitBool && w.paramType(left.Ref) == ir.ParamBool {
		rule = obj{{"Variable", refPath(left.Ref)}, {"BooleanEquals", right.Lit == "true"}}
	} else {
		kind := "String"
		if c.Numeric {
			kind = "Numeric"
		}
		rule = obj{{"Variable", w.operandPath(c, left.Ref)}}
		switch {
		case right.Ref != nil:
			rule.set(kind+comparators[op]+"Path", w.operandPath(c, right.Ref))
		case c.Numeric:
			f, _ := strconv.ParseFloat(right.Lit, 64) // literal checked by Check
			rule.set(kind+comparators[op], f)
		default:
			rule.set(kind+comparators[op], right.Lit)
		}
	}
	if negate {
		return obj{{"Not", rule}}
	}
	return rule
}
