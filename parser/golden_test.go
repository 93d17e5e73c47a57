package parser

import (
	"encoding/json"
	"fmt"
	"github.com/dagc-dev/dagc/internal/golden"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// repoRoot is where testdata lives; file names in goldens are relative to
// it so they do not depend on the machine.
const repoRoot = ".."

func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func globRel(t *testing.T, pattern string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(repoRoot, pattern))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range matches {
		rel, _ := filepath.Rel(repoRoot, m)
		out = append(out, filepath.ToSlash(rel))
	}
	sort.Strings(out)
	return out
}

// checkOrphans fails for golden files whose source no longer exists.
func checkOrphans(t *testing.T, goldenDir, ext string, sources []string) {
	t.Helper()
	want := map[string]bool{}
	for _, s := range sources {
		want[strings.TrimSuffix(filepath.Base(s), FileSuffix)+ext] = true
	}
	golden.CheckOrphans(t, filepath.Join(repoRoot, goldenDir), want, "go test ./parser -update")
}

// dumpIR renders a pipeline as indented JSON with each source range
// compacted to "file:line:col-line:col" and zero values left out, so
// goldens stay readable and adding a field to the IR changes only the
// goldens of examples that set it.
func dumpIR(t *testing.T, p *ir.Pipeline) []byte {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	data, err = json.MarshalIndent(compactRanges(v), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

func compactRanges(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 3 && x["Filename"] != nil && x["Start"] != nil && x["End"] != nil {
			pos := func(p any) string {
				m, _ := p.(map[string]any)
				return fmt.Sprintf("%v:%v", m["Line"], m["Column"])
			}
			return fmt.Sprintf("%v:%s-%s", x["Filename"], pos(x["Start"]), pos(x["End"]))
		}
		for k, e := range x {
			if e = compactRanges(e); isZero(e) {
				delete(x, k) // focused goldens: a new zero-valued field changes none
			} else {
				x[k] = e
			}
		}
	case []any:
		for i, e := range x {
			x[i] = compactRanges(e)
		}
	}
	return v
}

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func TestExamplesGolden(t *testing.T) {
	files := globRel(t, "testdata/*.dag.hcl")
	if len(files) == 0 {
		t.Fatal("no example pipelines in testdata/")
	}
	for _, rel := range files {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			p := New()
			pipe, diags := p.ParseFile(rel, readRepoFile(t, rel), Options{})
			if len(diags) > 0 {
				var b strings.Builder
				p.WriteDiagnostics(&b, diags)
				t.Fatalf("example has diagnostics:\n%s", b.String())
			}
			checkPipelineInvariants(t, pipe)
			checkRunnableEverywhere(t, pipe)
			checkGolden(t, "testdata/golden/ir/"+strings.TrimSuffix(filepath.Base(rel), FileSuffix)+".json", dumpIR(t, pipe))
		})
	}
	checkOrphans(t, "testdata/golden/ir", ".json", files)
}

// checkRunnableEverywhere holds the examples to what every engine can run:
// POSIX sh only, and an image for the container engines.
func checkRunnableEverywhere(t *testing.T, p *ir.Pipeline) {
	t.Helper()
	for _, task := range p.Tasks {
		for _, in := range task.Instances {
			if argv := in.Argv(); len(argv) == 0 || argv[0].Literal() != "sh" {
				t.Errorf("task %q instance %q does not run sh: %v", task.Name, in.Key, argv)
			}
			if in.Image != "alpine:3.20" {
				t.Errorf("task %q instance %q has image %q, want alpine:3.20", task.Name, in.Key, in.Image)
			}
		}
	}
}

func checkGolden(t *testing.T, rel string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join(repoRoot, rel), got, "go test ./parser -update")
}
