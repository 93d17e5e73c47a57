package parser

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/bench/benchgen"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// checkFastParse parses src with fastParse and with hclsyntax and, when
// the fast path accepts it, requires the two ASTs to be deeply equal (every
// node, value and range, unexported fields included). It reports whether
// the fast path accepted src.
func checkFastParse(t *testing.T, name string, src []byte) bool {
	t.Helper()
	fast, ok := fastParse(src, name)
	if !ok {
		return false
	}
	old := splitBatch
	defer func() { splitBatch = old }()
	for _, batch := range []int{1, 64} {
		splitBatch = batch
		if len(fastCuts(src, batch)) == 0 {
			continue
		}
		cutFast, cutOK := fastParse(src, name)
		if !cutOK {
			continue // a piece holds an attribute, or a cut fell inside a construct
		}
		if !reflect.DeepEqual(fast, cutFast) {
			t.Fatalf("%s: fast AST cut every %d bytes differs from the whole fast AST at %s", name, batch, firstDifference(reflect.ValueOf(cutFast), reflect.ValueOf(fast), "body"))
		}
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: fast path accepted input hclsyntax rejects: %s\n%q", name, diags.Error(), src)
	}
	slow := f.Body.(*hclsyntax.Body)
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s: fast AST differs from hclsyntax's at %s\ninput: %q", name, firstDifference(reflect.ValueOf(fast), reflect.ValueOf(slow), "body"), src)
	}
	return true
}

