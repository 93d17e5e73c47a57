package parser

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// TestExpansionMatchesInstances holds the static expansion of every
// example's template to the instances the parser produced when it expanded
// for_each itself: parser/testdata/instances was taken from the IR goldens
// of that parser and is never rewritten by -update.
func TestExpansionMatchesInstances(t *testing.T) {
	files := globRel(t, "testdata/*.dag.hcl")
	for _, rel := range files {
		name := strings.TrimSuffix(filepath.Base(rel), FileSuffix)
		t.Run(name, func(t *testing.T) {
			p := New()
			pipe, diags := p.ParseFile(rel, readRepoFile(t, rel), Options{})
			if diags.HasErrors() {
				t.Fatalf("diagnostics: %v", diags)
			}
			for _, tk := range pipe.Tasks {
				if tk.IsDynamic() {
					// The parser that expanded for_each itself refused
					// run-time fan-out: there is nothing to compare.
					t.Skipf("task %q fans out at run time", tk.Name)
				}
			}
			if false {
				t.Fatalf("diagnostics: %v", diags)
			}
			type task struct {
				Name      string
				Instances []*ir.Instance
			}
			var got []task
			for _, tk := range pipe.Tasks {
				got = append(got, task{tk.Name, tk.Instances()})
			}
			data, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatal(err)
			}
			gotJSON, _ := json.MarshalIndent(compactRanges(v), "", "  ")
			want := readRepoFile(t, "parser/testdata/instances/"+name+".json")
			var wv any
			if err := json.Unmarshal(want, &wv); err != nil {
				t.Fatal(err)
			}
			wantJSON, _ := json.MarshalIndent(wv, "", "  ")
			if !bytes.Equal(gotJSON, wantJSON) {
				t.Errorf("expansion differs from the instances the parser used to produce:\ngot:\n%s\nwant:\n%s", gotJSON, wantJSON)
			}
		})
	}
}

// TestTemplateHoldsReferences: bare each references stay references in the
// one template, other expressions over each become derived per-item values
// (shared when two give the same texts), and the items carry only data.
func TestTemplateHoldsReferences(t *testing.T) {
	pipe := parse(t, `
variable "m" {
  default = { a = { n = 1, s = "x" }, b = { n = 2, s = "y" } }
}
task "f" {
  for_each = var.m
  command  = ["run", each.key, each.value.s, "--n=${each.value.n}", upper(each.key), "${upper(each.key)}!", "same-${length(each.key)}"]
  env      = { K = each.key, U = upper(each.key) }
  image    = "img:${each.key}"
  workdir  = "w/${each.value.s}"
}`, Options{})
	tk := pipe.Task("f")
	kinds := func(s ir.Str) string {
		var b strings.Builder
		for _, p := range s.Parts {
			if p.Ref == nil {
				b.WriteString("'" + p.Lit + "'")
			} else {
				b.WriteString("<" + p.Ref.String() + ">")
			}
		}
		return b.String()
	}
	var got []string
	tk.Run.Strs(func(s ir.Str) { got = append(got, kinds(s)) })
	want := []string{"'run'", "<each.key>", "<each.value.s>", "'--n='<each.value.n>", "<upper(each.key)>", "<upper(each.key)>'!'", "'same-1'",
		"<each.key>", "<upper(each.key)>", "'img:'<each.key>", "'w/'<each.value.s>"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("template\n got %s\nwant %s", strings.Join(got, " "), strings.Join(want, " "))
	}
	if f := tk.ForEach; len(f.Exprs) != 1 || len(f.Items) != 2 || f.Items[1].Exprs[0] != "B" || f.Items[0].Fields["s"] != "x" {
		t.Errorf("for_each = %+v", f)
	}
	in := tk.Instances()[1]
	if got := strings.Join(argv(in), " "); got != "run b y --n=2 B B! same-1" || in.Image != "img:b" || in.Workdir != "w/y" {
		t.Errorf("instance b: %q image %q workdir %q", got, in.Image, in.Workdir)
	}
}

// TestTemplateShapeDiagnostics: what would differ in shape between items
// is reported at the expression.
func TestTemplateShapeDiagnostics(t *testing.T) {
	for name, c := range map[string]struct{ attr, summary string }{
		"command length":  {`command = split(",", each.value)`, "Length of command depends on each"},
		"shell length":    {"script = \"x\"\n  shell = split(\",\", each.value)", "Length of shell depends on each"},
		"env name":        {"command = [\"x\"]\n  env = { (each.key) = \"v\" }", "Environment variable name depends on each"},
		"env names":       {"command = [\"x\"]\n  env = { for k in split(\",\", each.value) : k => k }", "Environment variable names depend on each"},
		"run-time inside": {`command = ["x", "${upper(each.value)}${param.p}", format("%s", each.value, param.p)]`, "Run-time reference inside an expression"},
	} {
		t.Run(name, func(t *testing.T) {
			src := "param \"p\" {}\ntask \"f\" {\n  for_each = { a = \"A,B\", b = \"C\" }\n  " + c.attr + "\n}\n"
			diags := parseErr(t, src, Options{})
			found := false
			for _, d := range diags {
				if d.Summary == c.summary {
					found = true
					if d.Subject.Start.Line < 4 {
						t.Errorf("%s reported at %v, want the attribute's expression", c.summary, d.Subject)
					}
				}
			}
			if !found {
				t.Errorf("want %q, got %v", c.summary, diags)
			}
		})
	}
}
