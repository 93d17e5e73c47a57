package parser

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/dagc-dev/dagc/ir"
)

// Format returns src in canonical layout: hclwrite's formatting (indentation,
// spacing, aligned `=` in runs of attributes) and exactly one newline at the
// end of the file (CRLF when the file uses CRLF). It only moves whitespace, so the meaning never changes,
// and formatting formatted text changes nothing. src should parse; text with
// syntax errors is formatted on a best-effort basis (see FormatFile).
func Format(src []byte) []byte {
	out := hclwrite.Format(src)
	// Trailing blank lines and spaces go; one final newline stays. Nothing
	// that matters can follow the last token: a heredoc ends with its
	// marker line and comments keep their text.
	// A file written with CRLF line endings keeps them.
	eol := "\n"
	if bytes.Contains(out, []byte("\r\n")) {
		eol = "\r\n"
	}
	out = bytes.TrimRight(out, " \t\r\n")
	if len(out) == 0 {
		return []byte{}
	}
	return append(out, eol...)
}

// FormatFile checks that src parses as HCL and returns it formatted. Syntax
// errors come back as diagnostics with file:line:col (and src is kept for
// WriteDiagnostics to show the source line); the text is then not formatted,
// since formatting broken input could move it further from what was meant.
func (p *Parser) FormatFile(filename string, src []byte) ([]byte, ir.Diagnostics) {
	p.sources[filename] = src
	_, hd := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if hd.HasErrors() {
		return nil, dedupe(toDiagnostics(hd))
	}
	return Format(src), nil
}
