package parser

import (
	"bytes"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// fastParse parses the subset of HCL native syntax that pipeline files
// mostly use straight from the bytes, building exactly the *hclsyntax.Body
// that hclsyntax.ParseConfig builds (same node types, values and ranges).
// hclsyntax first lexes the whole file into ~100-byte tokens, computing each
// token's column by Unicode grapheme segmentation; for a 10,000-task file
// that is most of dagc validate's time and memory.
//
// The subset: blocks with quoted or bare labels; attributes; quoted strings
// with the simple escapes and heredocs, both with ${ } interpolation (no
// strip markers, no %{ directives, no $${ escapes); numbers; true, false,
// null; tuples; objects; traversals made of attribute steps; function
// calls; parentheses; unary, binary and conditional operators; # and //
// comments where a newline may stand. Input must be ASCII, except in
// comments, and without carriage returns, so a column is a byte offset in
// its line. Anything else, and every syntax error, returns ok=false and the
// caller parses the file with hclsyntax, so diagnostics never change.
// Large files are parsed in pieces in parallel (see fastCuts).
// fastparse_test.go proves the equivalence on every test file and by fuzzing.
func fastParse(src []byte, filename string) (*hclsyntax.Body, bool) {
	if bytes.IndexByte(src, '\r') >= 0 {
		return nil, false
	}
	text := string(src)
	cuts := fastCuts(src, splitBatch)
	if len(cuts) == 0 {
		return fastParsePiece(src, text, filename, cut{0, 1}, len(src))
	}
	// Pieces cut at top-level line starts, parsed on every core.
	starts := append([]cut{{0, 1}}, cuts...)
	bodies := make([]*hclsyntax.Body, len(starts))
	oks := make([]bool, len(starts))
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), len(starts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(starts); i = int(next.Add(1)) - 1 {
				end := len(src)
				if i+1 < len(starts) {
					end = starts[i+1].byte
				}
				bodies[i], oks[i] = fastParsePiece(src, text, filename, starts[i], end)
			}
		}()
	}
	wg.Wait()
	merged := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, Blocks: hclsyntax.Blocks{}}
	n := 0
	for i, b := range bodies {
		if !oks[i] || len(b.Attributes) > 0 {
			// Top-level attributes would need a check for duplicates
			// across pieces; they do not occur in pipeline files.
			return nil, false
		}
		n += len(b.Blocks)
	}
	merged.Blocks = make(hclsyntax.Blocks, 0, n)
	for _, b := range bodies {
		merged.Blocks = append(merged.Blocks, b.Blocks...)
	}
	last := bodies[len(bodies)-1]
	merged.SrcRange = hcl.Range{Filename: filename, Start: bodies[0].SrcRange.Start, End: last.SrcRange.End}
	merged.EndRange = last.EndRange
	return merged, true
}

// fastCuts returns where to cut src into pieces of at least batch bytes:
// after a line holding only "}", where a top-level block usually ends. A cut
// that falls inside a construct leaves a bracket open at the end of a
// piece, which the fast path then rejects (strings do not span lines, and
// heredocs and /* */ comments are outside its subset), so a wrong guess
// only costs the fallback, never a different result.
func fastCuts(src []byte, batch int) []cut {
	var cuts []cut
	line, counted := 1, 0
	for from := batch; from < len(src)-batch; {
		i := bytes.Index(src[from:], []byte("\n}\n"))
		if i < 0 {
			break
		}
		at := from + i + 3
		if len(src)-at < batch {
			break
		}
		line += bytes.Count(src[counted:at], []byte{'\n'})
		counted = at
		cuts = append(cuts, cut{byte: at, line: line})
		from = at + batch
	}
	return cuts
}

// fastParsePiece parses src[start.byte:end] as if it were the top-level
// body of the whole file (ranges are those of the whole file).
func fastParsePiece(src []byte, text, filename string, start cut, end int) (body *hclsyntax.Body, ok bool) {
	p := &fastParser{src: src[:end], text: text[:end], file: filename, pos: start.byte, line: start.line, lineStart: start.byte}
	defer func() {
		if r := recover(); r != nil {
			if _, isFallback := r.(fastFallback); !isFallback {
				panic(r)
			}
			body, ok = nil, false
		}
	}()
	return p.parseTopBody(), true
}

