package airflow

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/internal/truthtable"
	"github.com/dagc-dev/dagc/ir"
)

// airflowDecide is Airflow's trigger rule once every upstream instance has
// ended, transcribed from airflow/ti_deps/deps/trigger_rule_dep.py
// (Airflow 3): the state the scheduler assigns (flag_upstream_failed), or
// else whether the dependency is met. A mapped upstream counts once per
// instance. ok is false when neither happens (the task would wait forever).
func airflowDecide(rule string, up []ir.State) (d ir.Decision, ok bool) {
	if len(up) == 0 {
		return ir.Run, true // "did not have any upstream tasks"
	}
	var success, failed, skipped, upstreamFailed int
	for _, s := range up {
		switch s {
		case ir.Success:
			success++
		case ir.Failed:
			failed++
		case ir.Skipped:
			skipped++
		case ir.UpstreamFailed:
			upstreamFailed++
		}
	}
	upstream, done := len(up), len(up)
	var state ir.State
	switch rule {
	case "all_success":
		if upstreamFailed > 0 || failed > 0 {
			state = ir.UpstreamFailed
		} else if skipped > 0 {
			state = ir.Skipped
		}
	case "all_failed":
		if success > 0 || skipped > 0 {
			state = ir.Skipped
		}
	case "one_success":
		if done == skipped {
			state = ir.Skipped
		} else if success <= 0 {
			state = ir.UpstreamFailed
		}
	case "one_failed":
		if failed == 0 && upstreamFailed == 0 {
			state = ir.Skipped
		}
	case "none_failed":
		if upstreamFailed > 0 || failed > 0 {
			state = ir.UpstreamFailed
		}
	case "none_failed_min_one_success":
		if upstreamFailed > 0 || failed > 0 {
			state = ir.UpstreamFailed
		} else if skipped == upstream {
			state = ir.Skipped
		} else if success == 0 {
			state = ir.UpstreamFailed
		}
	case "none_skipped":
		if skipped > 0 {
			state = ir.Skipped
		}
	case "all_done":
	default:
		return 0, false
	}
	switch state {
	case ir.Skipped:
		return ir.Skip, true
	case ir.UpstreamFailed:
		return ir.PropagateFailure, true
	}
	var met bool
	switch rule {
	case "all_success":
		met = upstream-success == 0
	case "all_failed":
		met = upstream-failed-upstreamFailed == 0
	case "one_success":
		met = success > 0
	case "one_failed":
		met = failed > 0 || upstreamFailed > 0
	case "none_failed":
		met = upstream-success-skipped == 0
	case "none_failed_min_one_success":
		met = upstream-success-skipped == 0 && success > 0
	case "none_skipped":
		met = skipped == 0
	case "all_done":
		met = true
	}
	return ir.Run, met
}

// renderedTask is what the DAG file says about the decided task.
type renderedTask struct {
	rule string // trigger_rule, all_success when absent
	gate string // the DAGC_WHEN Jinja template, "" when absent
	// failedStates is DAGC_FAILED_STATES, which dagc_failed_upstream reads.
	failedStates ir.StateSet
}

var (
	failedStatesRE = regexp.MustCompile(`(?m)^DAGC_FAILED_STATES = \((.*)\)$`)
	quotedRE       = regexp.MustCompile(`"[^"]*"`)
)

// gateRE finds the gate dagc_bash passes as DAGC_WHEN.
var gateRE = regexp.MustCompile(`when=("(?:[^"\\]|\\.)*")`)

func parseRendered(t *testing.T, src, taskID string) renderedTask {
	t.Helper()
	r := renderedTask{rule: "all_success"}
	m := failedStatesRE.FindStringSubmatch(string(runtimeModule.data))
	if m == nil {
		t.Fatal("no DAGC_FAILED_STATES in the runtime module")
	}
	for _, q := range quotedRE.FindAllString(m[1], -1) {
		r.failedStates |= ir.SetOf(ir.State(strings.Trim(q, `"`)))
	}
	start := strings.Index(src, "task_id="+strconv.Quote(taskID)+",")
	if start < 0 {
		t.Fatalf("no task %s in the DAG file", taskID)
	}
	block := src[start:]
	block = block[:strings.Index(block, "\n    )")]
	if g := gateRE.FindStringSubmatch(block); g != nil {
		gate, err := strconv.Unquote(g[1])
		if err != nil {
			t.Fatalf("%s: %v", g[0], err)
		}
		r.gate = gate
	}
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		var err error
		switch {
		case strings.HasPrefix(line, "trigger_rule="):
			r.rule, err = strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(line, "trigger_rule="), ","))
		}
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	return r
}