// firstDifference names the first path where a and b differ, for a
// readable failure.
func firstDifference(a, b reflect.Value, path string) string {
	if a.IsValid() != b.IsValid() {
		return path + " (one side missing)"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: type %s vs %s", path, a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() != b.IsNil() {
			return path + ": nil vs non-nil"
		}
		if a.IsNil() {
			return ""
		}
		return firstDifference(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if d := firstDifference(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Kind() == reflect.Slice && a.IsNil() != b.IsNil() {
			return path + ": nil vs empty slice"
		}
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := firstDifference(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d vs %d entries", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			if d := firstDifference(a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
		return ""
	}
	if a.CanInterface() && b.CanInterface() && !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%s: %v vs %v", path, a.Interface(), b.Interface())
	}
	if !a.CanInterface() && fmt.Sprint(a) != fmt.Sprint(b) {
		return fmt.Sprintf("%s: %v vs %v", path, a, b)
	}
	return ""
}

func fastParseCorpus(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for _, pattern := range []string{"../testdata/*.dag.hcl", "../testdata/errors/*.dag.hcl"} {
		m, _ := filepath.Glob(pattern)
		for _, f := range m {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			files[f] = src
		}
	}
	var gen bytes.Buffer
	if _, err := benchgen.Write(&gen, 300); err != nil {
		t.Fatal(err)
	}
	files["generated.dag.hcl"] = gen.Bytes()
	for i, s := range fastParseSnippets {
		files[fmt.Sprintf("snippet%d.dag.hcl", i)] = []byte(s)
	}
	return files
}

// fastParseSnippets exercise the edges of the fast path's subset; each is
// either accepted with an identical AST or left to hclsyntax.
var fastParseSnippets = []string{
	"",
	"\n\n",
	"# only a comment",
	"# only a comment\n",
	"  \t// c\na = 1\n",
	"a = 1",
	"a = 1 # trailing\nb = 2 // trailing\n",
	"a = \"\"\nb = \"x\\n\\t\\\"\\\\y\"\nc = \"$x %y 100%\"\n",
	"a = \"${b}\"\nc = \"x${d.e.f}y${g}\"\nh = \"${ i . j }\"\n",
	"a = \"$${b}\"\nc = \"%%{d}\"\ne = \"%{if f}g%{endif}\"\n",
	"a = \"${~b~}\"\n",
	"a = [1, 2.5, 3e4, 1.5E-3, true, false, null,]\nb = []\nc = [\n  x, # c\n  y // d\n  ,\n]\n",
	"a = {}\nb = { c = 1, \"d\" = 2, e: 3 }\nf = {\n  g = [1]\n  h = { i = j.k }\n}\n",
	"a = {for k, v in x : k => v}\nb = [for v in x : v]\n",
	"block {}\nblock \"l1\" l2 {\n  a = 1\n  inner {\n  }\n}\n",
	"block \"x\" { a = 1 }\n",
	"block \"\\\"q\\\"\" {\n}\n",
	"a = b[0]\nc = d.0\ne = f.*.g\nh = i[*]\n",
	"a = f(1)\nb = -1\nc = !d\ne = 1 + 2\nf = g ? h : i\ng = (j)\n",
	"a = <<EOT\nx\nEOT\n",
	"a = 1\na = 2\n",
	"a = 1 b = 2\n",
	"a = \"unterminated\n",
	"a = [1 2]\n",
	"a = 1.\nb = 1.2.3\nc = 1x\nd = 1..2\n",
	"a = x\n  .y\n",
	"a = [x\n  .y]\n",
	"a = \"\\u00e9\"\n",
	"a = \"é\"\n",
	"a = 1\r\n",
	"a = {\n  b = 1,\n  c = 2\n}\n",
	"a = { b = 1\n}\n",
	"task \"a\" {\n  x = 1\n}\ntask \"b\" {\n  y = [task.a]\n}",
	"a = \"${[b, c]}\"\nd = \"${{e = 1}}\"\n",
	"a = \"${\"b${c}\"}\"\n",
	"/* c */ a = 1\n",
	"a = 1 /* c */\n",
	"a = x-y\nb = x_y-z\n",
	"a = \"$\"\nb = \"%\"\nc = \"a$\"\n",
	"a = \"\\x\"\n",
	"a = \"\t\"\n",
	"a = [for]\nb = [forx]\nc = {for = 1}\n",
	"a == 1\n",
	"a = b::c(1)\n",
	"a = 01\nb = 0.50\n",
	"a = f()\nb = upper(\"x\", [2], g(h.i),)\nc = f(\n  1, # c\n  2\n)\n",
	"a = f(x...)\n",
	"a = -f(1)\nb = !true\nc = - 1.5\nd = -x.y\ne = [-1, !x]\n",
	"a = true(1)\nb = f (1)\nc = f(1).x\nd = f\n(1)\n",
	"a = \"${f(x)}-${-1}\"\n",
	"a = 1+2*3-4/5%6\nb = x || y && !z\nc = a == b != c\nd = a < b <= c > d >= e\ne = 1-2\nf = -1 - -2\n",
	"a = x ? y : z\nb = x ? y ? 1 : 2 : w ? 3 : 4\nc = [x\n  ? 1\n  : 2]\nd = \"${x ? \"a\" : \"b\"}\"\n",
	"a = x\n  ? 1 : 2\n",
	"a = x ? 1\nb = x ?\n1 : 2\n",
	"a = x ** 2\nb = x << 2\nc = x & y\nd = x | y\ne = x => y\nf = x // c\ng = x /* c */ + 1\n",
	"a = {\n  b = x + 1\n  c = y ? 1 : 2\n}\nd = f(x > 1, y)\n",
	"a = x % 2\nb = \"${x%2}\"\nc = x %{y}\n",
	"a = (1 + 2) * 3\nb = (\n  x\n  + y\n)\nc = !(x > 1)\nd = (x).y\ne = ((x))\n",
	"a = (x\nb = 1\n",
	"a = <<EOT\nx \\n \"q\"\n  y ${b.c} z\nEOT\nd = <<-EOT\n    p\n      q ${r}\n\n    ${s} t\n  EOT\n",
	"a = <<-EOT\n  ${b}\n    c\n  EOT\nd = <<-EOT\n\n   \n  EOT\ne = <<EOT\nEOT\nf = <<-X\n  EOT\n  X  \n",
	"a = [<<EOT\nx\nEOT\n, 1]\nb = f(<<-EOT\n  y\n  EOT\n)\nc = <<EOT\n${d}\nEOT\n",
	"a = <<EOT\n$${x} %%{y}\nEOT\nb = <<EOT\n%{if x}y%{endif}\nEOT\nc = <<EOT\nx$\ny%\nEOT\n",
	"a = <<EOT\nx\nEOT",
	"a = <<EOT\nx\n",
	"a = <<EOT x\nEOT\n",
	"a = <<-EOT\n\tx\n\t\ty\n\tEOT\n",
	"a = <<EOT\n  ${x}EOT\nEOT\n",
}

// TestFastParseMatchesHCL requires fastParse to build hclsyntax's exact
// AST for every test file, the generated benchmark file and the snippets
// above whenever it accepts them, and to accept the common files.
func TestFastParseMatchesHCL(t *testing.T) {
	accepted := 0
	files := fastParseCorpus(t)
	for name, src := range files {
		if checkFastParse(t, name, src) {
			accepted++
		}
	}
	t.Logf("fast path accepted %d of %d inputs", accepted, len(files))
	for _, must := range []string{"generated.dag.hcl", "../testdata/schedule.dag.hcl", "../testdata/triggers.dag.hcl", "../testdata/fanout.dag.hcl", "../testdata/conditions.dag.hcl", "../testdata/serial.dag.hcl", "../testdata/retries.dag.hcl"} {
		if _, ok := fastParse(files[must], must); !ok {
			t.Errorf("fast path rejects %s", must)
		}
	}
}

// TestFastParseSameResult parses every test file through the whole parser
// with and without the fast path and requires identical pipelines and
// diagnostics.
func TestFastParseSameResult(t *testing.T) {
	for name, src := range fastParseCorpus(t) {
		render := func(fast bool) string {
			old := useFastParse
			defer func() { useFastParse = old }()
			useFastParse = fast
			whole, _, _ := parseBoth(t, name, src, 1<<40)
			return whole
		}
		if a, b := render(true), render(false); a != b {
			t.Fatalf("%s: result differs with the fast path\nfast: %.400s\nhcl:  %.400s", name, a, b)
		}
	}
}

func FuzzFastParse(f *testing.F) {
	for _, src := range fastParseCorpus(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkFastParse(t, "fuzz.dag.hcl", src)
	})
}

