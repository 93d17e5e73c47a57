package stepfunctions

import (
	"strconv"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// How user text reaches a Task state.
//
// With JSONPath, a payload key ending in ".$" makes its value a path or an
// intrinsic function; a key without it takes the value as plain data. User
// text is therefore only ever a plain JSON value:
//
//   - a literal string is the value of a key without ".$";
//   - a string mixing literal text and run-time references, and a command
//     that cannot be a plain JSON array, are built by intrinsics whose
//     arguments are paths only: the literal pieces are stored as plain data
//     in a table (a Pass state's Result, which Step Functions never
//     evaluates, or a Map item) and read back by path. The only text inside
//     an intrinsic is dagc's own ("{}" placeholders, state names of its
//     choosing), so no user string can become an expression or change a
//     format string.
//
// Keeping literals out of intrinsic string literals also keeps every
// definition within what asl-validator accepts: it rejects an escaped
// backslash inside an intrinsic string literal, and empty or multi-line
// strings as array elements, although Step Functions accepts both.

// litTable collects the literal strings of one task instance.
type litTable struct {
	path string // where the table is at run time, e.g. "$.lit"
	vals []string
	idx  map[string]int
	// each maps the each references of a for_each template to the field
	// of the Map item that holds their text (see eachFields); nil for a
	// task without for_each.
	each *eachFields
}

func newLitTable(path string) *litTable { return &litTable{path: path, idx: map[string]int{}} }

// eachFields names the fields of a for_each task's Map items: "key" for
// each.key, then "e1", "e2", … for the other each references in order of
// first use. Names are dagc's own, so paths to them are safe.
type eachFields struct {
	names map[string]string
	refs  []*ir.Ref
}

func (f *eachFields) field(r *ir.Ref) string {
	if r.Kind == ir.RefEachKey {
		return "key"
	}
	k := string(r.Kind) + "\x00" + r.Name + "\x00" + strconv.Itoa(r.Index)
	if n, ok := f.names[k]; ok {
		return n
	}
	n := "e" + strconv.Itoa(len(f.refs)+1)
	f.names[k] = n
	f.refs = append(f.refs, r)
	return n
}

// pathOf is the JSONPath of a reference: an each reference reads the
// current Map item ($.each), anything else the run state (refPath).
func (l *litTable) pathOf(r *ir.Ref) string {
	if r.Kind.IsEach() && l.each != nil {
		return "$.each." + l.each.field(r)
	}
	return refPath(r)
}

// ref stores s (once) and returns the path that reads it back.
func (l *litTable) ref(s string) string {
	i, ok := l.idx[s]
	if !ok {
		i = len(l.vals)
		l.vals = append(l.vals, s)
		l.idx[s] = i
	}
	return l.path + "[" + strconv.Itoa(i) + "]"
}

// values returns the table as a JSON value (never nil).
func (l *litTable) values() []string {
	if l.vals == nil {
		return []string{}
	}
	return l.vals
}

// intrinsicLit quotes one of dagc's own constant strings as an intrinsic
// string literal, escaping the characters the intrinsic grammar gives a
// meaning: ', {, } and \. User text never goes through it (see above).
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
	case ir.RefRunAttempt:
		return attemptIntrinsic
	case ir.RefRunStatus:
		return "$.run.status"
	case ir.RefRunFailedTasks:
		return "$.run.failed_tasks"
	}
	return "$.unknown"
}

// attemptIntrinsic is run.attempt as a number: the context object's
// State.RetryCount counts the retries of the state being run from 0.
const attemptIntrinsic = "States.MathAdd($$.State.RetryCount, 1)"

// setAttempt sets DAGC_ATTEMPT (docs/stepfunctions.md): without a
// retrier every run of the state is the first attempt.
func setAttempt(t *ir.Task, e *obj) {
	if t.Retry.Attempts > 0 {
		e.set("Value.$", "States.Format('{}', "+attemptIntrinsic+")")
		return
	}
	e.set("Value", "1")
}

// strIntrinsic renders a Str as an intrinsic whose value is the string:
// States.Format with one "{}" per part, literal parts read from the table.
// States.Format also turns numbers and booleans into their text.
func strIntrinsic(s ir.Str, lt *litTable) string {
	if len(s.Parts) == 0 {
		return lt.ref("")
	}
	if len(s.Parts) == 1 && s.Parts[0].Ref == nil {
		return lt.ref(s.Parts[0].Lit)
	}
	if len(s.Parts) == 1 && s.Parts[0].Ref.Kind.IsEach() {
		return lt.pathOf(s.Parts[0].Ref) // an item's text is a string
	}
	args := make([]string, len(s.Parts))
	for i, p := range s.Parts {
		if p.Ref != nil {
			args[i] = lt.pathOf(p.Ref)
		} else {
			args[i] = lt.ref(p.Lit)
		}
	}
	return "States.Format('" + strings.Repeat("{}", len(s.Parts)) + "', " + strings.Join(args, ", ") + ")"
}

// setStr sets key k of o to the Str's value: a plain JSON string under k
// when it is literal, or an intrinsic under "k.$" when it has references.
func setStr(o *obj, k string, s ir.Str, lt *litTable) {
	if s.IsLiteral() {
		o.set(k, s.Literal())
		return
	}
	o.set(k+".$", strIntrinsic(s, lt))
}

// arraySafe reports whether s can be an element of a plain JSON array in
// a payload template for every validator (see above).
func arraySafe(s string) bool {
	return s != "" && !strings.ContainsAny(s, "\n\r\u2028\u2029") &&
		!strings.HasPrefix(s, "{% ") && !strings.HasSuffix(s, " %}")
}

// setArgv sets key k of o to a list of strings: a plain JSON array when
// every element is a literal that fits one, else "k.$" with States.Array
// of table paths and States.Format calls.
func setArgv(o *obj, k string, argv []ir.Str, lt *litTable) {
	plain := true
	for _, a := range argv {
		if !a.IsLiteral() || !arraySafe(a.Literal()) {
			plain = false
		}
	}
	if plain {
		out := make([]string, len(argv))
		for i, a := range argv {
			out[i] = a.Literal()
		}
		o.set(k, out)
		return
	}
	elems := make([]string, len(argv))
	for i, a := range argv {
		elems[i] = strIntrinsic(a, lt)
	}
	o.set(k+".$", "States.Array("+strings.Join(elems, ", ")+")")
}
