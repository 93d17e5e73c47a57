package parser

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// formatInputs are every pipeline file of the repository plus the
// variable files, including those with errors.
func formatInputs(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, pattern := range []string{"testdata/*.hcl", "testdata/*/*.hcl", "parser/testdata/*.hcl", "parser/testdata/*/*.hcl"} {
		matches, _ := filepath.Glob(filepath.Join("..", pattern))
		for _, m := range matches {
			src, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			files[m] = src
		}
	}
	if len(files) == 0 {
		t.Fatal("no HCL files found under testdata/")
	}
	return files
}

// significantTokens lists what a parser sees of src, ignoring layout:
// formatting may move whitespace but must leave this list unchanged.
func significantTokens(src []byte) []string {
	toks, _ := hclsyntax.LexConfig(src, "x", hcl.InitialPos)
	var out []string
	for _, tok := range toks {
		text := string(tok.Bytes)
		switch tok.Type {
		case hclsyntax.TokenComment:
			text = strings.TrimSpace(text)
		case hclsyntax.TokenNewline, hclsyntax.TokenEOF:
			continue // blank lines at the end may go; newlines inside are checked by the parse below
		}
		out = append(out, tok.Type.String()+" "+text)
	}
	return out
}

func checkFormat(t *testing.T, name string, src []byte) {
	t.Helper()
	// Broken input is never formatted by FormatFile, so nothing is promised.
	if _, d := hclsyntax.ParseConfig(src, name, hcl.InitialPos); d.HasErrors() {
		return
	}
	once := Format(src)
	twice := Format(once)
	if !bytes.Equal(once, twice) {
		t.Errorf("%s: Format is not idempotent:\n%s", name, lineDiffForTest(string(once), string(twice)))
	}
	if _, d := hclsyntax.ParseConfig(once, name, hcl.InitialPos); d.HasErrors() {
		t.Fatalf("%s: formatted text no longer parses: %v\n%s", name, d, once)
	}
	a, b := significantTokens(src), significantTokens(once)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("%s: Format changed more than layout:\n%s", name, lineDiffForTest(strings.Join(a, "\n"), strings.Join(b, "\n")))
	}
}

func lineDiffForTest(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out.WriteString("- " + x + "\n+ " + y + "\n")
		}
	}
	return out.String()
}

func TestFormatTestdataIdempotent(t *testing.T) {
	for name, src := range formatInputs(t) {
		checkFormat(t, name, src)
	}
}

func TestFormatCanonical(t *testing.T) {
	in := "task \"a\" {\ncommand=[\"x\"]\n    outputs    =   [\"y\"]   # why\n  script = <<-EOT\n      keep   this\n    EOT\n}\n\n\n"
	want := "task \"a\" {\n  command = [\"x\"]\n  outputs = [\"y\"] # why\n  script  = <<-EOT\n      keep   this\n    EOT\n}\n"
	if got := string(Format([]byte(in))); got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
	if got := Format([]byte("\n \n")); len(got) != 0 {
		t.Errorf("Format of blank text = %q, want empty", got)
	}
	if got := string(Format([]byte("locals { a = 1 }"))); got != "locals { a = 1 }\n" {
		t.Errorf("missing final newline not added: %q", got)
	}
	if got := string(Format([]byte("task \"a\" {\r\n  command = [\"x\"]\r\n}\r\n\r\n"))); got != "task \"a\" {\r\n  command = [\"x\"]\r\n}\r\n" {
		t.Errorf("CRLF file: %q", got)
	}
}

func TestFormatFileSyntaxError(t *testing.T) {
	p := New()
	out, ds := p.FormatFile("bad.dag.hcl", []byte("task \"a\" {\n  command = [\"x\"\n}\n"))
	if out != nil || !ds.HasErrors() {
		t.Fatalf("want a syntax error, got %q %v", out, ds)
	}
	if r := ds[0].Subject; r.Filename != "bad.dag.hcl" || r.Start.Line == 0 {
		t.Errorf("diagnostic without a position: %+v", ds[0])
	}
	var buf bytes.Buffer
	p.WriteDiagnostics(&buf, ds)
	if !strings.Contains(buf.String(), "bad.dag.hcl:") {
		t.Errorf("diagnostics lack file:line:col:\n%s", buf.String())
	}
}

func FuzzFormat(f *testing.F) {
	// Small files only: the fuzzer minimises every new input, which is slow
	// for large ones.
	for _, src := range formatInputs(f) {
		if len(src) <= 2048 {
			f.Add(src)
		}
	}
	f.Add([]byte("a = {\n  b = 1\n  # c\n  cc = [1,\n2]\n}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		checkFormat(t, "fuzz.hcl", src)
	})
}
