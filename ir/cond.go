package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// CondOp is the operator of a condition node.
type CondOp string

const (
	CondAnd     CondOp = "&&"
	CondOr      CondOp = "||"
	CondNot     CondOp = "!"
	CondCompare CondOp = "cmp"
	// CondConst is a literal true or false, held in Const.
	CondConst CondOp = "const"
)

// CmpOp is a comparison operator.
type CmpOp string

const (
	Eq CmpOp = "=="
	Ne CmpOp = "!="
	Lt CmpOp = "<"
	Le CmpOp = "<="
	Gt CmpOp = ">"
	Ge CmpOp = ">="
)

// Cond is a compiled `when` expression (DESIGN 2.4). A bare bool param
// (`when = param.flag`) is compiled to `param.flag == true`.
type Cond struct {
	Op CondOp
	// Args are the operands of And, Or (two or more) and Not (one).
	Args []*Cond
	// For CondCompare:
	Cmp         CmpOp
	Left, Right Operand
	// Numeric is true when the comparison is numeric: either side is a
	// number literal or a param of type number. Otherwise both sides are
	// compared as strings (bools as "true"/"false").
	Numeric bool
	// For CondConst: the constant.
	Const bool
	Range Range
}

// Operand is one side of a comparison: a run-time reference or a literal.
type Operand struct {
	Ref *Ref
	// Lit is the literal's text when Ref is nil: numbers in canonical form
	// ("3", "0.9"), bools as "true"/"false".
	Lit     string
	LitKind LitKind
}

// LitKind is the type of a literal operand.
type LitKind string

const (
	LitString LitKind = "string"
	LitNumber LitKind = "number"
	LitBool   LitKind = "bool"
)

// Refs returns every reference used in the condition, in source order.
func (c *Cond) Refs() []*Ref {
	if c == nil {
		return nil
	}
	var refs []*Ref
	switch c.Op {
	case CondCompare:
		if c.Left.Ref != nil {
			refs = append(refs, c.Left.Ref)
		}
		if c.Right.Ref != nil {
			refs = append(refs, c.Right.Ref)
		}
	case CondAnd, CondOr, CondNot:
		for _, a := range c.Args {
			refs = append(refs, a.Refs()...)
		}
	}
	return refs
}

// String renders the condition in dagc's own syntax, fully parenthesised
// where needed; used by graphs and dry runs.
func (c *Cond) String() string {
	switch c.Op {
	case CondConst:
		return strconv.FormatBool(c.Const)
	case CondNot:
		return "!(" + c.Args[0].String() + ")"
	case CondAnd, CondOr:
		parts := make([]string, len(c.Args))
		for i, a := range c.Args {
			s := a.String()
			if a.Op == CondAnd || a.Op == CondOr {
				s = "(" + s + ")"
			}
			parts[i] = s
		}
		return strings.Join(parts, " "+string(c.Op)+" ")
	case CondCompare:
		return c.Left.String() + " " + string(c.Cmp) + " " + c.Right.String()
	}
	return "?"
}

func (o Operand) String() string {
	if o.Ref != nil {
		return o.Ref.String()
	}
	if o.LitKind == LitString {
		return strconv.Quote(o.Lit)
	}
	return o.Lit
}

// Eval evaluates the condition with lookup giving each reference's run-time
// value. It returns an error when a numeric comparison meets a value that is
// not a number (the task then fails, DESIGN 2.4).
func (c *Cond) Eval(lookup func(*Ref) string) (bool, error) {
	switch c.Op {
	case CondConst:
		return c.Const, nil
	case CondNot:
		v, err := c.Args[0].Eval(lookup)
		return !v, err
	case CondAnd:
		for _, a := range c.Args {
			v, err := a.Eval(lookup)
			if err != nil || !v {
				return false, err
			}
		}
		return true, nil
	case CondOr:
		for _, a := range c.Args {
			v, err := a.Eval(lookup)
			if err != nil || v {
				return v, err
			}
		}
		return false, nil
	case CondCompare:
		l, r := c.Left.value(lookup), c.Right.value(lookup)
		if c.Numeric {
			lf, err := parseNumber(l, c.Left)
			if err != nil {
				return false, err
			}
			rf, err := parseNumber(r, c.Right)
			if err != nil {
				return false, err
			}
			return compare(c.Cmp, cmpFloat(lf, rf)), nil
		}
		return compare(c.Cmp, strings.Compare(l, r)), nil
	}
	return false, fmt.Errorf("unknown condition operator %q", c.Op)
}

// EvalItem evaluates the condition for one instance (DESIGN 2.5: `when` on
// a fan-out task applies per instance): each references read the
// instance's item, every other reference lookup. it is nil for a task
// without for_each, whose condition Validate keeps free of each.
func (c *Cond) EvalItem(it *Item, lookup func(*Ref) string) (bool, error) {
	if it == nil {
		return c.Eval(lookup)
	}
	return c.Eval(func(r *Ref) string {
		if r.Kind.IsEach() {
			text, _ := it.Text(r)
			return text
		}
		return lookup(r)
	})
}

// UsesEach reports whether the condition reads the current item, so that
// its outcome may differ between the instances of a for_each task.
func (c *Cond) UsesEach() bool {
	for _, r := range c.Refs() {
		if r.Kind.IsEach() {
			return true
		}
	}
	return false
}

func (o Operand) value(lookup func(*Ref) string) string {
	if o.Ref != nil {
		return lookup(o.Ref)
	}
	return o.Lit
}

func parseNumber(s string, o Operand) (float64, error) {
	f, ok := ParseNumber(s)
	if !ok {
		return 0, fmt.Errorf("when: %s is %q, which is not a number", o.String(), s)
	}
	return f, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(op CmpOp, c int) bool {
	switch op {
	case Eq:
		return c == 0
	case Ne:
		return c != 0
	case Lt:
		return c < 0
	case Le:
		return c <= 0
	case Gt:
		return c > 0
	case Ge:
		return c >= 0
	}
	return false
}

// Fold folds constant parts of a condition: comparisons of two
// literals are evaluated, and constants absorbed by && || !. The result is
// nil-free; a whole condition may fold to a CondConst. Backends render
// folded conditions, so a constant `when` is decided once, here.
func (c *Cond) Fold() *Cond {
	switch c.Op {
	case CondCompare:
		if c.Left.Ref == nil && c.Right.Ref == nil {
			v, err := c.Eval(func(*Ref) string { return "" })
			if err != nil {
				return c // left as is: evaluating it fails the task at run time
			}
			return ConstCond(v)
		}
		return c
	case CondNot:
		a := c.Args[0].Fold()
		if a.Op == CondConst {
			return ConstCond(!a.Const)
		}
		return &Cond{Op: CondNot, Args: []*Cond{a}, Range: c.Range}
	case CondAnd, CondOr:
		absorbing := c.Op == CondOr // true absorbs ||, false absorbs &&
		var args []*Cond
		for _, a := range c.Args {
			s := a.Fold()
			if s.Op == CondConst {
				if s.Const == absorbing {
					return ConstCond(absorbing)
				}
				continue // neutral element
			}
			args = append(args, s)
		}
		switch len(args) {
		case 0:
			return ConstCond(!absorbing)
		case 1:
			return args[0]
		}
		return &Cond{Op: c.Op, Args: args, Range: c.Range}
	}
	return c
}

// ConstCond is the constant condition v.
func ConstCond(v bool) *Cond { return &Cond{Op: CondConst, Const: v} }
