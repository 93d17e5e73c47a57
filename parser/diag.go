package parser

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/dagc-dev/dagc/ir"
)

// toRange converts an HCL range to the IR's own range type.
func toRange(r hcl.Range) ir.Range {
	return ir.Range{
		Filename: r.Filename,
		Start:    ir.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
		End:      ir.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte},
	}
}

// fromRange converts an IR range back to HCL's, for diagnostics found
// after a task compiled.
func fromRange(r ir.Range) *hcl.Range {
	return &hcl.Range{
		Filename: r.Filename,
		Start:    hcl.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
		End:      hcl.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte},
	}
}

// toDiagnostics converts HCL diagnostics, keeping the narrowest range.
func toDiagnostics(hd hcl.Diagnostics) ir.Diagnostics {
	out := make(ir.Diagnostics, 0, len(hd))
	for _, d := range hd {
		sev := ir.Error
		if d.Severity == hcl.DiagWarning {
			sev = ir.Warning
		}
		var subject ir.Range
		if d.Subject != nil {
			subject = toRange(*d.Subject)
		}
		out = append(out, ir.Diagnostic{Severity: sev, Summary: d.Summary, Detail: d.Detail, Subject: subject})
	}
	return out
}

// dedupe drops repeated diagnostics (the same problem found once per
// for_each instance, for example) and keeps the first of each.
func dedupe(ds ir.Diagnostics) ir.Diagnostics {
	seen := map[string]bool{}
	out := ds[:0]
	for _, d := range ds {
		k := fmt.Sprintf("%s\x00%s\x00%s\x00%v", d.Severity, d.Summary, d.Detail, d.Subject)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

// sortDiagnostics orders diagnostics by file and position so output is
// stable however the checks ran.
func sortDiagnostics(ds ir.Diagnostics) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Subject, ds[j].Subject
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}

// WriteDiagnostics prints diagnostics the way Terraform does: severity,
// summary, file:line:col, the source line with the range underlined, detail.
func (p *Parser) WriteDiagnostics(w io.Writer, diags ir.Diagnostics) error {
	var b strings.Builder
	for _, d := range diags {
		sev := "Error"
		if d.Severity == ir.Warning {
			sev = "Warning"
		}
		fmt.Fprintf(&b, "%s: %s\n", sev, d.Summary)
		if r := d.Subject; r.Filename != "" {
			fmt.Fprintf(&b, "\n  on %s:%d:%d:\n", r.Filename, r.Start.Line, r.Start.Column)
			p.writeSnippet(&b, r)
		}
		if d.Detail != "" {
			fmt.Fprintf(&b, "\n%s\n", d.Detail)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSnippet prints the first source line of r with its range marked by
// carets. The marker line copies the tabs of the source line so the carets
// sit under the right characters.
func (p *Parser) writeSnippet(b *strings.Builder, r ir.Range) {
	src, ok := p.sources[r.Filename]
	if !ok || r.Start.Byte < 0 || r.Start.Byte > len(src) {
		return
	}
	lineStart := strings.LastIndexByte(string(src[:r.Start.Byte]), '\n') + 1
	lineEnd := len(src)
	if i := strings.IndexByte(string(src[lineStart:]), '\n'); i >= 0 {
		lineEnd = lineStart + i
	}
	line := strings.TrimRight(string(src[lineStart:lineEnd]), "\r")
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	prefix := fmt.Sprintf("%5d | ", r.Start.Line)
	fmt.Fprintf(b, "%s%s\n", prefix, line)

	startCol := r.Start.Byte - lineStart
	endCol := r.End.Byte - lineStart
	if r.End.Line != r.Start.Line || endCol > len(line) {
		endCol = len(line)
	}
	if startCol > len(line) {
		startCol = len(line)
	}
	var marker strings.Builder
	for _, c := range line[:startCol] {
		if c == '\t' {
			marker.WriteByte('\t')
		} else {
			marker.WriteByte(' ')
		}
	}
	n := utf8.RuneCountInString(line[startCol:max(startCol, endCol)])
	if n == 0 {
		n = 1
	}
	marker.WriteString(strings.Repeat("^", n))
	fmt.Fprintf(b, "%s| %s\n", strings.Repeat(" ", len(prefix)-2), marker.String())
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Range    *jsonRange `json:"range,omitempty"`
}

// WriteDiagnosticsJSON prints diagnostics as a JSON array for editors and
// CI: {severity, summary, detail, range{filename, start, end}}.
func (p *Parser) WriteDiagnosticsJSON(w io.Writer, diags ir.Diagnostics) error {
	out := make([]jsonDiagnostic, 0, len(diags))
	for _, d := range diags {
		jd := jsonDiagnostic{Severity: string(d.Severity), Summary: d.Summary, Detail: d.Detail}
		if r := d.Subject; r.Filename != "" {
			jd.Range = &jsonRange{
				Filename: r.Filename,
				Start:    jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:      jsonPos{r.End.Line, r.End.Column, r.End.Byte},
			}
		}
		out = append(out, jd)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// didYouMean is ir.DidYouMean, the one suggestion rule of dagc.
func didYouMean(name string, candidates []string) string { return ir.DidYouMean(name, candidates) }