// fastFallback is the panic value that abandons the fast path: unwinding
// the recursive descent at once is simpler than threading an error.
type fastFallback struct{}

type fastParser struct {
	src       []byte
	text      string // src as a string: names and literals are substrings of it
	file      string
	pos       int // byte offset of the next byte
	line      int // line of pos
	lineStart int // byte offset where that line starts
	inQuote   int // depth of ${ } inside quoted strings: no newlines there

	// Nodes and slices are carved out of larger arrays: a 10,000-task file
	// makes about a million of them, and one allocation per node was most
	// of the parse time. The arrays live as long as the tree.
	lits      slab[hclsyntax.LiteralValueExpr]
	templates slab[hclsyntax.TemplateExpr]
	travs     slab[hclsyntax.ScopeTraversalExpr]
	tuples    slab[hclsyntax.TupleConsExpr]
	attrs     slab[hclsyntax.Attribute]
	blocks    slab[hclsyntax.Block]
	bodies    slab[hclsyntax.Body]
	exprLists sliceSlab[hclsyntax.Expression]
	travLists sliceSlab[hcl.Traverser]

	// Scratch stacks for the elements of the tuple, template or traversal
	// being parsed (nested ones push above their parent's).
	exprScratch []hclsyntax.Expression
	travScratch []hcl.Traverser
}

// slab hands out pointers to elements of arrays allocated 256 at a time.
type slab[T any] struct{ free []T }

func (s *slab[T]) new() *T {
	if len(s.free) == 0 {
		s.free = make([]T, 256)
	}
	n := &s.free[0]
	s.free = s.free[1:]
	return n
}

// sliceSlab copies short slices into arrays allocated 1024 elements at a
// time. Each copy has its length as capacity, so an append by a later
// user reallocates instead of overwriting a neighbour.
type sliceSlab[T any] struct{ free []T }

func (s *sliceSlab[T]) copy(src []T) []T {
	if len(src) == 0 {
		return nil
	}
	if len(src) > len(s.free) {
		s.free = make([]T, max(1024, len(src)))
	}
	out := s.free[:len(src):len(src)]
	copy(out, src)
	s.free = s.free[len(src):]
	return out
}

// exprsFrom moves the scratch expressions above mark into a slice of
// their own.
func (p *fastParser) exprsFrom(mark int) []hclsyntax.Expression {
	out := p.exprLists.copy(p.exprScratch[mark:])
	clear(p.exprScratch[mark:])
	p.exprScratch = p.exprScratch[:mark]
	return out
}

func (p *fastParser) lit(v cty.Value, r hcl.Range) *hclsyntax.LiteralValueExpr {
	l := p.lits.new()
	l.Val, l.SrcRange = v, r
	return l
}

func (p *fastParser) fail() { panic(fastFallback{}) }

func (p *fastParser) at() hcl.Pos {
	return hcl.Pos{Line: p.line, Column: p.pos - p.lineStart + 1, Byte: p.pos}
}

func (p *fastParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *fastParser) peekAt(i int) byte {
	if p.pos+i < len(p.src) {
		return p.src[p.pos+i]
	}
	return 0
}

func (p *fastParser) rng(start hcl.Pos) hcl.Range {
	return hcl.Range{Filename: p.file, Start: start, End: p.at()}
}

// oneByte consumes a one-byte token and returns its range.
func (p *fastParser) oneByte() hcl.Range {
	start := p.at()
	p.pos++
	return p.rng(start)
}

func (p *fastParser) newline() {
	p.pos++
	p.line++
	p.lineStart = p.pos
}

// skipSpaces skips blanks, where newlines are tokens.
func (p *fastParser) skipSpaces() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// skipBlank skips blanks, newlines and comments: inside brackets, where
// hclsyntax ignores newlines.
func (p *fastParser) skipBlank() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t':
			p.pos++
		case c == '\n' || c == '#' || (c == '/' && p.peekAt(1) == '/'):
			if p.inQuote > 0 {
				p.fail()
			}
			p.endOfLine()
		case c == '/' && p.peekAt(1) == '*':
			p.fail()
		default:
			return
		}
	}
}

// atEndOfLine reports whether the next token ends a line: a newline, a
// line comment (which hclsyntax turns into a newline) or the end of input.
func (p *fastParser) atEndOfLine() bool {
	c := p.peek()
	return p.pos >= len(p.src) || c == '\n' || c == '#' || (c == '/' && p.peekAt(1) == '/')
}

