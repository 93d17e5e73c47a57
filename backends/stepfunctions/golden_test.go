package stepfunctions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/dagc-dev/dagc/internal/golden"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

const (
	examplesDir = "../../testdata"
	goldenDir   = "../../testdata/golden/stepfunctions"
)

func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.dag.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", examplesDir, err)
	}
	return files
}

func parseExample(t *testing.T, file string) *ir.Pipeline {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := parser.New().ParseFile(filepath.Base(file), src, parser.Options{})
	if diags.HasErrors() {
		t.Fatalf("%s: %v", file, diags)
	}
	return p
}

// render runs Check and Render the way `dagc generate` does; files is nil
// when the pipeline is rejected.
func render(p *ir.Pipeline) ([]File, ir.Diagnostics) {
	r := New()
	diags := r.Check(p)
	if diags.HasErrors() {
		return nil, diags
	}
	files, rd := r.Render(p)
	var out []File
	for _, f := range files {
		out = append(out, File{f.Path, f.Data})
	}
	return out, append(diags, rd...)
}

// File mirrors backends.File for the tests' convenience.
type File struct {
	Path string
	Data []byte
}

func diagText(diags ir.Diagnostics) []byte {
	var b bytes.Buffer
	for _, d := range diags {
		b.WriteString(d.Error() + "\n")
	}
	return b.Bytes()
}

// TestGolden renders every example and compares with the golden files:
// <name>.asl.json and <name>.cfn.yaml, or <name>.err when rejected.
// Run with -update to rewrite them; a golden file with no example fails.
func TestGolden(t *testing.T) {
	want := map[string]bool{}
	for _, file := range examples(t) {
		p := parseExample(t, file)
		files, diags := render(p)
		if files == nil {
			files = []File{{p.Name + ".err", diagText(diags)}}
		}
		for _, f := range files {
			want[f.Path] = true
			golden.Check(t, filepath.Join(goldenDir, f.Path), f.Data, "go test ./backends/stepfunctions -update")
		}
	}
	golden.CheckOrphans(t, goldenDir, want, "go test ./backends/stepfunctions -update")
}

// TestDeterministic renders every example twice.
func TestDeterministic(t *testing.T) {
	for _, file := range examples(t) {
		a, _ := render(parseExample(t, file))
		b, _ := render(parseExample(t, file))
		if len(a) != len(b) {
			t.Fatalf("%s: %d files then %d", file, len(a), len(b))
		}
		for i := range a {
			if !bytes.Equal(a[i].Data, b[i].Data) {
				t.Errorf("%s: %s differs between two renders", file, a[i].Path)
			}
		}
	}
}

// yamlDoubleQuoted decodes the double-quoted YAML scalars yamlStr writes.
func yamlDoubleQuoted(t *testing.T, s string) string {
	t.Helper()
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		t.Fatalf("not a double-quoted scalar: %.40q", s)
	}
	var b strings.Builder
	rs := []rune(s[1 : len(s)-1])
	for i := 0; i < len(rs); i++ {
		if rs[i] != '\\' {
			if rs[i] == '"' {
				t.Fatalf("unescaped quote in %.60q", s)
			}
			b.WriteRune(rs[i])
			continue
		}
		i++
		switch rs[i] {
		case '"', '\\':
			b.WriteRune(rs[i])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'u', 'U':
			n := 4
			if rs[i] == 'U' {
				n = 8
			}
			v, err := strconv.ParseUint(string(rs[i+1:i+1+n]), 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteRune(rune(v))
			i += n
		default:
			t.Fatalf("unexpected escape \\%c", rs[i])
		}
	}
	return b.String()
}

// TestParsedBack parses every rendered definition as JSON and checks that
// the CloudFormation template carries the same definition.
func TestParsedBack(t *testing.T) {
	for _, file := range examples(t) {
		p := parseExample(t, file)
		files, _ := render(p)
		if files == nil {
			continue
		}
		var def, cfnDef any
		if err := json.Unmarshal(files[0].Data, &def); err != nil {
			t.Fatalf("%s: definition is not JSON: %v", files[0].Path, err)
		}
		m := regexp.MustCompile(`(?m)^      DefinitionString: (".*")$`).FindSubmatch(files[1].Data)
		if m == nil {
			t.Fatalf("%s: no DefinitionString line", files[1].Path)
		}
		if err := json.Unmarshal([]byte(yamlDoubleQuoted(t, string(m[1]))), &cfnDef); err != nil {
			t.Fatalf("%s: DefinitionString is not JSON: %v", files[1].Path, err)
		}
		a, _ := json.Marshal(def)
		b, _ := json.Marshal(cfnDef)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the CloudFormation definition differs from %s", files[1].Path, files[0].Path)
		}
		// The only "${" are dagc's own placeholders, each substituted.
		for _, ph := range placeholder.FindAllSubmatch(files[1].Data, -1) {
			if !bytes.Contains(files[1].Data, []byte("        "+string(ph[1])+": !Ref ")) {
				t.Errorf("%s: placeholder %s is not in DefinitionSubstitutions", files[1].Path, ph[0])
			}
		}
		if bytes.Contains(placeholder.ReplaceAll(files[1].Data, nil), []byte("${")) {
			t.Errorf("%s: contains ${ other than dagc's placeholders, which CloudFormation tooling reads as a substitution", files[1].Path)
		}
	}
}

