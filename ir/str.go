package ir

import "strings"

// Str is a string value that may contain run-time references. It is a
// sequence of parts, each either literal text or a reference; adjacent
// literals are merged by the parser, so a compile-time string is a single
// literal part (or no part at all for "").
//
// Backends render literal parts escaped for their target and references in
// their own syntax, so a user's "{{", quote, backslash, "$" or newline reaches
// the process exactly as written.
type Str struct {
	Parts []Part
}

// Part is one piece of a Str: Ref is nil for literal text.
type Part struct {
	Lit string
	Ref *Ref
}

// Lit returns a Str holding only literal text.
func Lit(s string) Str {
	if s == "" {
		return Str{}
	}
	return Str{Parts: []Part{{Lit: s}}}
}

// IsLiteral reports whether the Str has no run-time reference.
func (s Str) IsLiteral() bool {
	for _, p := range s.Parts {
		if p.Ref != nil {
			return false
		}
	}
	return true
}

// Literal returns the text of a Str that has no references. For a Str with
// references it returns the text with each reference as its source form
// (e.g. "${param.dataset}"), which is what --dry-run and graphs show.
func (s Str) Literal() string {
	var b strings.Builder
	for _, p := range s.Parts {
		if p.Ref != nil {
			b.WriteString("${" + p.Ref.String() + "}")
		} else {
			b.WriteString(p.Lit)
		}
	}
	return b.String()
}

// Refs returns the references of the Str in order.
func (s Str) Refs() []*Ref {
	var refs []*Ref
	for _, p := range s.Parts {
		if p.Ref != nil {
			refs = append(refs, p.Ref)
		}
	}
	return refs
}

// Resolve substitutes every reference with the value lookup gives for it.
func (s Str) Resolve(lookup func(*Ref) string) string {
	var b strings.Builder
	for _, p := range s.Parts {
		if p.Ref != nil {
			b.WriteString(lookup(p.Ref))
		} else {
			b.WriteString(p.Lit)
		}
	}
	return b.String()
}

// RefKind says what a run-time reference points at.
type RefKind string

const (
	RefParam   RefKind = "param"    // param.NAME
	RefOutput  RefKind = "output"   // task.TASK.outputs.NAME
	RefRunID   RefKind = "run.id"   // run.id
	RefRunDate RefKind = "run.date" // run.date, the logical date as YYYY-MM-DD
	// RefRunAttempt is run.attempt: this attempt of this task instance,
	// from 1 (also $DAGC_ATTEMPT). It is known only once the attempt
	// starts, so it cannot appear in when.
	RefRunAttempt RefKind = "run.attempt"
	// Only in a final task (DESIGN 2.2): the run's state judged over every
	// other task (RunState), and the JSON array of the failed instances'
	// names (FailedTasks).
	RefRunStatus      RefKind = "run.status"       // run.status: success or failed
	RefRunFailedTasks RefKind = "run.failed_tasks" // run.failed_tasks: ["a","b[k]"]

	// References to the current item of a for_each task, resolved per
	// instance (Task.Instances, or the engine's own fan-out construct).
	RefEachKey   RefKind = "each.key"        // each.key
	RefEachValue RefKind = "each.value"      // each.value
	RefEachField RefKind = "each.value.NAME" // each.value.NAME of an object item; Name is NAME
	// RefEachExpr is a derived expression over each (upper(each.value),
	// var.m[each.key]), evaluated at compile time per item: Index is its
	// position in ForEach.Exprs and Item.Exprs, Name its source text.
	RefEachExpr RefKind = "each.expr"
)

// Ref is a run-time reference (DESIGN 2.2).
type Ref struct {
	Kind RefKind
	// Name is the param name for RefParam and the output name for RefOutput.
	Name string
	// Task is the producing task for RefOutput. When that task has for_each
	// the value is a JSON array of the instances' values in instance order.
	Task string
	// Index is the derived expression of a RefEachExpr.
	Index int `json:",omitempty"`
	Range Range
}

// String returns the reference in source form, e.g. "task.a.outputs.rows".
func (r *Ref) String() string {
	switch r.Kind {
	case RefParam:
		return "param." + r.Name
	case RefOutput:
		return "task." + r.Task + ".outputs." + r.Name
	case RefEachField:
		return "each.value." + r.Name
	case RefEachExpr:
		return r.Name
	default:
		return string(r.Kind)
	}
}

// Lits returns one literal Str per string.
func Lits(ss ...string) []Str {
	out := make([]Str, len(ss))
	for i, s := range ss {
		out[i] = Lit(s)
	}
	return out
}