// TestTruthTable renders every cell of the DESIGN 2.4 decision table and
// decides the task as Airflow would: its trigger_rule with Airflow's
// semantics, then dagc's gate (the DAGC_WHEN template the bash wrapper
// reads), evaluated over the upstream instances' states. The result must
// be ir.Decide's.
func TestTruthTable(t *testing.T) {
	cells := truthtable.Cells(ir.AcceptedTriggers, 3)
	cache := map[string]renderedTask{}
	for _, c := range cells {
		p := cellPipeline(c)
		key := fmt.Sprint(c.Trigger, c.When)
		for _, u := range c.Upstream {
			key += fmt.Sprint(u.ForEach)
		}
		r, ok := cache[key]
		if !ok {
			data, diags := render(p)
			if diags.HasErrors() {
				t.Fatalf("%s: %v", c, diags)
			}
			r = parseRendered(t, string(data), "d")
			cache[key] = r
		}
		up := c.States()
		got, ok := airflowDecide(r.rule, up)
		if !ok {
			t.Errorf("%s: Airflow's %s never decides", c, r.rule)
			continue
		}
		if got == ir.Run && r.gate != "" {
			failed := false
			for _, s := range up {
				failed = failed || r.failedStates.Has(s)
			}
			// The table is the final picture: every upstream instance has
			// ended, so dagc_wait_upstream lets the command start.
			switch v := evalGate(t, r.gate, map[string]bool{"dagc_failed_upstream(ti)": failed, "dagc_wait_upstream(ti)": true}); v {
			case "true":
			case "false", skipTrigger:
				got = ir.Skip
			default:
				t.Fatalf("%s: gate %q renders %q", c, r.gate, v)
			}
		}
		if want := c.Want(); got != want {
			t.Errorf("%s: Airflow (trigger_rule=%s, gate %q) decides %s, DESIGN 2.4 says %s", c, r.rule, r.gate, got, want)
		}
	}
	t.Logf("%d cells, %d renderings", len(cells), len(cache))
}

func cellPipeline(c truthtable.Cell) *ir.Pipeline {
	p, d := c.Pipeline(func(name string, keys []string) *ir.Task {
		t := plainTask(name, "true")
		if keys != nil {
			t.ForEach = ir.StringItems(keys...)
		}
		return t
	})
	if c.When != truthtable.NoWhen {
		d.When = ir.ConstCond(c.When == truthtable.WhenTrue)
	}
	return p
}

// evalGate evaluates a gate template: "{{ EXPR }}" where EXPR uses the
// Jinja subset dagc renders (string literals, true/false, and, or, not,
// parentheses, "a if c else b" and the helper calls given in calls).
func evalGate(t *testing.T, tmpl string, calls map[string]bool) string {
	t.Helper()
	if !strings.HasPrefix(tmpl, "{{ ") || !strings.HasSuffix(tmpl, " }}") {
		t.Fatalf("gate %q is not one expression", tmpl)
	}
	toks := regexp.MustCompile(`'[^']*'|\w+\(ti\)|\w+|[()]`).FindAllString(tmpl[3:len(tmpl)-3], -1)
	e := &gateEval{t: t, toks: toks, calls: calls}
	v := e.cond()
	if e.pos != len(toks) {
		t.Fatalf("gate %q: trailing %v", tmpl, toks[e.pos:])
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("gate %q is not a string: %v", tmpl, v)
	}
	return s
}

type gateEval struct {
	t     *testing.T
	toks  []string
	pos   int
	calls map[string]bool
}

func (e *gateEval) peek() string {
	if e.pos < len(e.toks) {
		return e.toks[e.pos]
	}
	return ""
}

func (e *gateEval) next() string { s := e.peek(); e.pos++; return s }

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x != ""
	}
	return false
}

// cond: or ["if" or "else" cond]
func (e *gateEval) cond() any {
	v := e.or()
	if e.peek() != "if" {
		return v
	}
	e.next()
	c := e.or()
	if e.next() != "else" {
		e.t.Fatalf("gate: if without else in %v", e.toks)
	}
	other := e.cond()
	if truthy(c) {
		return v
	}
	return other
}

func (e *gateEval) or() any {
	v := e.and()
	for e.peek() == "or" {
		e.next()
		r := e.and()
		v = truthy(v) || truthy(r)
	}
	return v
}

func (e *gateEval) and() any {
	v := e.not()
	for e.peek() == "and" {
		e.next()
		r := e.not()
		v = truthy(v) && truthy(r)
	}
	return v
}

func (e *gateEval) not() any {
	if e.peek() == "not" {
		e.next()
		return !truthy(e.not())
	}
	return e.atom()
}

func (e *gateEval) atom() any {
	tok := e.next()
	switch {
	case tok == "(":
		v := e.cond()
		if e.next() != ")" {
			e.t.Fatalf("gate: unbalanced parentheses in %v", e.toks)
		}
		return v
	case strings.HasPrefix(tok, "'"):
		return strings.Trim(tok, "'")
	case tok == "true" || tok == "True":
		return true
	case tok == "false" || tok == "False":
		return false
	}
	v, ok := e.calls[tok]
	if !ok {
		e.t.Fatalf("gate: unknown term %q in %v", tok, e.toks)
	}
	return v
}