// placeholder is a substitution dagc writes itself: a child machine's ARN
// or a definition the template creates for an image.
var placeholder = regexp.MustCompile(`\$\{((?:Part\d+)Arn|JobDefinition\d+|TaskDefinition\d+)\}`)

// The only text allowed in a value whose key ends in ".$": paths into the
// run state, the context object, intrinsic names and dagc's own quoted
// constants. Anything else would mean user text reached an expression.
var (
	exprToken = regexp.MustCompile(`^(States\.[A-Za-z]+\(|\$\$?(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9*]+\])*|'(\{\})*'|'\[\{\}\]'|'s'|'f'|'k'|'T'|[0-9]+|false|, ?|\))`)
)

func checkExpressions(t *testing.T, where string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if strings.HasSuffix(k, ".$") {
				s, ok := x.(string)
				if !ok {
					t.Errorf("%s: %s is not a string", where, k)
					continue
				}
				rest := s
				for rest != "" {
					m := exprToken.FindString(rest)
					if m == "" {
						t.Errorf("%s: %s = %q: unexpected text at %q", where, k, s, rest)
						break
					}
					rest = rest[len(m):]
				}
			}
			checkExpressions(t, where+"/"+k, x)
		}
	case []any:
		for i, x := range v {
			checkExpressions(t, fmt.Sprintf("%s/%d", where, i), x)
		}
	}
}

// TestNoUserTextInExpressions scans every definition: values of ".$" keys
// hold only paths, intrinsic calls and dagc's constants.
func TestNoUserTextInExpressions(t *testing.T) {
	for _, file := range examples(t) {
		files, _ := render(parseExample(t, file))
		if files == nil {
			continue
		}
		var def any
		json.Unmarshal(files[0].Data, &def)
		checkExpressions(t, files[0].Path, def)
	}
}

// eval evaluates the subset of JSONPath and intrinsics dagc emits.
func eval(t *testing.T, expr string, doc any) any {
	t.Helper()
	e := &evaluator{t: t, s: expr, doc: doc}
	v := e.value()
	if e.s != "" {
		t.Fatalf("trailing %q in %q", e.s, expr)
	}
	return v
}

type evaluator struct {
	t   *testing.T
	s   string
	doc any
}

var pathRe = regexp.MustCompile(`^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*`)

func (e *evaluator) value() any {
	switch {
	case strings.HasPrefix(e.s, "States."):
		i := strings.IndexByte(e.s, '(')
		name := e.s[:i]
		e.s = e.s[i+1:]
		var args []any
		for !strings.HasPrefix(e.s, ")") {
			args = append(args, e.value())
			e.s = strings.TrimPrefix(strings.TrimPrefix(e.s, ","), " ")
		}
		e.s = e.s[1:]
		switch name {
		case "States.Array":
			return args
		case "States.Format":
			f := args[0].(string)
			for _, a := range args[1:] {
				f = strings.Replace(f, "{}", fmt.Sprint(a), 1)
			}
			return f
		}
		e.t.Fatalf("intrinsic %s not supported by the test evaluator", name)
	case strings.HasPrefix(e.s, "'"):
		j := strings.IndexByte(e.s[1:], '\'')
		v := e.s[1 : j+1]
		e.s = e.s[j+2:]
		return v
	case strings.HasPrefix(e.s, "$$"):
		m := pathRe.FindString(e.s[1:])
		e.s = e.s[1+len(m):]
		return "context" + m[1:]
	case strings.HasPrefix(e.s, "$"):
		m := pathRe.FindString(e.s)
		e.s = e.s[len(m):]
		cur := e.doc
		for _, seg := range regexp.MustCompile(`\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\]`).FindAllString(m[1:], -1) {
			if seg[0] == '.' {
				cur = cur.(map[string]any)[seg[1:]]
			} else {
				n, _ := strconv.Atoi(seg[1 : len(seg)-1])
				cur = cur.([]any)[n]
			}
		}
		return cur
	}
	e.t.Fatalf("cannot evaluate %q", e.s)
	return nil
}

