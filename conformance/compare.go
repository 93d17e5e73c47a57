// Package conformance checks that engines agree: given the traces of one
// pipeline run on several engines, it finds the first disagreement in task
// states, outputs, run state and edge order (DESIGN 5).
package conformance

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

// Run is one engine's trace of one pipeline run.
type Run struct {
	Engine  string
	Records []trace.Record
	State   string // the run's final state: success or failed
}

// Disagreement is one way an engine's run differs from the reference or
// breaks the pipeline's edges.
type Disagreement struct {
	Engine string
	What   string
}

func (d Disagreement) String() string { return d.Engine + ": " + d.What }

// RunTimeoutStates is, per engine, the state it records for an instance
// that the run-level timeout ended, where that is not DESIGN 2.4's: an
// attempt running when the timeout expired (failed in dagc) and an
// instance not started yet (upstream_failed). The reference run marks
// those instances in its trace (trace.Record.TimedOut), and Compare
// expects the engine's state through this table. Each entry is written in
// docs/<engine>.md (TestRunTimeoutStatesAreDocumented).
var RunTimeoutStates = map[string]map[ir.State]ir.State{
	// The scheduler's dagrun_timeout check sets every unfinished task
	// instance, running or not, to skipped.
	"airflow": {ir.Failed: ir.Skipped, ir.UpstreamFailed: ir.Skipped},
}

// expected is the state engine should record for ref's final record.
func expected(engine string, ref trace.Record) string {
	if ref.TimedOut {
		if st, ok := RunTimeoutStates[engine][ir.State(ref.State)]; ok {
			return string(st)
		}
	}
	return ref.State
}

// Compare checks every run against ref (usually the local runner): the same
// task instances with the same final states, attempts and outputs, the same run
// state, and for every run (ref included) that each started task began only
// after all instances of its upstream tasks had ended. It returns every
// disagreement, most fundamental first.
func Compare(p *ir.Pipeline, ref Run, others ...Run) []Disagreement {
	var out []Disagreement
	out = append(out, checkEdges(p, ref)...)
	refFinal := trace.Final(ref.Records)
	for _, o := range others {
		out = append(out, checkEdges(p, o)...)
		if o.State != ref.State {
			out = append(out, Disagreement{o.Engine, fmt.Sprintf("run ended %s, %s says %s", orNone(o.State), ref.Engine, orNone(ref.State))})
		}
		final := trace.Final(o.Records)
		for _, k := range sortedKeys(refFinal, final) {
			r, inRef := refFinal[k]
			g, inOther := final[k]
			switch {
			case !inOther:
				out = append(out, Disagreement{o.Engine, fmt.Sprintf("%s missing (%s: %s)", k, ref.Engine, r.State)})
			case !inRef:
				out = append(out, Disagreement{o.Engine, fmt.Sprintf("%s is %s but %s has no such task instance", k, g.State, ref.Engine)})
			case g.State != expected(o.Engine, r):
				what := fmt.Sprintf("%s ended %s, %s says %s", k, g.State, ref.Engine, r.State)
				if want := expected(o.Engine, r); want != r.State {
					what += fmt.Sprintf(" (the run timeout ended it, which %s records as %s)", o.Engine, want)
				}
				out = append(out, Disagreement{o.Engine, what})
			case max(g.Attempt, 1) != max(r.Attempt, 1):
				// A retry an engine should not have made (or missed) ends in
				// the same state; only the count of attempts tells. Whether
				// an instance decided without running its command counts as
				// attempt 0 or 1 is the engine's own (Airflow's when skips
				// inside the task's first try), so those are not compared.
				out = append(out, Disagreement{o.Engine, fmt.Sprintf("%s ended %s after %d attempt(s), %s says %d", k, g.State, g.Attempt, ref.Engine, r.Attempt)})
			case r.State == string(ir.Success):
				if d := diffOutputs(r.Outputs, g.Outputs); d != "" {
					out = append(out, Disagreement{o.Engine, fmt.Sprintf("%s outputs differ: %s", k, d)})
				}
			}
		}
	}
	return out
}

// checkEdges verifies that in one run every started task instance began
// after every instance of each upstream task ended.
func checkEdges(p *ir.Pipeline, r Run) []Disagreement {
	var out []Disagreement
	byTask := map[string][]trace.Record{}
	for _, rec := range r.Records {
		byTask[rec.Task] = append(byTask[rec.Task], rec)
	}
	// A final task waits for every task that is not final.
	var nonFinal []string
	for _, t := range p.Tasks {
		if !t.Final {
			nonFinal = append(nonFinal, t.Name)
		}
	}
	for _, t := range p.Tasks {
		ups := t.Upstream()
		if t.Final {
			ups = nonFinal
		}
		for _, rec := range byTask[t.Name] {
			if rec.Start.IsZero() {
				continue
			}
			for _, up := range ups {
				for _, u := range byTask[up] {
					if u.End.IsZero() {
						continue
					}
					if u.End.After(rec.Start) {
						out = append(out, Disagreement{r.Engine, fmt.Sprintf("edge %s → %s broken: %s attempt %d started %s, before %s attempt %d ended %s",
							up, t.Name, trace.Key(rec.Task, rec.Instance), rec.Attempt, rec.Start.Format("15:04:05.000"),
							trace.Key(u.Task, u.Instance), u.Attempt, u.End.Format("15:04:05.000"))})
					}
				}
			}
		}
	}
	return out
}

func diffOutputs(want, got map[string]string) string {
	var diffs []string
	for _, k := range sortedKeys(want, got) {
		w, okW := want[k]
		g, okG := got[k]
		switch {
		case !okG:
			diffs = append(diffs, fmt.Sprintf("%s missing (want %q)", k, w))
		case !okW:
			diffs = append(diffs, fmt.Sprintf("%s unexpected (%q)", k, g))
		case w != g:
			diffs = append(diffs, fmt.Sprintf("%s = %q, want %q", k, g, w))
		}
	}
	return strings.Join(diffs, "; ")
}

func sortedKeys[V any](maps ...map[string]V) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func orNone(s string) string {
	if s == "" {
		return "(no run state)"
	}
	return s
}
