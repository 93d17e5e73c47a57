package graph

import (
	"bytes"
	"github.com/dagc-dev/dagc/internal/golden"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

func cmd(words ...string) []ir.Str {
	out := make([]ir.Str, len(words))
	for i, w := range words {
		out[i] = ir.Lit(w)
	}
	return out
}

func plain(name string, upstream ...string) *ir.Task {
	return &ir.Task{Name: name, Edges: ir.EdgesFrom(upstream...), Run: ir.Template{Command: cmd("run", name)}}
}

func ref(kind ir.RefKind, task, name string) *ir.Ref {
	return &ir.Ref{Kind: kind, Task: task, Name: name}
}

// mlTraining is DESIGN section 2's example, built by hand.
func mlTraining() *ir.Pipeline {
	train := &ir.Task{Name: "train", Edges: ir.EdgesFrom("process"), Outputs: []string{"accuracy"}, ForEach: &ir.ForEach{}}
	for i, m := range []string{"xgb", "rf", "lr"} {
		train.ForEach.Items = append(train.ForEach.Items, ir.Item{Key: string(rune('0' + i)), Value: m})
	}
	train.Run = ir.Template{Command: append(cmd("python", "train.py"), ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachValue}}}})}
	evaluate := plain("evaluate", "train")
	evaluate.Outputs = []string{"best", "score"}
	serve := plain("serve", "evaluate")
	serve.When = &ir.Cond{Op: ir.CondAnd, Args: []*ir.Cond{
		{Op: ir.CondCompare, Cmp: ir.Ge, Left: ir.Operand{Ref: ref(ir.RefOutput, "evaluate", "score")}, Right: ir.Operand{Lit: "0.9", LitKind: ir.LitNumber}},
		{Op: ir.CondCompare, Cmp: ir.Ne, Left: ir.Operand{Ref: ref(ir.RefParam, "", "dataset")}, Right: ir.Operand{Lit: "", LitKind: ir.LitString}},
	}}
	cleanup := plain("cleanup", "serve")
	cleanup.Trigger = ir.AllDone
	process := plain("process")
	process.Outputs = []string{"rows"}
	return &ir.Pipeline{
		Name:   "ml_training",
		Params: []*ir.Param{{Name: "dataset", Type: ir.ParamString}},
		Tasks:  []*ir.Task{cleanup, serve, evaluate, train, process},
	}
}

// fanIn has two for_each tasks feeding each other (cluster to cluster), a
// map-valued for_each and a one_failed handler.
func fanIn() *ir.Pipeline {
	shards := &ir.Task{Name: "shard", ForEach: ir.StringItems("eu", "us"), Run: ir.Template{Command: append(cmd("fetch"), ir.EachKey())}}
	merge := &ir.Task{Name: "merge", Edges: ir.EdgesFrom("shard"), Run: ir.Template{Command: cmd("merge")}, ForEach: &ir.ForEach{Items: []ir.Item{
		{Key: "daily", Value: `{"days":1,"label":"a very long value that the graph cuts short so nodes stay small"}`},
		{Key: "weekly", Value: `{"days":7}`},
	}}}
	alert := plain("alert", "merge", "shard")
	alert.Trigger = ir.OneFailed
	return &ir.Pipeline{Name: "fan_in", Tasks: []*ir.Task{alert, merge, shards}}
}