// endOfLine consumes a newline or a line comment with its newline.
func (p *fastParser) endOfLine() {
	if p.src[p.pos] != '\n' {
		b, ascii := p.pos, true
		for p.pos < len(p.src) && p.src[p.pos] != '\n' {
			ascii = ascii && p.src[p.pos] < 0x80
			p.pos++
		}
		if !ascii && (p.pos >= len(p.src) || !utf8.Valid(p.src[b:p.pos])) {
			// Other text in comments is fine: the newline ends the line,
			// so no column after it counts characters. Without one, the
			// end of file's column would.
			p.fail()
		}
		if p.pos >= len(p.src) {
			return
		}
	}
	p.newline()
}

func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || c == '-' || ('0' <= c && c <= '9')
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (p *fastParser) ident() (string, hcl.Range) {
	start := p.at()
	b := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	return p.text[b:p.pos], p.rng(start)
}

// skipBodyGap skips what separates body items: blanks, newlines and line
// comments.
func (p *fastParser) skipBodyGap() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t':
			p.pos++
		case p.atEndOfLine():
			p.endOfLine()
		default:
			return
		}
	}
}

func (p *fastParser) parseTopBody() *hclsyntax.Body {
	p.skipSpaces()
	start := p.at() // the first token, newline or comment included
	if p.pos < len(p.src) && p.src[p.pos] != '\n' && p.atEndOfLine() && bytes.IndexByte(p.src[p.pos:], '\n') < 0 {
		// A comment that ends the file without a newline is skipped, not
		// turned into a newline, so the body would start after it.
		p.fail()
	}
	body := p.parseBodyItems(false)
	end := p.at()
	body.SrcRange = hcl.Range{Filename: p.file, Start: start, End: end}
	body.EndRange = hcl.Range{Filename: p.file, Start: end, End: end}
	return body
}

// parseBodyItems parses attributes and blocks up to the end of input or,
// when nested, up to and including the closing brace.
func (p *fastParser) parseBodyItems(nested bool) *hclsyntax.Body {
	body := p.bodies.new()
	body.Attributes, body.Blocks = hclsyntax.Attributes{}, hclsyntax.Blocks{}
	for {
		p.skipBodyGap()
		if p.pos >= len(p.src) {
			if nested {
				p.fail()
			}
			return body
		}
		c := p.src[p.pos]
		if c == '}' && nested {
			return body
		}
		if !isIdentStart(c) {
			p.fail()
		}
		name, nameRange := p.ident()
		p.skipSpaces()
		switch c := p.peek(); {
		case c == '=' && p.peekAt(1) != '=':
			attr := p.parseAttribute(name, nameRange)
			if _, dup := body.Attributes[name]; dup {
				p.fail()
			}
			body.Attributes[name] = attr
		case c == '"' || c == '{' || isIdentStart(c):
			body.Blocks = append(body.Blocks, p.parseBlock(name, nameRange))
		default:
			p.fail()
		}
	}
}

func (p *fastParser) parseAttribute(name string, nameRange hcl.Range) *hclsyntax.Attribute {
	eq := p.oneByte()
	expr := p.parseExpr(false)
	p.skipSpaces()
	if !p.atEndOfLine() {
		p.fail()
	}
	if p.pos < len(p.src) {
		p.endOfLine()
	}
	a := p.attrs.new()
	*a = hclsyntax.Attribute{
		Name:        name,
		Expr:        expr,
		SrcRange:    hcl.Range{Filename: p.file, Start: nameRange.Start, End: expr.Range().End},
		NameRange:   nameRange,
		EqualsRange: eq,
	}
	return a
}

