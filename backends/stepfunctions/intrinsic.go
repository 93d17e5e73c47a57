package stepfunctions

import (
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// intrinsicLit quotes s as a string literal inside an intrinsic function
// call. The intrinsic grammar gives '\' a meaning before ', {, } and \, so
// each of those is escaped; everything else is literal text. The result is
// only ever placed inside States.Format/States.Array, never used as a path.
func intrinsicLit(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '{', '}', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// refPath is the JSONPath of a run-time reference in the run state
// document. Every segment is an identifier dagc chose or validated, never
// free user text.
func refPath(r *ir.Ref) string {
	switch r.Kind {
	case ir.RefParam:
		return "$.params." + r.Name
	case ir.RefOutput:
		return "$.tasks." + stateKey(r.Task) + ".outputs." + r.Name
	case ir.RefRunID:
		return "$.run.id"
	case ir.RefRunDate:
		return "$.run.date"
	}
	return "$.unknown"
}

// strIntrinsic renders a Str holding at least one reference as a
// States.Format call: literal parts escaped into the format string, each
// reference a "{}" placeholder filled from its path. States.Format turns
// numbers and booleans into their text, so the result is always a string.
func strIntrinsic(s ir.Str) string {
	var format strings.Builder
	var args []string
	for _, p := range s.Parts {
		if p.Ref != nil {
			format.WriteString("{}")
			args = append(args, refPath(p.Ref))
			continue
		}
		q := intrinsicLit(p.Lit)
		format.WriteString(q[1 : len(q)-1])
	}
	return "States.Format('" + format.String() + "', " + strings.Join(args, ", ") + ")"
}

// setStr sets key k of o to the Str's value: a plain JSON string under k
// when it is literal (user text only ever appears as a value of a key
// without ".$"), or an intrinsic under "k.$" when it has references.
func setStr(o *obj, k string, s ir.Str) {
	if s.IsLiteral() {
		o.set(k, s.Literal())
		return
	}
	o.set(k+".$", strIntrinsic(s))
}

// setArgv sets key k of o to a list of strings: a plain JSON array when
// every element is literal, else "k.$" with States.Array of escaped
// literals and States.Format calls (JSONPath payload templates cannot
// mix paths into an array's elements).
func setArgv(o *obj, k string, argv []ir.Str) {
	literal := true
	for _, a := range argv {
		if !a.IsLiteral() {
			literal = false
		}
	}
	if literal {
		out := make([]string, len(argv))
		for i, a := range argv {
			out[i] = a.Literal()
		}
		o.set(k, out)
		return
	}
	elems := make([]string, len(argv))
	for i, a := range argv {
		if a.IsLiteral() {
			elems[i] = intrinsicLit(a.Literal())
		} else {
			elems[i] = strIntrinsic(a)
		}
	}
	o.set(k+".$", "States.Array("+strings.Join(elems, ", ")+")")
}
