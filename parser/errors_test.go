package parser

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends/registry"
	"github.com/dagc-dev/dagc/ir"
)

var markerRE = regexp.MustCompile(`#\s*ERROR:\s*(.+?)\s*$`)

type marker struct {
	line    int
	summary string
}

// TestErrorMarkers checks that every `# ERROR: <summary>` marker in
// testdata/errors gets an error diagnostic on that exact line whose summary
// contains the text, and that no error appears on an unmarked line. The
// files are read as dagc reads them: with the registry's settings blocks,
// each decoded by its backend.
func TestErrorMarkers(t *testing.T) {
	files := globRel(t, "testdata/errors/*.dag.hcl")
	if len(files) < 20 {
		t.Fatalf("expected at least 20 error files, found %d", len(files))
	}
	for _, rel := range files {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			src := readRepoFile(t, rel)
			var markers []marker
			for i, line := range strings.Split(string(src), "\n") {
				if m := markerRE.FindStringSubmatch(line); m != nil {
					markers = append(markers, marker{i + 1, m[1]})
				}
			}
			if len(markers) == 0 {
				t.Fatal("error file without # ERROR: markers")
			}
			p := New()
			pipe, diags := p.ParseFile(rel, src, Options{Backends: registry.SettingsBlocks()})
			if pipe != nil {
				diags = append(diags, registry.CheckSettings(pipe)...)
			}
			matched := make([]bool, len(markers))
			for _, d := range diags {
				if d.Severity != ir.Error {
					continue
				}
				if d.Subject.Filename != rel {
					t.Errorf("diagnostic %q has subject file %q, want %q", d.Summary, d.Subject.Filename, rel)
				}
				found := false
				for i, m := range markers {
					if m.line == d.Subject.Start.Line && strings.Contains(d.Summary, m.summary) {
						matched[i], found = true, true
					}
				}
				if !found {
					t.Errorf("unexpected error at line %d: %s", d.Subject.Start.Line, d.Error())
				}
			}
			for i, m := range markers {
				if !matched[i] {
					t.Errorf("line %d: no error whose summary contains %q; got:\n%s", m.line, m.summary, diagList(diags))
				}
			}
			var b strings.Builder
			if err := p.WriteDiagnostics(&b, diags); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "testdata/golden/diagnostics/"+strings.TrimSuffix(filepath.Base(rel), FileSuffix)+".txt", []byte(b.String()))
		})
	}
	checkOrphans(t, "testdata/golden/diagnostics", ".txt", files)
}

func diagList(ds ir.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "  %s\n", d.Error())
	}
	return b.String()
}