func (p *fastParser) parseBlock(typ string, typeRange hcl.Range) *hclsyntax.Block {
	var labels []string
	var labelRanges []hcl.Range
	for {
		p.skipSpaces()
		c := p.peek()
		if c == '{' {
			break
		}
		switch {
		case c == '"':
			label, r := p.parseQuotedLabel()
			labels = append(labels, label)
			labelRanges = append(labelRanges, r)
		case isIdentStart(c):
			label, r := p.ident()
			labels = append(labels, label)
			labelRanges = append(labelRanges, r)
		default:
			p.fail()
		}
	}
	open := p.oneByte()
	p.skipSpaces()
	if !p.atEndOfLine() && p.peek() != '}' {
		p.fail() // a one-line block { a = b }
	}
	body := p.parseBodyItems(true)
	closing := p.oneByte()
	body.SrcRange = hcl.Range{Filename: p.file, Start: open.Start, End: closing.End}
	body.EndRange = hcl.Range{Filename: p.file, Start: closing.End, End: closing.End}
	p.skipSpaces()
	if !p.atEndOfLine() {
		p.fail()
	}
	if p.pos < len(p.src) {
		p.endOfLine()
	}
	blk := p.blocks.new()
	*blk = hclsyntax.Block{
		Type:            typ,
		Labels:          labels,
		Body:            body,
		TypeRange:       typeRange,
		LabelRanges:     labelRanges,
		OpenBraceRange:  open,
		CloseBraceRange: closing,
	}
	return blk
}

// parseQuotedLabel parses a block label: a quoted string without template
// sequences.
func (p *fastParser) parseQuotedLabel() (string, hcl.Range) {
	start := p.at()
	p.pos++
	s, _ := p.stringLiteral()
	if p.peek() != '"' {
		p.fail()
	}
	p.pos++
	return s, p.rng(start)
}

// stringLiteral reads the literal text of a quoted string up to its
// closing quote or an interpolation, decoding escapes, and reports whether
// it read any byte.
func (p *fastParser) stringLiteral() (string, bool) {
	b := p.pos
	var sb *strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '"':
			return p.literalText(b, sb), p.pos > b
		case '\n':
			p.fail()
		case '$', '%':
			switch p.peekAt(1) {
			case '{', c:
				if c == '$' && p.peekAt(1) == '{' {
					return p.literalText(b, sb), p.pos > b
				}
				p.fail() // %{ directives, $${ and %%{ escapes
			}
			p.pos++
		case '\\':
			var esc byte
			switch p.peekAt(1) {
			case 'n':
				esc = '\n'
			case 't':
				esc = '\t'
			case 'r':
				esc = '\r'
			case '"':
				esc = '"'
			case '\\':
				esc = '\\'
			default:
				p.fail() // \u, \U and invalid escapes
			}
			if sb == nil {
				sb = &strings.Builder{}
				sb.Write(p.src[b:p.pos])
			}
			sb.WriteByte(esc)
			p.pos += 2
			continue
		default:
			if (c < ' ' && c != '\t') || c >= 0x80 {
				p.fail()
			}
			p.pos++
		}
		if sb != nil {
			sb.WriteByte(c)
		}
	}
	p.fail()
	return "", false
}

func (p *fastParser) literalText(b int, sb *strings.Builder) string {
	if sb != nil {
		return sb.String()
	}
	return p.text[b:p.pos]
}

// parseExpr parses an expression; inBrackets says newlines are ignored
// (inside a tuple, a call or an interpolation), else a newline ends it.
// Like hclsyntax: a conditional over binary operations, right-associative.
func (p *fastParser) parseExpr(inBrackets bool) hclsyntax.Expression {
	p.skip(inBrackets)
	start := p.at()
	cond := p.parseBinary(0, inBrackets)
	p.skip(inBrackets)
	if p.peek() != '?' {
		return cond
	}
	p.pos++
	t := p.parseExpr(inBrackets)
	p.skip(inBrackets)
	if p.peek() != ':' {
		p.fail()
	}
	p.pos++
	f := p.parseExpr(inBrackets)
	return &hclsyntax.ConditionalExpr{
		Condition:   cond,
		TrueResult:  t,
		FalseResult: f,
		SrcRange:    hcl.Range{Filename: p.file, Start: start, End: f.Range().End},
	}
}

// binaryLevels are hclsyntax's operator precedence groups, loosest first.
var binaryLevels = [][]*hclsyntax.Operation{
	{hclsyntax.OpLogicalOr},
	{hclsyntax.OpLogicalAnd},
	{hclsyntax.OpEqual, hclsyntax.OpNotEqual},
	{hclsyntax.OpGreaterThan, hclsyntax.OpGreaterThanOrEqual, hclsyntax.OpLessThan, hclsyntax.OpLessThanOrEqual},
	{hclsyntax.OpAdd, hclsyntax.OpSubtract},
	{hclsyntax.OpMultiply, hclsyntax.OpDivide, hclsyntax.OpModulo},
}