// payloadValue resolves one payload-template field the way Step Functions
// does: "k" is plain data, "k.$" an expression.
func payloadValue(t *testing.T, o map[string]any, k string, doc any) (any, bool) {
	if v, ok := o[k]; ok {
		return v, true
	}
	if e, ok := o[k+".$"]; ok {
		return eval(t, e.(string), doc), true
	}
	return nil, false
}

// TestHostileRoundTrip evaluates the command and environment of every Task
// state of the hostile example against a run state holding hostile param
// and output values, and compares with what the IR says the process gets.
func TestHostileRoundTrip(t *testing.T) {
	p := parseExample(t, filepath.Join(examplesDir, "hostile.dag.hcl"))
	files, _ := render(p)
	var def map[string]any
	if err := json.Unmarshal(files[0].Data, &def); err != nil {
		t.Fatal(err)
	}
	hostile := "it's {} {{x}} $.x States.Format('{}') \\ \\\\ \\' \n ${HOME} `id` \" ☃"
	values := map[string]string{"run.id": "run-1", "run.date": "2026-01-02"}
	doc := map[string]any{
		"params": map[string]any{},
		"run":    map[string]any{"id": "run-1", "date": "2026-01-02"},
		"tasks":  map[string]any{},
	}
	for _, pa := range p.Params {
		doc["params"].(map[string]any)[pa.Name] = hostile + pa.Name
		values["param."+pa.Name] = hostile + pa.Name
	}
	for _, task := range p.Tasks {
		outs := map[string]any{}
		for _, o := range task.Outputs {
			outs[o] = hostile + task.Name + o
			values["task."+task.Name+".outputs."+o] = hostile + task.Name + o
		}
		doc["tasks"].(map[string]any)[stateKey(task.Name)] = map[string]any{"outputs": outs}
	}
	lookup := func(r *ir.Ref) string { return values[r.String()] }

	// Items of each for_each Map, by task name.
	items := map[string]map[string]any{}
	tasks := map[string]map[string]any{}
	maps := map[string]map[string]any{} // Map states by name
	itemsMap := map[string]string{}     // the Map each items state feeds
	var walk func(states map[string]any)
	walk = func(states map[string]any) {
		for name, s := range states {
			st := s.(map[string]any)
			if strings.HasSuffix(name, " items") {
				if r, ok := st["Result"].(map[string]any); ok {
					items[name] = r
					itemsMap[name] = st["Next"].(string)
				}
			}
			if st["Type"] == "Map" {
				maps[name] = st
			}
			if st["Type"] == "Task" {
				tasks[name] = st
			}
			for _, b := range asList(st["Branches"]) {
				walk(b.(map[string]any)["States"].(map[string]any))
			}
			if ip, ok := st["ItemProcessor"].(map[string]any); ok {
				walk(ip["States"].(map[string]any))
			}
		}
	}
	walk(def["States"].(map[string]any))
	lits := map[string]any{}
	walkLits(def["States"].(map[string]any), lits)

	idx, _ := TestIndex(p)
	var index struct {
		States map[string]struct {
			Task, Instance string
			Index          int
			Items          string
		}
	}
	if err := json.Unmarshal(idx, &index); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for name, st := range tasks {
		meta, ok := index.States[name]
		if !ok {
			t.Fatalf("Task state %q is not in the test index", name)
		}
		task := p.Task(meta.Task)
		base := map[string]any{"params": doc["params"], "run": doc["run"], "tasks": doc["tasks"]}
		if meta.Items == "" {
			if l, ok := lits[stateBase(task.Name)]; ok {
				base["lit"] = l
			}
			checkTaskState(t, name, st, base, task.Instances()[0], lookup)
			checked++
			continue
		}
		// A for_each task's one Task state runs every item of the Map.
		res := items[meta.Items]
		list := asList(res["items"])
		if len(list) != task.NumInstances() {
			t.Fatalf("%s: %d items for %d instances", name, len(list), task.NumInstances())
		}
		for i, in := range task.Instances() {
			d := map[string]any{"lit": res["lit"], "each": itemEach(t, maps[itemsMap[meta.Items]], list[i], i)}
			for k, v := range base {
				d[k] = v
			}
			checkTaskState(t, name+"["+in.Key+"]", st, d, in, lookup)
		}
		checked++
	}
	if checked < len(p.Tasks) {
		t.Fatalf("checked %d Task states for %d tasks", checked, len(p.Tasks))
	}
}

