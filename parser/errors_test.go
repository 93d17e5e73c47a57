package parser

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

var markerRE = regexp.MustCompile(`#\s*ERROR:\s*(.+?)\s*$`)

// needsIRValidate names the error files whose diagnostics come from
// ir.Validate, with a probe telling whether it already detects the kind.
var needsIRValidate = map[string]func() bool{
	"cycle.dag.hcl": func() bool {
		return probeIR(func(p *ir.Pipeline) {
			p.Tasks = []*ir.Task{probeTask("a", "b"), probeTask("b", "a")}
		})
	},
	"self_dependency.dag.hcl": func() bool {
		return probeIR(func(p *ir.Pipeline) { p.Tasks = []*ir.Task{probeTask("a", "a")} })
	},
	"bad_cron.dag.hcl": func() bool {
		return probeIR(func(p *ir.Pipeline) { p.Schedule = "61 * * * *" })
	},
	"bad_timezone.dag.hcl": func() bool {
		return probeIR(func(p *ir.Pipeline) { p.Timezone = "Europe/Berlinn" })
	},
}

func probeTask(name string, upstream ...string) *ir.Task {
	t := &ir.Task{Name: name, Trigger: ir.AllSuccess, Retry: ir.Retry{Backoff: 1},
		Instances: []*ir.Instance{{Command: []ir.Str{ir.Lit("true")}, Shell: []string{"sh", "-euc"}}}}
	for _, u := range upstream {
		t.Upstream = append(t.Upstream, u)
		t.Edges = append(t.Edges, ir.Edge{From: u})
	}
	return t
}

// probeIR reports whether ir.Validate finds an error in a small valid
// pipeline after mutate has broken it.
func probeIR(mutate func(*ir.Pipeline)) bool {
	p := &ir.Pipeline{Name: "probe", Timezone: "UTC", Tasks: []*ir.Task{probeTask("a")}}
	mutate(p)
	return ir.Validate(p).HasErrors()
}

type marker struct {
	line    int
	summary string
}

// TestErrorMarkers checks that every `# ERROR: <summary>` marker in
// testdata/errors gets an error diagnostic on that exact line whose summary
// contains the text, and that no error appears on an unmarked line.
func TestErrorMarkers(t *testing.T) {
	files := globRel(t, "testdata/errors/*.dag.hcl")
	if len(files) < 20 {
		t.Fatalf("expected at least 20 error files, found %d", len(files))
	}
	for _, rel := range files {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			if probe, ok := needsIRValidate[filepath.Base(rel)]; ok && !probe() {
				t.Skip("ir.Validate does not detect this kind of problem yet")
			}
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
			_, diags := p.ParseFile(rel, src, Options{})
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
