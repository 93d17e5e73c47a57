package graph

import (
	"github.com/dagc-dev/dagc/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/parser"
)

// TestExamplesGolden renders every example pipeline of the repository in
// both formats and compares with testdata/examples/.
func TestExamplesGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "*"+parser.FileSuffix))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example pipelines found: %v", err)
	}
	dir := filepath.Join("testdata", "examples")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		p, ds := parser.New().ParseFile(file, src, parser.Options{})
		if ds.HasErrors() {
			t.Fatalf("%s: %v", file, ds)
		}
		base := strings.TrimSuffix(filepath.Base(file), parser.FileSuffix)
		for _, f := range Formats {
			out, err := Render(p, f)
			if err != nil {
				t.Fatal(err)
			}
			name := base + ext(f)
			want[name] = true
			golden.Check(t, filepath.Join(dir, name), out, "go test ./graph -update")
		}
	}
	checkOrphans(t, dir, want)
}
