package stepfunctions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// obj is a JSON object whose keys keep the order they were added in, so the
// generated definition reads top-down (Type first, Next last) and is
// byte-identical on every machine.
type obj []kv

type kv struct {
	k string
	v any
}

func (o *obj) set(k string, v any) { *o = append(*o, kv{k, v}) }

// get returns the value of key k, or nil.
func (o obj) get(k string) any {
	for _, e := range o {
		if e.k == k {
			return e.v
		}
	}
	return nil
}

// MarshalJSON encodes o compactly; see encoder.
func (o obj) MarshalJSON() ([]byte, error) {
	e := &encoder{compact: true}
	e.value(o, 0)
	return e.b.Bytes(), e.err
}

// marshal encodes v compactly, without HTML escaping, so "<", ">" and "&"
// in user strings stay readable in the generated file.
func marshal(v any) ([]byte, error) {
	e := &encoder{compact: true}
	e.value(v, 0)
	return e.b.Bytes(), e.err
}

// marshalDefinition encodes a definition with one state per line: the
// objects that hold states (the definition, States, Branches and their
// branches, an ItemProcessor, and a state that has one of those) are laid
// out a key per line with two-space indentation, everything else is
// compact. A definition reads and diffs state by state, and costs little
// more than compact JSON against the 1 MiB limit. Ends with a newline.
func marshalDefinition(v any) ([]byte, error) {
	e := &encoder{}
	e.value(v, 0)
	e.b.WriteByte('\n')
	return e.b.Bytes(), e.err
}

// marshalForTemplate is marshalDefinition for the copy embedded in the
// CloudFormation template: "${" in any string is written "$\u007b" (the
// same JSON), so CloudFormation sees no substitution syntax in user text;
// only subst values (the child ARNs) keep "${".
func marshalForTemplate(v any) ([]byte, error) {
	e := &encoder{template: true}
	e.value(v, 0)
	e.b.WriteByte('\n')
	return e.b.Bytes(), e.err
}

// subst is a string CloudFormation substitutes (DefinitionSubstitutions),
// written with its "${" even in the template.
type subst string

// encoder writes JSON in one pass: obj values are written directly rather
// than through json.Marshaler, whose output encoding/json re-validates at
// every level of nesting (quadratic in the depth of nested Parallel
// states).
type encoder struct {
	b        bytes.Buffer
	compact  bool
	template bool // see marshalForTemplate
	err      error
}

func (e *encoder) str(s string) { writeString(&e.b, s, e.template) }

// holdsStates reports whether o is laid out a key per line.
func holdsStates(o obj) bool {
	for _, e := range o {
		switch e.k {
		case "States", "Branches", "ItemProcessor":
			return true
		}
	}
	return false
}

func (e *encoder) newline(depth int) {
	e.b.WriteByte('\n')
	for range depth {
		e.b.WriteString("  ")
	}
}

func (e *encoder) value(v any, depth int) {
	switch v := v.(type) {
	case obj:
		e.object(v, depth, !e.compact && holdsStates(v))
	case []obj:
		e.b.WriteByte('[')
		multi := false
		for _, o := range v {
			multi = multi || (!e.compact && holdsStates(o))
		}
		for i, o := range v {
			if i > 0 {
				e.b.WriteByte(',')
			}
			if multi {
				e.newline(depth + 1)
			}
			e.value(o, depth+1)
		}
		if multi {
			e.newline(depth)
		}
		e.b.WriteByte(']')
	case []any:
		// Mixed arrays (compact Map items): each element as its own value.
		e.b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				e.b.WriteByte(',')
			}
			e.value(x, depth+1)
		}
		e.b.WriteByte(']')
	case []string:
		e.b.WriteByte('[')
		for i, s := range v {
			if i > 0 {
				e.b.WriteByte(',')
			}
			e.str(s)
		}
		e.b.WriteByte(']')
	case string:
		e.str(v)
	case subst:
		writeString(&e.b, string(v), false)
	case bool:
		e.b.WriteString(strconv.FormatBool(v))
	case int:
		e.b.WriteString(strconv.Itoa(v))
	case nil:
		e.b.WriteString("null")
	default:
		// Numbers and the odd leaf value: encoding/json's own text.
		raw, err := json.Marshal(v)
		if err != nil && e.err == nil {
			e.err = fmt.Errorf("encoding %T: %w", v, err)
		}
		e.b.Write(raw)
	}
}

// object writes o; expanded puts each key on a line of its own, and the
// entries of a "States" object are then expanded the same way (each state
// on its own line).
func (e *encoder) object(o obj, depth int, expanded bool) {
	e.b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			e.b.WriteByte(',')
		}
		if expanded {
			e.newline(depth + 1)
		}
		e.str(kv.k)
		e.b.WriteByte(':')
		if expanded {
			e.b.WriteByte(' ')
		}
		if states, ok := kv.v.(obj); ok && expanded && kv.k == "States" {
			e.b.WriteByte('{')
			for j, s := range states {
				if j > 0 {
					e.b.WriteByte(',')
				}
				e.newline(depth + 2)
				e.str(s.k)
				e.b.WriteString(": ")
				e.value(s.v, depth+2)
			}
			if len(states) > 0 {
				e.newline(depth + 1)
			}
			e.b.WriteByte('}')
			continue
		}
		e.value(kv.v, depth+1)
	}
	if expanded && len(o) > 0 {
		e.newline(depth)
	}
	e.b.WriteByte('}')
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string the way encoding/json does with
// HTML escaping off: control characters, U+2028 and U+2029 escaped,
// invalid UTF-8 replaced by U+FFFD. With template, a "{" after "$" is
// written \u007b (see marshalForTemplate).
func writeString(b *bytes.Buffer, s string, template bool) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && !(template && c == '{' && i > 0 && s[i-1] == '$') {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			case '{':
				b.WriteString(`\u007b`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