// hostile carries every character that could break out of a DOT or Mermaid
// label. INJECT marks user text so the tests can check where it lands.
func hostile() *ir.Pipeline {
	evil := []string{
		`INJECT"]; x -> y [label="`,
		"INJECT\\\"\\n\\l\\N line\nbreak\r\ttab",
		`INJECT</br><script>alert(1)</script>&amp;#quot;`,
		"INJECT`md` end; %% comment ]) ((x)) {y} |z|",
		"INJECT\xff\xfe bad utf8 \u2028 sep",
		"INJECT {{ jinja }} ${shell} $(cmd)",
	}
	fe := &ir.Task{Name: "end", ForEach: &ir.ForEach{}, Run: ir.Template{Command: cmd("x")}}
	for i, e := range evil {
		fe.ForEach.Items = append(fe.ForEach.Items, ir.Item{Key: e, Value: e + string(rune('a'+i))})
	}
	cond := plain("subgraph", "end")
	cond.Trigger = ir.AllFailed
	cond.When = &ir.Cond{Op: ir.CondOr, Args: []*ir.Cond{
		{Op: ir.CondCompare, Cmp: ir.Eq, Left: ir.Operand{Ref: ref(ir.RefRunID, "", "")}, Right: ir.Operand{Lit: evil[0], LitKind: ir.LitString}},
		{Op: ir.CondNot, Args: []*ir.Cond{{Op: ir.CondCompare, Cmp: ir.Lt, Left: ir.Operand{Ref: ref(ir.RefRunDate, "", "")}, Right: ir.Operand{Lit: evil[2], LitKind: ir.LitString}}}},
	}}
	return &ir.Pipeline{Name: `INJECT"pipe\`, Tasks: []*ir.Task{cond, fe, plain("graph"), plain("digraph", "graph")}}
}

func cases() map[string]*ir.Pipeline {
	return map[string]*ir.Pipeline{"ml_training": mlTraining(), "fan_in": fanIn(), "hostile": hostile()}
}

func TestGolden(t *testing.T) {
	want := map[string]bool{}
	for name, p := range cases() {
		ir.Normalize(p)
		ds := ir.Validate(p)
		if name != "hostile" && ds.HasErrors() {
			t.Fatalf("%s: %v", name, ds)
		}
		for _, f := range Formats {
			out, err := Render(p, f)
			if err != nil {
				t.Fatal(err)
			}
			file := name + ext(f)
			want[file] = true
			golden.Check(t, filepath.Join("testdata", file), out, "go test ./graph -update")
			again, _ := Render(p, f)
			if !bytes.Equal(out, again) {
				t.Errorf("%s: rendering is not deterministic", file)
			}
		}
	}
	checkOrphans(t, "testdata", want)
}

func ext(f Format) string {
	if f == Mermaid {
		return ".mmd"
	}
	return ".dot"
}

// checkOrphans fails for golden files no test produces.
func checkOrphans(t *testing.T, dir string, want map[string]bool) {
	t.Helper()
	golden.CheckOrphans(t, dir, want, "go test ./graph -update")
}

// dotQuoted matches a DOT quoted string: escapes, then anything but `"`.
var dotQuoted = regexp.MustCompile(`"(?:\\.|[^"\\])*"`)

// TestDOTEscaping checks the DOT text of the hostile pipeline: once every
// quoted string is cut out, no user text remains, and what remains is only
// DOT syntax; every label stays on one line.
func TestDOTEscaping(t *testing.T) {
	p := hostile()
	ir.Normalize(p)
	ir.Validate(p)
	out := string(RenderDOT(p))
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		rest := dotQuoted.ReplaceAllString(line, "Q")
		if strings.Contains(rest, "INJECT") || strings.Contains(rest, `"`) {
			t.Errorf("line %d: user text outside a quoted string: %s", i+1, line)
		}
		if !regexp.MustCompile(`^(digraph Q \{|  (rankdir=LR|compound=true|label=Q|labelloc=t);|  (node|edge) \[.*\];|  subgraph Q \{|    label=Q;|    style=Q;|\s+Q \[label=Q\];|  Q -> Q( \[[a-z=Q, ]+\])?;|\s*\})$`).MatchString(rest) {
			t.Errorf("line %d is not expected DOT: %q (from %q)", i+1, rest, line)
		}
	}
	for _, q := range dotQuoted.FindAllString(out, -1) {
		if strings.ContainsAny(q, "\n\r\u2028") {
			t.Errorf("raw line break in %s", q)
		}
	}
	// A user `\n` must stay two characters, not become a line break.
	if !strings.Contains(out, `\\n\\l\\N line\\nbreak\\r\\ttab`) {
		t.Errorf("backslashes and control characters not escaped as expected:\n%s", out)
	}
}

// mermaidLabelRE matches a quoted label; inside it no `"` may appear.
var mermaidLabelRE = regexp.MustCompile(`"[^"]*"`)

func TestMermaidEscaping(t *testing.T) {
	p := hostile()
	ir.Normalize(p)
	ir.Validate(p)
	out := string(RenderMermaid(p))
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		for _, label := range mermaidLabelRE.FindAllString(line, -1) {
			inner := label[1 : len(label)-1]
			inner = strings.ReplaceAll(inner, "<br>", "")
			inner = regexp.MustCompile(`#(quot|lt|gt|\d+);`).ReplaceAllString(inner, "")
			if strings.ContainsAny(inner, "<>`;#&\\") {
				t.Errorf("line %d: unescaped markup in label %s", i+1, label)
			}
		}
		rest := mermaidLabelRE.ReplaceAllString(line, "Q")
		if !regexp.MustCompile(`^(flowchart LR|  t\d+\[Q\]|  subgraph t\d+ \[Q\]|    t\d+_\d+\[Q\]|  end|  t\d+ -(->|\.->) t\d+)$`).MatchString(rest) {
			t.Errorf("line %d is not expected Mermaid: %q (from %q)", i+1, rest, line)
		}
	}
}

// TestDOTWithGraphviz feeds every rendering to Graphviz when it is
// installed, proving the files are accepted by the real parser.
func TestDOTWithGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz `dot` not installed; skipping the parse check (apt-get install graphviz)")
	}
	for name, p := range cases() {
		ir.Normalize(p)
		ir.Validate(p)
		c := exec.Command(dot, "-Tsvg")
		c.Stdin = bytes.NewReader(RenderDOT(p))
		var stderr bytes.Buffer
		c.Stderr = &stderr
		svg, err := c.Output()
		if err != nil || stderr.Len() > 0 {
			t.Errorf("%s: dot failed: %v\n%s", name, err, stderr.String())
			continue
		}
		// Each task and instance becomes one node in the SVG.
		nodes := 0
		for _, tk := range p.Tasks {
			nodes += max(1, tk.NumInstances())
			if tk.ForEach == nil {
				nodes -= tk.NumInstances() - 1
			}
		}
		if got := bytes.Count(svg, []byte(`class="node"`)); got != nodes {
			t.Errorf("%s: svg has %d nodes, want %d", name, got, nodes)
		}
	}
}

// TestExampleDOTWithGraphviz parses the example goldens with Graphviz.
func TestExampleDOTWithGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz `dot` not installed; skipping the parse check (apt-get install graphviz)")
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "examples", "*.dot"))
	if len(files) == 0 {
		t.Fatal("no example goldens")
	}
	for _, f := range files {
		var stderr bytes.Buffer
		c := exec.Command(dot, "-Tsvg", f)
		c.Stderr = &stderr
		if _, err := c.Output(); err != nil || stderr.Len() > 0 {
			t.Errorf("%s: dot failed: %v\n%s", f, err, stderr.String())
		}
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	if _, err := Render(mlTraining(), "svg"); err == nil {
		t.Fatal("want an error for an unknown format")
	}
}
