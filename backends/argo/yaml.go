package argo

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// yamlStr renders s as a double-quoted YAML scalar that every YAML 1.1 and
// 1.2 parser reads back as exactly s. Quoting every string means words such
// as yes, on, ~, null, 1e3, -, *a, &a or # can never change type or meaning.
// Characters YAML does not allow raw (controls, DEL, C1, line and paragraph
// separators, BOM, non-characters) are written as escapes.
func yamlStr(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// Not UTF-8: YAML (and Kubernetes' JSON) cannot carry raw bytes.
			// Check rejects such strings first; this keeps the output valid.
			b.WriteString(`\uFFFD`)
			i++
			continue
		}
		i += size
		switch {
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
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
