package parser

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dagc-dev/dagc/bench/benchgen"
)

// parseBoth parses src whole and cut into pieces of batch bytes, and
// returns both results as JSON (pipeline and diagnostics).
func parseBoth(t *testing.T, name string, src []byte, batch int) (whole, pieces string, cuts int) {
	t.Helper()
	render := func() string {
		p, ds := New().ParseFile(name, src, Options{})
		b, err := json.Marshal(struct {
			P any
			D any
		}{p, ds})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	old := splitBatch
	defer func() { splitBatch = old }()
	splitBatch = 1 << 40
	whole = render()
	splitBatch = batch
	pieces = render()
	return whole, pieces, len(splitTopLevel(src, batch))
}

// TestSplitParseMatchesWholeParse parses every test file both ways, cut
// into tiny pieces, and requires identical pipelines and diagnostics.
func TestSplitParseMatchesWholeParse(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../testdata/*.dag.hcl", "../testdata/errors/*.dag.hcl"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	split := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range []int{1, 64, 300} {
			whole, pieces, cuts := parseBoth(t, f, src, batch)
			if whole != pieces {
				t.Fatalf("%s cut every %d bytes (%d cuts): result differs from a whole parse\nwhole:  %.400s\npieces: %.400s", f, batch, cuts, whole, pieces)
			}
			if cuts > 0 {
				split++
			}
		}
	}
	if split < len(files) {
		t.Errorf("only %d of %d parses were cut; the test proves little", split, 3*len(files))
	}
}

func TestSplitTopLevelTricky(t *testing.T) {
	src := []byte(`# comment with { and "
task "a" {
  script = <<-EOT
    echo "}" ${"}"}
    task "fake" {
  EOT
  command = null
}
/* block comment
} with braces */
task "b" {
  command = ["${"}"}", "$${", "%%{", "a\"}", format("%s", "}")]
}
// line comment }
task "c" {
  command = ["x"]
}
`)
	cuts := splitTopLevel(src, 1)
	var at []int
	for _, c := range cuts {
		at = append(at, c.line)
		if c.byte > 0 && src[c.byte-1] != '\n' {
			t.Errorf("cut at byte %d is not a line start", c.byte)
		}
	}
	// Cuts only where the top level really resumes: after the comment on
	// line 1, after each block, and after the comments between them.
	want := []int{2, 9, 11, 14, 15}
	if len(at) != len(want) {
		t.Fatalf("cuts at lines %v, want %v", at, want)
	}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("cuts at lines %v, want %v", at, want)
		}
	}
	whole, pieces, _ := parseBoth(t, "tricky.dag.hcl", src, 1)
	if whole != pieces {
		t.Fatalf("tricky file parses differently when cut:\n%s\n%s", whole, pieces)
	}
}

func TestSplitLargeGeneratedFile(t *testing.T) {
	var src bytes.Buffer
	if _, err := benchgen.Write(&src, 2000); err != nil {
		t.Fatal(err)
	}
	whole, pieces, cuts := parseBoth(t, "big.dag.hcl", src.Bytes(), 16<<10)
	if cuts == 0 || whole != pieces {
		t.Fatalf("%d cuts; equal results: %v", cuts, whole == pieces)
	}
}
