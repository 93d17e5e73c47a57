package argo

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dagc-dev/dagc/ir"
)

// hostile are strings that break naive YAML, shell or Argo templating.
var hostile = []string{
	"", "yes", "no", "on", "off", "~", "null", "Null", "1e3", "0x1F", "-", "*a", "&a", "#", "# c", "!tag",
	"a: b", "- x", "? k", "|", ">", "@x", "`x`", "%x", "'", "\"", `\`, `\n`, "'\"\\", "tab\there",
	"line1\nline2", "crlf\r\n", "trailing\n\n", "  lead", "trail  ", "\x00nul", "\x1b[31m", "\x7fdel", "\u0085nel",
	"\u2028sep", "\ufeffbom", "é ünï 💥", "{{", "}}", "{{x}}", "{{=1+1}}", "{{workflow.name}}", "{{inputs.parameters.x}}",
	"a{{b", "{{{", "{{{{", "{", "x{", "{x", "}}{{", "${HOME}", "$(id)", "; rm -rf /", "{{ item }}", "{{=sprig.env('X')}}",
}

func TestYAMLStrRoundTrip(t *testing.T) {
	for _, s := range hostile {
		var got string
		if err := yaml.Unmarshal([]byte("v: "+yamlStr(s)+"\n"), &struct{ V *string }{&got}); err != nil {
			t.Errorf("yamlStr(%q) = %s: %v", s, yamlStr(s), err)
			continue
		}
		if got != s {
			t.Errorf("yamlStr(%q) = %s reads back as %q", s, yamlStr(s), got)
		}
	}
}

// userBraces matches "{{" that is not the start of one of dagc's own tags.
var ownTag = regexp.MustCompile(`\{\{(workflow\.parameters\.[-A-Za-z0-9_]+|workflow\.name|workflow\.creationTimestamp\.[Ymd]|inputs\.parameters\.[-a-z0-9_A-Z]+|tasks\.[-a-z0-9]+\.outputs\.parameters\.[-A-Za-z0-9_]+|item\.[-a-z0-9]+|=[^{}]*)\}\}`)

// checkNoUserTemplate fails when a string of the manifest holds template
// syntax other than dagc's own tags that Argo would interpret. Container
// commands and environment may hold no other "{{" at all (dagc cuts user
// text there); elsewhere only text Argo writes back unchanged may remain.
func checkNoUserTemplate(t *testing.T, where, s string) {
	t.Helper()
	rest := ownTag.ReplaceAllString(s, "")
	strict := strings.Contains(where, ".container.") || where == "piece"
	if (strict && strings.Contains(rest, "{{")) || hazard(rest) {
		t.Errorf("%s: %q holds \"{{\" Argo would interpret", where, s)
	}
}

func TestHazard(t *testing.T) {
	for s, want := range map[string]bool{
		"": false, "plain": false, "{{ x }}": false, "{{{x}}}": false, "}}": false, "a}}b{": false,
		"{{": true, "a{{b": true, "{{=1}}": true, "{{workflow.name}}": true, "{{ inputs.parameters.x }}": true,
		"{{item}}": true, "{{ x }}{{tasks.a.outputs.result}}": true, "{{a{{workflow.name}}": true,
	} {
		if got := hazard(s); got != want {
			t.Errorf("hazard(%q) = %v, want %v", s, got, want)
		}
	}
}

// walkStrings calls f on every string value of a decoded YAML document.
func walkStrings(path string, v any, f func(path, s string)) {
	switch x := v.(type) {
	case string:
		f(path, x)
	case []any:
		for _, e := range x {
			walkStrings(path+"[]", e, f)
		}
	case map[string]any:
		for k, e := range x {
			f(path+"."+k+"(key)", k)
			walkStrings(path+"."+k, e, f)
		}
	}
}

func hostilePipeline() *ir.Pipeline {
	img := "alpine:3"
	var argv []ir.Str
	argv = append(argv, lit("printf"), lit(`%s\0`))
	var env []ir.EnvVar
	for i, h := range hostile {
		if strings.Contains(h, "\x00") {
			continue // no process argument can hold NUL
		}
		argv = append(argv, lit(h))
		// One run-time reference next to hostile text on both sides.
		argv = append(argv, cat(h, paramRef("p"), h))
		_ = i
	}
	env = append(env, ir.EnvVar{Name: "A_BRACE", Value: lit("x{{y}}z")}, ir.EnvVar{Name: "B_PLAIN", Value: lit("yes")})
	// Item texts that hold or end in braces, next to literal braces and a
	// run-time reference: no "{{" may form once Argo substitutes them.
	each := ir.EachKey().Parts[0].Ref
	fan := ir.Template{Image: lit(img), Command: []ir.Str{lit("printf"), lit(`%s\0`), ir.EachKey(), cat("k=", each, "{", paramRef("p"))},
		Env: []ir.EnvVar{{Name: "V", Value: cat(each, "{")}, {Name: "W", Value: cat("{", each)}}}
	script := lit("echo '{{' \"$1\"\nprintf '%s' \"{{=1}}\" > \"$DAGC_OUTPUTS/out\"\n")
	return &ir.Pipeline{
		Name: "hostile", Description: "desc {{ with braces }}", Timezone: "UTC",
		Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "yes", HasDefault: true, Description: "{{{x}}}"}},
		Tasks: []*ir.Task{
			{Name: "argv", Trigger: ir.AllSuccess, Run: one(&ir.Instance{Image: img, Command: argv, Env: env})},
			{Name: "fan_out", Trigger: ir.AllSuccess, ForEach: ir.StringItems("{{x", "plain", "}}{", "{"), Run: fan},
			// Items without "{{" stay whole in one field, so one ending in
			// '{' meets the template's literal '{'.
			{Name: "fan_two", Trigger: ir.AllSuccess, ForEach: ir.StringItems("a{", "plain", "{"), Run: fan},
			{Name: "script", Trigger: ir.AllSuccess, Outputs: []string{"out"}, Run: one(&ir.Instance{Image: img, Script: &script, Shell: []string{"sh", "-euc"}})},
			{Name: "cond", Trigger: ir.OneFailed, Edges: ir.EdgesFrom("script"), When: &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq,
				Left: ir.Operand{Ref: outRef("script", "out")}, Right: ir.Operand{Lit: "\"}}{{=x\n'", LitKind: ir.LitString}},
				Run: one(&ir.Instance{Image: img, Command: cmd("true")})},
		},
	}
}

type manifest struct {
	Spec struct {
		Templates []struct {
			Name string
			DAG  struct {
				Tasks []struct {
					Name string
					// Each item is a JSON object in a string (itemText).
					WithItems []string `yaml:"withItems"`
				}
			}
			Container struct {
				Command []string
				Env     []struct{ Name, Value string }
			}
		}
	}
}

func renderOne(t *testing.T, p *ir.Pipeline, kind Kind) []byte {
	t.Helper()
	r := New(kind)
	if d := r.Check(p); d.HasErrors() {
		t.Fatalf("Check: %v", d)
	}
	files, diags := r.Render(p)
	if diags.HasErrors() || len(files) != 1 {
		t.Fatalf("Render: %v (%d files)", diags, len(files))
	}
	return files[0].Data
}

// TestHostileStringsReachTheContainer renders hostile text, parses the YAML
// back, checks that Argo sees no "{{" but dagc's own, and runs each
// container command through sh (the runner included) with references
// substituted the way Argo would, comparing the argv the program receives.
func TestHostileStringsReachTheContainer(t *testing.T) {
	p := hostilePipeline()
	data := renderOne(t, p, KindWorkflow)
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("manifest is not YAML: %v\n%s", err, data)
	}
	walkStrings("", doc, func(path, s string) { checkNoUserTemplate(t, path, s) })

	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found: cannot run the container commands")
	}
	const paramValue = "PV"
	run := func(tmplName string, item map[string]string) []string {
		substitute := func(s string) string {
			s = strings.ReplaceAll(s, "{{workflow.parameters.p}}", paramValue)
			for k, v := range item {
				s = strings.ReplaceAll(s, "{{inputs.parameters."+k+"}}", v)
			}
			// Argo templates the pod spec again after substituting: no
			// "{{" may have formed.
			if strings.Contains(s, "{{") {
				t.Errorf("%s: %q holds \"{{\" after substitution", tmplName, s)
			}
			return s
		}
		for _, tmpl := range m.Spec.Templates {
			if tmpl.Name != tmplName {
				continue
			}
			var args []string
			for _, a := range tmpl.Container.Command {
				args = append(args, substitute(a))
			}
			c := exec.Command(args[0], args[1:]...)
			var env []string
			for _, e := range tmpl.Container.Env {
				env = append(env, e.Name+"="+substitute(e.Value))
			}
			c.Env = append(env, "PATH=/usr/bin:/bin")
			out, err := c.Output()
			if err != nil {
				t.Fatalf("running %q: %v", args, err)
			}
			got := strings.Split(string(out), "\x00")
			return got[:len(got)-1]
		}
		t.Fatalf("no template %q", tmplName)
		return nil
	}
	resolve := func(in *ir.Instance) []string {
		var want []string
		for _, a := range in.Command[2:] {
			want = append(want, a.Resolve(func(*ir.Ref) string { return paramValue }))
		}
		return want
	}
	compare := func(what string, got, want []string) {
		if len(got) != len(want) {
			t.Fatalf("%s: argv has %d elements, want %d\ngot  %q\nwant %q", what, len(got), len(want), got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: argv[%d] = %q, want %q", what, i, got[i], want[i])
			}
		}
	}
	got := run("argv", nil)
	compare("argv", got, resolve(p.Task("argv").Instances()[0]))

	// Every item of a for_each runs the one template with its own
	// withItems fields.
	for _, name := range []string{"fan_out", "fan_two"} {
		dag := strings.ReplaceAll(name, "_", "-")
		var items []map[string]string
		for _, tmpl := range m.Spec.Templates {
			for _, dt := range tmpl.DAG.Tasks {
				if dt.Name != dag {
					continue
				}
				for _, text := range dt.WithItems {
					var it map[string]string
					if err := json.Unmarshal([]byte(text), &it); err != nil {
						t.Fatalf("%s: item %q is not a JSON object of strings: %v", dag, text, err)
					}
					items = append(items, it)
				}
			}
		}
		fan := p.Task(name)
		if len(items) != fan.NumInstances() {
			t.Fatalf("%s has %d items, want %d", dag, len(items), fan.NumInstances())
		}
		for i, in := range fan.Instances() {
			compare(dag+"["+in.Key+"]", run(dag, items[i]), resolve(in))
		}
	}
}

func TestRunnerJoinsPiecesExactly(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found")
	}
	var argv []word
	argv = append(argv, word{{text: "sh"}}, word{{text: "-c"}}, word{{text: `printf '%s\0' "$@"; printf '%s\0' "$E1" "$E2"`}}, word{{text: "zero"}})
	for _, h := range hostile {
		if strings.Contains(h, "\x00") {
			continue // no process argument can hold NUL
		}
		argv = append(argv, cutWord([]segment{{lit: h}}))
	}
	env := []envWord{{"E1", cutWord([]segment{{lit: "a{{b}}c{{{"}})}, {"E2", word{{text: ""}, {text: "x"}, {text: ""}}}}
	args := runnerArgv(argv, env)
	c := exec.Command(args[0], args[1:]...)
	c.Env = []string{"PATH=/usr/bin:/bin", "E2=old"}
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("runner: %v\n%s", err, stderr.String())
	}
	got := strings.Split(string(out), "\x00")
	var want []string
	for _, h := range hostile {
		if !strings.Contains(h, "\x00") {
			want = append(want, h)
		}
	}
	want = append(want, "a{{b}}c{{{", "x", "")
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("runner passed\n%q\nwant\n%q", got, want)
	}
	for _, a := range args {
		if strings.Contains(a, "{{") {
			t.Errorf("runner argv element %q holds {{", a)
		}
	}
}

func TestCutWordNeverFormsBraces(t *testing.T) {
	for _, h := range hostile {
		w := cutWord([]segment{{lit: h}, {tag: "{{workflow.name}}"}, {lit: h}})
		var joined strings.Builder
		for _, p := range w {
			checkNoUserTemplate(t, "piece", p.text)
			joined.WriteString(p.text)
		}
		if want := h + "{{workflow.name}}" + h; joined.String() != want {
			t.Errorf("pieces of %q join to %q", want, joined.String())
		}
	}
}
