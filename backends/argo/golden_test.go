package argo

import (
	"bytes"
	"github.com/dagc-dev/dagc/internal/golden"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dagc-dev/dagc/parser"
)

// repoRoot is where testdata lives; names in goldens are relative to it.
const repoRoot = "../.."

const goldenDir = "testdata/golden/argo"

type example struct {
	name string // base name without .dag.hcl
	data []byte // the manifest, or the diagnostics when err
	err  bool
}

// examplePipelines renders every testdata/*.dag.hcl example: the manifest,
// or the diagnostics that reject it (parser or argo backend).
func examplePipelines(t *testing.T) []example {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "testdata", "*.dag.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var out []example
	for _, path := range paths {
		rel, _ := filepath.Rel(repoRoot, path)
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ex := example{name: strings.TrimSuffix(filepath.Base(path), ".dag.hcl")}
		ps := parser.New()
		p, diags := ps.ParseFile(rel, src, parser.Options{})
		if !diags.HasErrors() {
			r := New(KindAuto)
			diags = append(diags, r.Check(p)...)
			if !diags.HasErrors() {
				files, rd := r.Render(p)
				diags = append(diags, rd...)
				if !diags.HasErrors() {
					if len(files) != 1 || files[0].Path != p.Name+".yaml" {
						t.Fatalf("%s: rendered %d files", rel, len(files))
					}
					ex.data = files[0].Data
				}
			}
		}
		if diags.HasErrors() {
			var b bytes.Buffer
			if err := ps.WriteDiagnostics(&b, diags); err != nil {
				t.Fatal(err)
			}
			ex.data, ex.err = b.Bytes(), true
		}
		out = append(out, ex)
	}
	if len(out) == 0 {
		t.Skip("no testdata/*.dag.hcl examples")
	}
	return out
}

// TestGolden compares every example's manifest (or diagnostics) with
// testdata/golden/argo/<name>.yaml (or .err); -update rewrites them, and a
// golden file without an example fails.
func TestGolden(t *testing.T) {
	want := map[string]bool{}
	for _, ex := range examplePipelines(t) {
		ext := ".yaml"
		if ex.err {
			ext = ".err"
		}
		rel := goldenDir + "/" + ex.name + ext
		want[rel] = true
		if !ex.err {
			var doc any
			if err := yaml.Unmarshal(ex.data, &doc); err != nil {
				t.Errorf("%s: rendered manifest is not YAML: %v", ex.name, err)
			}
		}
		checkGolden(t, rel, ex.data)
	}
	names := map[string]bool{}
	for rel := range want {
		names[filepath.Base(rel)] = true
	}
	golden.CheckOrphans(t, filepath.Join(repoRoot, goldenDir), names, "go test ./backends/argo -update")
}

func checkGolden(t *testing.T, rel string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join(repoRoot, rel), got, "go test ./backends/argo -update")
}