// checkTaskState evaluates the command and environment of a Task state
// against the state document d and compares them with the instance.
func checkTaskState(t *testing.T, name string, st map[string]any, d map[string]any, in *ir.Instance, lookup func(*ir.Ref) string) {
	t.Helper()
	params := st["Parameters"].(map[string]any)
	co := params["ContainerOverrides"].(map[string]any)
	argv, ok := payloadValue(t, co, "Command", d)
	if !ok {
		t.Fatalf("%s: no command", name)
	}
	var wantArgv []any
	for _, a := range in.Argv() {
		wantArgv = append(wantArgv, a.Resolve(lookup))
	}
	if fmt.Sprintf("%q", argv) != fmt.Sprintf("%q", wantArgv) {
		t.Errorf("%s: command\n got %q\nwant %q", name, argv, wantArgv)
	}
	env := map[string]string{}
	for _, e := range co["Environment"].([]any) {
		eo := e.(map[string]any)
		v, _ := payloadValue(t, eo, "Value", d)
		if s, ok := v.(string); ok {
			env[eo["Name"].(string)] = s
		}
	}
	for _, e := range in.Env {
		if env[e.Name] != e.Value.Resolve(lookup) {
			t.Errorf("%s: env %s = %q, want %q", name, e.Name, env[e.Name], e.Value.Resolve(lookup))
		}
	}
	if env["DAGC_INSTANCE"] != in.Key {
		t.Errorf("%s: DAGC_INSTANCE = %q, want %q", name, env["DAGC_INSTANCE"], in.Key)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// walkLits collects the literal tables of plain tasks ("T literals").
func walkLits(states map[string]any, out map[string]any) {
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		st := states[name].(map[string]any)
		if strings.HasSuffix(name, " literals") {
			out[strings.TrimSuffix(name, " literals")] = st["Result"]
		}
		for _, b := range asList(st["Branches"]) {
			walkLits(b.(map[string]any)["States"].(map[string]any), out)
		}
	}
}

// TestNoTestMetadataInComments: deployed definitions carry nothing only a
// test reads (DESIGN 1). No Comment anywhere in a definition holds JSON,
// and the local runner does not read Comments: it gets what it needs from
// TestIndex.
func TestNoTestMetadataInComments(t *testing.T) {
	var walk func(where string, v any)
	comments := 0
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "Comment" {
					comments++
					s, _ := x.(string)
					var meta any
					if trimmed := strings.TrimSpace(s); json.Unmarshal([]byte(trimmed), &meta) == nil {
						if _, scalar := meta.(string); !scalar {
							t.Errorf("%s: Comment holds JSON: %s", where, s)
						}
					}
				}
				walk(where+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", where, i), x)
			}
		}
	}
	for _, file := range examples(t) {
		files, _ := render(parseExample(t, file))
		if files == nil {
			continue
		}
		var def any
		if err := json.Unmarshal(files[0].Data, &def); err != nil {
			t.Fatal(err)
		}
		walk(files[0].Path, def)
	}
	if comments == 0 {
		t.Fatal("no Comment found at all: the walk is broken")
	}
	src, err := os.ReadFile(filepath.Join(conformanceDir, "run.js"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), ".Comment") {
		t.Error("conformance/stepfunctions/run.js reads Comment fields; it must take what it needs from the test index")
	}
}

// itemEach is $.each in a Map iteration: what the Map's ItemSelector
// makes of item, the element at index of its items.
func itemEach(t *testing.T, mapState map[string]any, item any, index int) any {
	t.Helper()
	sel, _ := mapState["ItemSelector"].(map[string]any)
	if p, ok := sel["each.$"]; ok {
		if p != "$$.Map.Item.Value" {
			t.Fatalf("unexpected each.$ %v", p)
		}
		return item
	}
	fields, ok := sel["each"].(map[string]any)
	if !ok {
		t.Fatalf("the Map has no each in its ItemSelector: %v", sel)
	}
	out := map[string]any{}
	for k, v := range fields {
		name, ok := strings.CutSuffix(k, ".$")
		if !ok {
			t.Fatalf("each field %q is not a path", k)
		}
		switch path := v.(string); {
		case path == "$$.Map.Item.Value":
			out[name] = item
		case path == "States.Format('{}', $$.Map.Item.Index)":
			out[name] = strconv.Itoa(index)
		case strings.HasPrefix(path, "$$.Map.Item.Value."):
			out[name] = item.(map[string]any)[strings.TrimPrefix(path, "$$.Map.Item.Value.")]
		default:
			t.Fatalf("unexpected each field %s: %s", k, path)
		}
	}
	return out
}