// TestBodyContentMatchesHCL requires bodyContent to give what
// hclsyntax's Body.Content gives for every block body of the corpus.
func TestBodyContentMatchesHCL(t *testing.T) {
	schemas := []*hcl.BodySchema{taskSchema, retrySchema, resourcesSchema, pipelineSchema, paramSchema, variableSchema,
		{Attributes: []hcl.AttributeSchema{{Name: "command", Required: true}}, Blocks: []hcl.BlockHeaderSchema{{Type: "retry", LabelNames: []string{"x"}}}}}
	fast := 0
	for name, src := range fastParseCorpus(t) {
		f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			continue
		}
		var walk func(b *hclsyntax.Body)
		walk = func(b *hclsyntax.Body) {
			for _, blk := range b.Blocks {
				for _, s := range schemas {
					got, gotDiags := bodyContent(blk.Body, s)
					want, wantDiags := blk.Body.Content(s)
					// Content reports unknown attributes in map order, so
					// diagnostics are compared as sorted lists.
					if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(sortedErrors(gotDiags), sortedErrors(wantDiags)) {
						t.Fatalf("%s: block at %s: bodyContent differs from Content at %s; diags %v vs %v", name, blk.DefRange(), firstDifference(reflect.ValueOf(got), reflect.ValueOf(want), "content"), gotDiags, wantDiags)
					}
					if wantDiags == nil {
						fast++
					}
				}
				walk(blk.Body)
			}
		}
		walk(f.Body.(*hclsyntax.Body))
	}
	if fast == 0 {
		t.Fatal("no body took the fast path")
	}
}

func sortedErrors(ds hcl.Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Error())
	}
	sort.Strings(out)
	return out
}

// TestParallelCompileDeterministic compiles a large file with errors in
// many tasks on one and on several cores and requires the same pipeline and
// diagnostics, in the same order.
func TestParallelCompileDeterministic(t *testing.T) {
	var src bytes.Buffer
	if _, err := benchgen.Write(&src, 1500); err != nil {
		t.Fatal(err)
	}
	text := src.String()
	// Break every 7th and every 11th task in different ways.
	var b bytes.Buffer
	for i, part := range bytes.Split([]byte(text), []byte("task \"")) {
		if i > 0 {
			b.WriteString("task \"")
		}
		switch {
		case i%7 == 0:
			part = bytes.Replace(part, []byte("param.dataset"), []byte("param.datset"), 1)
		case i%11 == 0:
			part = bytes.Replace(part, []byte("outputs    ="), []byte("outptus    ="), 1)
		}
		b.Write(part)
	}
	render := func(procs int) string {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		whole, _, _ := parseBoth(t, "broken.dag.hcl", b.Bytes(), 1<<40)
		return whole
	}
	one := render(1)
	if !strings.Contains(one, "param.datset") && !strings.Contains(one, "datset") {
		t.Fatal("the broken file produced no diagnostics; the test proves nothing")
	}
	for _, procs := range []int{2, 4} {
		if got := render(procs); got != one {
			t.Fatalf("result on %d cores differs from one core", procs)
		}
	}
}