// parseBinary parses operations of precedence level and tighter; operators
// of one level combine left to right.
func (p *fastParser) parseBinary(level int, inBrackets bool) hclsyntax.Expression {
	if level == len(binaryLevels) {
		return p.parseOperand(inBrackets)
	}
	lhs := p.parseBinary(level+1, inBrackets)
	var op *hclsyntax.Operation
	var rhs hclsyntax.Expression
	for {
		p.skip(inBrackets)
		next, size := p.binaryOp()
		if next == nil || !slices.Contains(binaryLevels[level], next) {
			break
		}
		if op != nil {
			lhs = &hclsyntax.BinaryOpExpr{LHS: lhs, Op: op, RHS: rhs, SrcRange: hcl.Range{Filename: p.file, Start: lhs.Range().Start, End: rhs.Range().End}}
		}
		op = next
		p.pos += size
		rhs = p.parseBinary(level+1, inBrackets)
	}
	if op == nil {
		return lhs
	}
	return &hclsyntax.BinaryOpExpr{LHS: lhs, Op: op, RHS: rhs, SrcRange: hcl.Range{Filename: p.file, Start: lhs.Range().Start, End: rhs.Range().End}}
}

// binaryOp returns the binary operator token at the current position and
// its length, or nil. Tokens that only look like operators (comments, a
// heredoc, **) fail.
func (p *fastParser) binaryOp() (*hclsyntax.Operation, int) {
	c, d := p.peek(), p.peekAt(1)
	switch c {
	case '|':
		if d == '|' {
			return hclsyntax.OpLogicalOr, 2
		}
	case '&':
		if d == '&' {
			return hclsyntax.OpLogicalAnd, 2
		}
	case '=':
		if d == '=' {
			return hclsyntax.OpEqual, 2
		}
	case '!':
		if d == '=' {
			return hclsyntax.OpNotEqual, 2
		}
	case '>':
		if d == '=' {
			return hclsyntax.OpGreaterThanOrEqual, 2
		}
		return hclsyntax.OpGreaterThan, 1
	case '<':
		switch d {
		case '=':
			return hclsyntax.OpLessThanOrEqual, 2
		case '<':
			p.fail()
		}
		return hclsyntax.OpLessThan, 1
	case '+':
		return hclsyntax.OpAdd, 1
	case '-':
		return hclsyntax.OpSubtract, 1
	case '*':
		if d == '*' {
			p.fail()
		}
		return hclsyntax.OpMultiply, 1
	case '/':
		if d == '/' || d == '*' {
			return nil, 0 // a comment
		}
		return hclsyntax.OpDivide, 1
	case '%':
		if d == '{' {
			p.fail()
		}
		return hclsyntax.OpModulo, 1
	}
	return nil, 0
}

// parseOperand parses a term and the traversal steps after it.
func (p *fastParser) parseOperand(inBrackets bool) hclsyntax.Expression {
	p.skip(inBrackets)
	expr := p.parseTerm(inBrackets)
	trav, isTrav := expr.(*hclsyntax.ScopeTraversalExpr)
	if !isTrav {
		p.skip(inBrackets)
		if p.peek() == '.' {
			p.fail() // a traversal from a non-variable
		}
		return expr
	}
	// parseTerm pushed the root step; attribute steps follow it.
	mark := len(p.travScratch) - 1
	for {
		p.skip(inBrackets)
		if p.peek() != '.' {
			break
		}
		dot := p.at()
		p.pos++
		p.skip(inBrackets)
		if !isIdentStart(p.peek()) {
			p.fail() // .0, .*, or an error
		}
		name, r := p.ident()
		step := hcl.Range{Filename: p.file, Start: dot, End: r.End}
		p.travScratch = append(p.travScratch, hcl.TraverseAttr{Name: name, SrcRange: step})
		trav.SrcRange.End = r.End
	}
	trav.Traversal = p.travLists.copy(p.travScratch[mark:])
	clear(p.travScratch[mark:])
	p.travScratch = p.travScratch[:mark]
	return expr
}

func (p *fastParser) skip(inBrackets bool) {
	if inBrackets {
		p.skipBlank()
	} else {
		p.skipSpaces()
	}
}

