package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

func pipelineAB() *ir.Pipeline {
	return &ir.Pipeline{Name: "p", Tasks: []*ir.Task{
		{Name: "a", Run: ir.Template{}},
		{Name: "b", Edges: ir.EdgesFrom("a"), Run: ir.Template{}},
	}}
}

func at(sec int) time.Time { return time.Unix(1_700_000_000+int64(sec), 0).UTC() }

func TestCompareAgreement(t *testing.T) {
	p := pipelineAB()
	recs := []trace.Record{
		{Task: "a", Attempt: 1, State: "success", Start: at(0), End: at(1), Outputs: map[string]string{"x": "1"}},
		{Task: "b", Attempt: 1, State: "success", Start: at(2), End: at(3)},
	}
	if d := Compare(p, Run{"local", recs, "success"}, Run{"airflow", recs, "success"}); len(d) != 0 {
		t.Fatalf("want agreement, got %v", d)
	}
}

func TestCompareFindsEachKindOfDisagreement(t *testing.T) {
	p := pipelineAB()
	ref := Run{"local", []trace.Record{
		{Task: "a", Attempt: 1, State: "success", Start: at(0), End: at(1), Outputs: map[string]string{"x": "1"}},
		{Task: "b", Attempt: 1, State: "failed", Start: at(2), End: at(3)},
	}, "failed"}
	cases := []struct {
		name string
		run  Run
		want string
	}{
		{"state", Run{"e", []trace.Record{ref.Records[0], {Task: "b", Attempt: 1, State: "success", Start: at(2), End: at(3)}}, "failed"}, "b ended success, local says failed"},
		{"run", Run{"e", ref.Records, "success"}, "run ended success, local says failed"},
		{"output", Run{"e", []trace.Record{{Task: "a", Attempt: 1, State: "success", Start: at(0), End: at(1), Outputs: map[string]string{"x": "2"}}, ref.Records[1]}, "failed"}, `x = "2", want "1"`},
		{"missing", Run{"e", ref.Records[:1], "failed"}, "b missing"},
		{"attempts", Run{"e", []trace.Record{ref.Records[0],
			{Task: "b", Attempt: 1, State: "failed", Start: at(2), End: at(3)},
			{Task: "b", Attempt: 2, State: "failed", Start: at(4), End: at(5)}}, "failed"}, "b ended failed after 2 attempt(s), local says 1"},
		{"edge", Run{"e", []trace.Record{ref.Records[0], {Task: "b", Attempt: 1, State: "failed", Start: at(0), End: at(3)}}, "failed"}, "edge a → b broken"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := Compare(p, ref, c.run)
			var all []string
			for _, d := range ds {
				all = append(all, d.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), c.want) {
				t.Fatalf("want a disagreement containing %q, got %q", c.want, all)
			}
		})
	}
}

// An instance decided without running its command may be attempt 0 on one
// engine and 1 on another (Airflow skips inside the first try): that is not
// a disagreement; a second attempt is.
func TestCompareAttemptsZeroOrOne(t *testing.T) {
	p := pipelineAB()
	ref := Run{"local", []trace.Record{
		{Task: "a", Attempt: 1, State: "success", Start: at(0), End: at(1)},
		{Task: "b", Attempt: 0, State: "skipped"},
	}, "success"}
	got := Run{"airflow", []trace.Record{ref.Records[0], {Task: "b", Attempt: 1, State: "skipped", Start: at(2), End: at(3)}}, "success"}
	if d := Compare(p, ref, got); len(d) != 0 {
		t.Fatalf("want agreement, got %v", d)
	}
}

// A final task must start after every task that is not final has ended,
// though it has no edges of its own.
func TestCompareFinalTaskWaitsForEveryTask(t *testing.T) {
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{
		{Name: "a"}, {Name: "b"}, {Name: "f", Final: true},
	}}
	early := Run{"e", []trace.Record{
		{Task: "a", Attempt: 1, State: "success", Start: at(0), End: at(1)},
		{Task: "b", Attempt: 1, State: "failed", Start: at(0), End: at(5)},
		{Task: "f", Attempt: 1, State: "success", Start: at(2), End: at(3)},
	}, "failed"}
	ds := Compare(p, early)
	if len(ds) != 1 || !strings.Contains(ds[0].What, "edge b → f broken") {
		t.Fatalf("want the broken wait b → f, got %v", ds)
	}
	early.Records[2].Start, early.Records[2].End = at(6), at(7)
	if ds := Compare(p, early); len(ds) != 0 {
		t.Fatalf("want agreement, got %v", ds)
	}
}

// Issue 13 item 15: what a run timeout ended is compared through
// RunTimeoutStates: Airflow's skipped agrees with local's failed and
// upstream_failed for those instances only, and every other engine must
// record DESIGN 2.4's states.
func TestCompareMapsWhatTheRunTimeoutEnded(t *testing.T) {
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{
		{Name: "a", Run: ir.Template{}},
		{Name: "b", Edges: ir.EdgesFrom("a"), Run: ir.Template{}},
		{Name: "c", Edges: ir.EdgesFrom("b"), Run: ir.Template{}},
	}}
	ref := Run{"local", []trace.Record{
		{Task: "a", Attempt: 1, State: "success", Start: at(0), End: at(1)},
		{Task: "b", Attempt: 1, State: "failed", Start: at(2), End: at(5), TimedOut: true},
		{Task: "c", Attempt: 0, State: "upstream_failed", TimedOut: true},
	}, "failed"}
	engine := func(name, a, b, c string) Run {
		return Run{name, []trace.Record{
			{Task: "a", Attempt: 1, State: a, Start: at(0), End: at(1)},
			{Task: "b", Attempt: 1, State: b},
			{Task: "c", Attempt: 0, State: c},
		}, "failed"}
	}
	for _, c := range []struct {
		run  Run
		want string // "" = agreement
	}{
		{engine("airflow", "success", "skipped", "skipped"), ""},
		{engine("argo", "success", "failed", "upstream_failed"), ""},
		{engine("airflow", "success", "failed", "skipped"), "b ended failed, local says failed (the run timeout ended it, which airflow records as skipped)"},
		{engine("airflow", "success", "skipped", "upstream_failed"), "c ended upstream_failed, local says upstream_failed (the run timeout ended it, which airflow records as skipped)"},
		{engine("argo", "success", "skipped", "upstream_failed"), "b ended skipped, local says failed"},
		// The mapping is for what the timeout ended, not for a task that
		// finished before it.
		{engine("airflow", "skipped", "skipped", "skipped"), "a ended skipped, local says success"},
	} {
		ds := Compare(p, ref, c.run)
		var all []string
		for _, d := range ds {
			all = append(all, d.What)
		}
		got := strings.Join(all, "\n")
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s %v: got %q, want %q", c.run.Engine, c.run.Records, got, c.want)
		}
	}
}

// Every entry of RunTimeoutStates is written in the engine's docs, as a
// row of its run-timeout table: | `dagc state` | `engine state` |.
func TestRunTimeoutStatesAreDocumented(t *testing.T) {
	for engine, m := range RunTimeoutStates {
		b, err := os.ReadFile(filepath.Join("..", "docs", engine+".md"))
		if err != nil {
			t.Fatal(err)
		}
		for from, to := range m {
			row := fmt.Sprintf("| `%s` | `%s` |", from, to)
			if !strings.Contains(string(b), row) {
				t.Errorf("docs/%s.md has no row %q for the run-timeout mapping", engine, row)
			}
		}
	}
}
