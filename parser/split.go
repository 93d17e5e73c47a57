package parser

import (
	"runtime"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// splitBatch is the size of the pieces a large file is parsed in (a
// variable so tests can cut small files).
var splitBatch = 64 << 10

// useFastParse enables fastParse (a variable so tests can compare both ways).
var useFastParse = true

// parseBody parses a whole file into its body. Large files are cut at
// top-level line starts into pieces of about splitBatch bytes, parsed in
// parallel, and their blocks joined: hclsyntax lexes a whole file into one
// token slice (about 100 bytes per token, grown by append), which for a
// 10,000-task file meant ~300 MB of allocation and copying and most of the
// peak memory. Pieces keep their true line and byte offsets, so ranges and
// diagnostics are exactly those of a whole-file parse. Whenever a piece
// does not parse cleanly, or holds top-level attributes (whose duplicates
// only a whole-file parse reports), the file is parsed whole instead, so
// errors are always reported as before.
func parseBody(src []byte, filename string) (*hclsyntax.Body, hcl.Diagnostics) {
	if useFastParse {
		if body, ok := fastParse(src, filename); ok {
			return body, nil
		}
	}
	if cuts := splitTopLevel(src, splitBatch); len(cuts) > 0 {
		if body, diags, ok := parsePieces(src, filename, cuts); ok {
			return body, diags
		}
	}
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if f == nil {
		return nil, diags
	}
	body, _ := f.Body.(*hclsyntax.Body)
	return body, diags
}

// cut is where a piece starts: a byte offset at the start of a line, and
// that line's number.
type cut struct{ byte, line int }

func parsePieces(src []byte, filename string, cuts []cut) (*hclsyntax.Body, hcl.Diagnostics, bool) {
	starts := append([]cut{{0, 1}}, cuts...)
	bodies := make([]*hclsyntax.Body, len(starts))
	diags := make([]hcl.Diagnostics, len(starts))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(starts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				end := len(src)
				if i+1 < len(starts) {
					end = starts[i+1].byte
				}
				pos := hcl.Pos{Line: starts[i].line, Column: 1, Byte: starts[i].byte}
				f, d := hclsyntax.ParseConfig(src[starts[i].byte:end:end], filename, pos)
				diags[i] = d
				if f != nil {
					bodies[i], _ = f.Body.(*hclsyntax.Body)
				}
			}
		}()
	}
	for i := range starts {
		next <- i
	}
	close(next)
	wg.Wait()

	merged := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	var all hcl.Diagnostics
	for i, b := range bodies {
		if b == nil || diags[i].HasErrors() || len(b.Attributes) > 0 {
			return nil, nil, false
		}
		merged.Blocks = append(merged.Blocks, b.Blocks...)
		all = append(all, diags[i]...)
	}
	first, last := bodies[0], bodies[len(bodies)-1]
	merged.SrcRange = hcl.Range{Filename: filename, Start: first.SrcRange.Start, End: last.SrcRange.End}
	merged.EndRange = last.EndRange
	return merged, all, true
}

// splitTopLevel returns where to cut src into pieces of at least batch
// bytes: line starts outside any bracket, string, heredoc or comment. It
// follows HCL's lexical structure only as far as needed to find such lines;
// when it meets something it does not follow it returns no cuts. A wrong
// cut is never silent: it leaves a construct open at the end of a piece,
// which then fails to parse, and parseBody falls back to a whole parse.
func splitTopLevel(src []byte, batch int) []cut {
	if len(src) < 2*batch {
		return nil
	}
	type frame struct {
		str   bool // inside a quoted string, else an expression
		depth int  // open brackets in this expression
	}
	stack := []frame{{}}
	var cuts []cut
	line, lastCut := 1, 0
	for i := 0; i < len(src); {
		top := &stack[len(stack)-1]
		c := src[i]
		if top.str {
			switch {
			case c == '\\':
				i += 2
			case c == '"':
				stack = stack[:len(stack)-1]
				i++
			case c == '\n':
				return nil // a quoted string cannot span lines
			case (c == '$' || c == '%') && i+2 < len(src) && src[i+1] == c && src[i+2] == '{':
				i += 3 // $${ and %%{ are literal
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == '{':
				stack = append(stack, frame{})
				i += 2
			default:
				i++
			}
			continue
		}
		switch c {
		case '"':
			stack = append(stack, frame{str: true})
			i++
		case '{', '[', '(':
			top.depth++
			i++
		case '}', ']', ')':
			switch {
			case top.depth > 0:
				top.depth--
			case len(stack) > 1:
				stack = stack[:len(stack)-1] // end of a ${ } or %{ }
			default:
				return nil
			}
			i++
		case '#':
			i = skipLine(src, i)
		case '/':
			switch {
			case i+1 < len(src) && src[i+1] == '/':
				i = skipLine(src, i)
			case i+1 < len(src) && src[i+1] == '*':
				end := indexFrom(src, i+2, "*/")
				if end < 0 {
					return nil
				}
				line += countNewlines(src[i:end])
				i = end + 2
			default:
				i++
			}
		case '<':
			if i+1 >= len(src) || src[i+1] != '<' {
				i++
				continue
			}
			end, lines, ok := skipHeredoc(src, i)
			if !ok {
				return nil
			}
			line += lines
			i = end
		case '\n':
			line++
			i++
			if len(stack) == 1 && top.depth == 0 && i-lastCut >= batch && len(src)-i >= batch {
				cuts = append(cuts, cut{byte: i, line: line})
				lastCut = i
			}
		default:
			i++
		}
	}
	if len(stack) != 1 || stack[0].depth != 0 {
		return nil
	}
	return cuts
}

// skipLine returns the offset of the newline ending the line at i (or the
// end of src); the newline itself is left for the caller to count.
func skipLine(src []byte, i int) int {
	for i < len(src) && src[i] != '\n' {
		i++
	}
	return i
}

func indexFrom(src []byte, i int, s string) int {
	for ; i+len(s) <= len(src); i++ {
		if string(src[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

func countNewlines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

// skipHeredoc skips a heredoc starting with "<<" at i: its opening line and
// its body up to the line holding only the marker. It returns the offset of
// the newline after the marker (or the end of src) and how many newlines it
// skipped.
func skipHeredoc(src []byte, i int) (end, lines int, ok bool) {
	j := i + 2
	if j < len(src) && src[j] == '-' {
		j++
	}
	start := j
	for j < len(src) && (src[j] == '_' || src[j] == '-' || ('a' <= src[j] && src[j] <= 'z') || ('A' <= src[j] && src[j] <= 'Z') || ('0' <= src[j] && src[j] <= '9')) {
		j++
	}
	marker := string(src[start:j])
	if marker == "" || j >= len(src) || src[j] != '\n' {
		return 0, 0, false
	}
	for j < len(src) {
		// j is at a newline: look at the next line.
		lines++
		k := j + 1
		e := skipLine(src, k)
		text := src[k:e]
		for len(text) > 0 && (text[0] == ' ' || text[0] == '\t') {
			text = text[1:]
		}
		for len(text) > 0 && (text[len(text)-1] == ' ' || text[len(text)-1] == '\t' || text[len(text)-1] == '\r') {
			text = text[:len(text)-1]
		}
		if string(text) == marker {
			return e, lines, true
		}
		j = e
	}
	return 0, 0, false
}