func (p *fastParser) parseTerm(inBrackets bool) hclsyntax.Expression {
	c := p.peek()
	switch {
	case isDigit(c):
		return p.parseNumber()
	case isIdentStart(c):
		name, r := p.ident()
		p.skip(inBrackets)
		if c := p.peek(); c == '(' {
			return p.parseCall(name, r)
		} else if c == ':' && p.peekAt(1) == ':' {
			p.fail() // namespaced function
		}
		switch name {
		case "true":
			return p.lit(cty.True, r)
		case "false":
			return p.lit(cty.False, r)
		case "null":
			return p.lit(cty.NullVal(cty.DynamicPseudoType), r)
		}
		// parseOperand collects the steps and sets Traversal.
		p.travScratch = append(p.travScratch, hcl.TraverseRoot{Name: name, SrcRange: r})
		t := p.travs.new()
		t.SrcRange = r
		return t
	case c == '-' || c == '!':
		op := hclsyntax.OpNegate
		if c == '!' {
			op = hclsyntax.OpLogicalNot
		}
		symbol := p.oneByte()
		operand := p.parseOperand(inBrackets)
		return &hclsyntax.UnaryOpExpr{
			Op:          op,
			Val:         operand,
			SrcRange:    hcl.Range{Filename: p.file, Start: symbol.Start, End: operand.Range().End},
			SymbolRange: symbol,
		}
	case c == '(':
		open := p.oneByte()
		inner := p.parseExpr(true)
		p.skipBlank()
		if p.peek() != ')' {
			p.fail()
		}
		closing := p.oneByte()
		return &hclsyntax.ParenthesesExpr{Expression: inner, SrcRange: hcl.Range{Filename: p.file, Start: open.Start, End: closing.End}}
	case c == '"':
		return p.parseTemplate()
	case c == '<' && p.peekAt(1) == '<':
		return p.parseHeredoc()
	case c == '[':
		return p.parseTuple()
	case c == '{':
		return p.parseObject()
	}
	p.fail()
	return nil
}

// parseCall parses a function call's arguments; the name is read and the
// next byte is its open parenthesis.
func (p *fastParser) parseCall(name string, nameRange hcl.Range) hclsyntax.Expression {
	open := p.oneByte()
	mark := len(p.exprScratch)
	for {
		p.skipBlank()
		if p.peek() == ')' {
			break
		}
		p.exprScratch = append(p.exprScratch, p.parseExpr(true))
		p.skipBlank()
		if p.peek() == ')' {
			break
		}
		if p.peek() != ',' {
			p.fail() // an expanded final argument (...), or an error
		}
		p.pos++
	}
	closing := p.oneByte()
	return &hclsyntax.FunctionCallExpr{
		Name:            name,
		Args:            p.exprsFrom(mark),
		NameRange:       nameRange,
		OpenParenRange:  open,
		CloseParenRange: closing,
	}
}

func (p *fastParser) parseNumber() hclsyntax.Expression {
	start := p.at()
	b := p.pos
	digits := func() {
		if !isDigit(p.peek()) {
			p.fail()
		}
		for isDigit(p.peek()) {
			p.pos++
		}
	}
	digits()
	if p.peek() == '.' && isDigit(p.peekAt(1)) {
		p.pos++
		digits()
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		digits()
	}
	if c := p.peek(); isIdentStart(c) || isDigit(c) || c == '.' {
		p.fail()
	}
	v, err := cty.ParseNumberVal(p.text[b:p.pos])
	if err != nil {
		p.fail()
	}
	return p.lit(v, p.rng(start))
}

