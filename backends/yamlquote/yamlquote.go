// Package yamlquote writes strings as YAML double-quoted scalars, the one
// quoting every YAML-emitting backend uses, so no user string can change
// type or meaning in a generated manifest.
package yamlquote

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Str renders s as a double-quoted YAML scalar that every YAML 1.1 and 1.2
// parser reads back as exactly s. Quoting every string means words such as
// yes, on, ~, null, 1e3, -, *a, &a or # can never change type or meaning.
// Characters YAML does not allow raw, or that a reader could not see
// (controls, DEL, C1, line and paragraph separators, BOM, non-characters,
// other unprintable runes), are written as escapes. Invalid UTF-8 becomes
// U+FFFD: YAML cannot carry raw bytes, and callers reject such strings first.
func Str(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		// Runs of printable ASCII other than " and \ are copied as they
		// are, in one write (a Step Functions definition is mostly such).
		if j := i; s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\' {
			for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\' {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\uFFFD`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff,
			!unicode.IsPrint(r) && r != ' ':
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