func (p *fastParser) parseTemplate() hclsyntax.Expression {
	open := p.oneByte()
	mark := len(p.exprScratch)
	interps := 0
	for {
		start := p.at()
		s, read := p.stringLiteral()
		if read {
			p.exprScratch = append(p.exprScratch, p.lit(cty.StringVal(s), p.rng(start)))
		}
		if p.peek() == '"' {
			break
		}
		// ${ interpolation
		p.pos += 2
		if p.peek() == '~' {
			p.fail()
		}
		p.inQuote++
		expr := p.parseExpr(true)
		p.skipBlank()
		p.inQuote--
		if p.peek() != '}' {
			p.fail()
		}
		p.pos++
		p.exprScratch = append(p.exprScratch, expr)
		interps++
	}
	p.pos++
	r := hcl.Range{Filename: p.file, Start: open.Start, End: p.at()}
	if len(p.exprScratch) == mark {
		end := p.at()
		p.exprScratch = append(p.exprScratch, p.lit(cty.StringVal(""), hcl.Range{Filename: p.file, Start: end, End: end}))
	}
	if len(p.exprScratch) == mark+1 && interps == 1 {
		wrapped := p.exprScratch[mark]
		p.exprsFrom(mark)
		return &hclsyntax.TemplateWrapExpr{Wrapped: wrapped, SrcRange: r}
	}
	t := p.templates.new()
	t.Parts, t.SrcRange = p.exprsFrom(mark), r
	return t
}

// heredocToken is a piece of a heredoc: a literal (expr nil) or an
// interpolation.
type heredocToken struct {
	val  string
	rng  hcl.Range
	expr hclsyntax.Expression
}

// parseHeredoc parses <<MARKER or <<-MARKER up to its closing marker line,
// following hclsyntax: one literal per line piece (backslashes are plain
// text), the common indentation removed for <<-, adjacent literals joined.
func (p *fastParser) parseHeredoc() hclsyntax.Expression {
	openStart := p.at()
	p.pos += 2
	flush := p.peek() == '-'
	if flush {
		p.pos++
	}
	if !isIdentStart(p.peek()) {
		p.fail()
	}
	b := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	marker := p.text[b:p.pos]
	if p.peek() != '\n' {
		p.fail()
	}
	p.newline()
	open := hcl.Range{Filename: p.file, Start: openStart, End: p.at()} // the token holds the newline
	var toks []heredocToken
	var closing hcl.Range
	startOfLine := true
	for {
		if p.pos >= len(p.src) {
			p.fail()
		}
		if startOfLine {
			e := bytes.IndexByte(p.src[p.pos:], '\n')
			if e < 0 {
				p.fail() // the closing marker needs its newline
			}
			if strings.Trim(p.text[p.pos:p.pos+e], " \t") == marker {
				start := p.at()
				p.pos += e
				closing = p.rng(start)
				break
			}
		}
		start, b := p.at(), p.pos
		startOfLine = false
		var end hcl.Pos
	Literal:
		for {
			if p.pos >= len(p.src) {
				p.fail()
			}
			c := p.src[p.pos]
			switch {
			case c == '\n':
				p.newline()
				startOfLine = true
				end = p.at()
				break Literal
			case (c == '$' || c == '%') && p.peekAt(1) == '{':
				if c == '%' {
					p.fail() // a directive
				}
				end = p.at()
				break Literal
			case (c == '$' || c == '%') && (p.peekAt(1) == c || p.peekAt(1) == '\n'):
				p.fail() // $${, %%{ escapes; a sign at the end of a line
			case (c < ' ' && c != '\t') || c >= 0x80:
				p.fail()
			}
			p.pos++
		}
		if p.pos > b {
			toks = append(toks, heredocToken{val: p.text[b:p.pos], rng: hcl.Range{Filename: p.file, Start: start, End: end}})
		}
		if startOfLine {
			continue
		}
		p.pos += 2 // ${
		if p.peek() == '~' {
			p.fail()
		}
		p.inQuote++
		expr := p.parseExpr(true)
		p.skipBlank()
		p.inQuote--
		if p.peek() != '}' || p.peekAt(1) == '~' {
			p.fail()
		}
		p.pos++
		toks = append(toks, heredocToken{expr: expr})
	}
	if flush {
		flushHeredoc(toks)
	}
	// Join adjacent literals, as hclsyntax does.
	mark := len(p.exprScratch)
	interps := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.expr != nil {
			p.exprScratch = append(p.exprScratch, t.expr)
			interps++
			continue
		}
		for i+1 < len(toks) && toks[i+1].expr == nil {
			i++
			t.val += toks[i].val
			t.rng.End = toks[i].rng.End
		}
		p.exprScratch = append(p.exprScratch, p.lit(cty.StringVal(t.val), t.rng))
	}
	r := hcl.Range{Filename: p.file, Start: open.Start, End: closing.End}
	if len(p.exprScratch) == mark {
		p.exprScratch = append(p.exprScratch, p.lit(cty.StringVal(""), hcl.Range{Filename: p.file, Start: closing.End, End: closing.End}))
	}
	if len(p.exprScratch) == mark+1 && interps == 1 {
		wrapped := p.exprScratch[mark]
		p.exprsFrom(mark)
		return &hclsyntax.TemplateWrapExpr{Wrapped: wrapped, SrcRange: r}
	}
	t := p.templates.new()
	t.Parts, t.SrcRange = p.exprsFrom(mark), r
	return t
}

// flushHeredoc removes from the literals that start a line the
// indentation common to all lines, as hclsyntax does for <<- heredocs: a
// line starting with an interpolation has none, a blank line does not
// count. Input is ASCII, so a space is one character.
func flushHeredoc(toks []heredocToken) {
	minSpaces := -1
	var adjust []int
	newline := true
	for i, t := range toks {
		if newline {
			newline = false
			spaces := 0
			if t.expr == nil {
				trimmed := strings.TrimLeft(t.val, " \t\n")
				if len(trimmed) == 0 && strings.HasSuffix(t.val, "\n") {
					spaces = -1
				} else {
					spaces = len(t.val) - len(trimmed)
					adjust = append(adjust, i)
				}
			}
			if spaces >= 0 && (minSpaces < 0 || spaces < minSpaces) {
				minSpaces = spaces
			}
		}
		if t.expr == nil && strings.HasSuffix(t.val, "\n") {
			newline = true
		}
	}
	if minSpaces <= 0 {
		return
	}
	for _, i := range adjust {
		toks[i].val = toks[i].val[minSpaces:]
		toks[i].rng.Start.Column += minSpaces
		toks[i].rng.Start.Byte += minSpaces
	}
}

func (p *fastParser) parseTuple() hclsyntax.Expression {
	open := p.oneByte()
	mark := len(p.exprScratch)
	p.skipBlank()
	if p.isForKeyword() {
		p.fail()
	}
	for {
		p.skipBlank()
		if p.peek() == ']' {
			break
		}
		p.exprScratch = append(p.exprScratch, p.parseExpr(true))
		p.skipBlank()
		if p.peek() == ']' {
			break
		}
		if p.peek() != ',' {
			p.fail()
		}
		p.pos++
	}
	closing := p.oneByte()
	t := p.tuples.new()
	*t = hclsyntax.TupleConsExpr{
		Exprs:     p.exprsFrom(mark),
		SrcRange:  hcl.Range{Filename: p.file, Start: open.Start, End: closing.End},
		OpenRange: open,
	}
	return t
}

// isForKeyword reports whether a for expression starts here.
func (p *fastParser) isForKeyword() bool {
	return strings.HasPrefix(p.text[p.pos:], "for") &&
		!isIdentByte(p.peekAt(3))
}

func (p *fastParser) parseObject() hclsyntax.Expression {
	if p.inQuote > 0 {
		p.fail() // newlines are items separators here
	}
	open := p.oneByte()
	save, saveLine, saveStart := p.pos, p.line, p.lineStart
	p.skipBlank()
	if p.isForKeyword() {
		p.fail()
	}
	p.pos, p.line, p.lineStart = save, saveLine, saveStart
	var items []hclsyntax.ObjectConsItem
	for {
		p.skipBodyGap()
		if p.peek() == '}' {
			break
		}
		if p.peek() == '(' {
			p.fail()
		}
		key := p.parseExpr(false)
		p.skipSpaces()
		if c := p.peek(); (c != '=' || p.peekAt(1) == '=') && c != ':' {
			p.fail()
		}
		p.pos++
		value := p.parseExpr(false)
		items = append(items, hclsyntax.ObjectConsItem{
			KeyExpr:   &hclsyntax.ObjectConsKeyExpr{Wrapped: key},
			ValueExpr: value,
		})
		p.skipSpaces()
		switch c := p.peek(); {
		case c == '}':
		case c == ',':
			p.pos++
		case p.atEndOfLine() && p.pos < len(p.src):
			p.endOfLine()
		default:
			p.fail()
		}
	}
	closing := p.oneByte()
	return &hclsyntax.ObjectConsExpr{
		Items:     items,
		SrcRange:  hcl.Range{Filename: p.file, Start: open.Start, End: closing.End},
		OpenRange: open,
	}
}
