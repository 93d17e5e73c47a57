package local

import (
	"context"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

const (
	S  = ir.Success
	F  = ir.Failed
	K  = ir.Skipped
	UF = ir.UpstreamFailed
)

var (
	condFalse = &ir.Cond{Op: ir.CondConst, Const: false}
	condTrue  = &ir.Cond{Op: ir.CondConst, Const: true}
)

func withWhen(t *ir.Task, c *ir.Cond) *ir.Task {
	t.When = c
	return t
}

// TestTriggerRulesEndToEnd runs every rule of DESIGN 2.4 with real
// processes and checks states, skip propagation and the run state.
func TestTriggerRulesEndToEnd(t *testing.T) {
	dir := t.TempDir()
	p := pipeline(
		cmdTask("ok", "true"),
		cmdTask("bad", "false"),
		withWhen(cmdTask("skip", "true"), condFalse),
		withWhen(cmdTask("when_true", "true"), condTrue),
		after(cmdTask("after_bad", "true"), "bad"),
		after(cmdTask("after_skip", "true"), "skip"),
		after(cmdTask("after_ok_skip", "true"), "ok", "skip"),
		after(cmdTask("after_bad_skip", "true"), "bad", "skip"),
		after(cmdTask("chain_uf", "true"), "after_bad"),
		after(cmdTask("chain_skip", "true"), "after_skip"),
		after(withTrigger(cmdTask("done", "true"), ir.AllDone), "bad", "skip", "after_bad"),
		after(withTrigger(cmdTask("done_fails", "false"), ir.AllDone), "ok"),
		after(withTrigger(cmdTask("one_failed", "true"), ir.OneFailed), "ok", "bad"),
		after(withTrigger(cmdTask("one_failed_uf", "true"), ir.OneFailed), "ok", "after_bad"),
		after(withTrigger(cmdTask("one_failed_none", "true"), ir.OneFailed), "ok", "skip"),
		after(withTrigger(cmdTask("all_failed", "true"), ir.AllFailed), "bad", "after_bad"),
		after(withTrigger(cmdTask("all_failed_mixed", "true"), ir.AllFailed), "ok", "bad"),
		after(withTrigger(cmdTask("all_failed_skip", "true"), ir.AllFailed), "bad", "skip"),
		// when is evaluated only once the trigger holds: here it never
		// does, so the missing output is never looked at.
		after(withWhen(cmdTask("when_after_bad", "true"), &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq,
			Left: ir.Operand{Ref: outputRef("bad", "x")}, Right: ir.Operand{Lit: "1", LitKind: ir.LitString}}), "bad"),
		after(withTrigger(withWhen(cmdTask("skip_after_done", "true"), condFalse), ir.AllDone), "bad"),
		after(cmdTask("after_skip_after_done", "true"), "skip_after_done"),
	)
	oc := runIt(t, context.Background(), p, dir, Options{})
	wantStates(t, oc, map[string]ir.State{
		"ok": S, "bad": F, "skip": K, "when_true": S,
		"after_bad": UF, "after_skip": K, "after_ok_skip": K, "after_bad_skip": UF,
		"chain_uf": UF, "chain_skip": K,
		"done": S, "done_fails": F,
		"one_failed": S, "one_failed_uf": S, "one_failed_none": K,
		"all_failed": S, "all_failed_mixed": K, "all_failed_skip": K,
		"when_after_bad":  UF,
		"skip_after_done": K, "after_skip_after_done": K,
	})
	if oc.res.State != ir.Failed {
		t.Errorf("run state %s, want failed", oc.res.State)
	}
	// Tasks that never started have one record, attempt 0, zero times.
	for _, r := range oc.recs {
		if r.State == string(K) || r.State == string(UF) {
			if r.Attempt != 0 || !r.Start.IsZero() || !r.End.IsZero() {
				t.Errorf("%s: never-started record %+v", r.Task, r)
			}
		}
	}
}

// A one_failed handler that runs does not make the run succeed; a run with
// only successes and skips succeeds.
func TestRunState(t *testing.T) {
	p := pipeline(
		cmdTask("bad", "false"),
		after(withTrigger(cmdTask("handler", "true"), ir.OneFailed), "bad"),
	)
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"bad": F, "handler": S})
	if oc.res.State != ir.Failed || oc.run != "failed" {
		t.Errorf("run %s / trace %s, want failed", oc.res.State, oc.run)
	}

	p = pipeline(
		cmdTask("ok", "true"),
		withWhen(cmdTask("skip", "true"), condFalse),
		after(cmdTask("after", "true"), "skip"),
	)
	oc = runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"ok": S, "skip": K, "after": K})
	if oc.res.State != ir.Success || oc.run != "success" {
		t.Errorf("run %s / trace %s, want success", oc.res.State, oc.run)
	}
}

func TestWhenNumeric(t *testing.T) {
	num := func(name string, param string, cmp ir.CmpOp, lit string) *ir.Task {
		return withWhen(cmdTask(name, "true"), &ir.Cond{Op: ir.CondCompare, Cmp: cmp, Numeric: true,
			Left: ir.Operand{Ref: paramRef(param)}, Right: ir.Operand{Lit: lit, LitKind: ir.LitNumber}})
	}
	p := pipeline(
		num("big", "score", ir.Ge, "0.9"),
		num("small", "score", ir.Lt, "0.5"),
		num("bad", "word", ir.Gt, "1"),
		after(cmdTask("after_bad", "true"), "bad"),
	)
	p.Params = []*ir.Param{{Name: "score", Type: ir.ParamNumber}, {Name: "word", Type: ir.ParamString}}
	// 10 >= 0.9 numerically although "10" < "0.9" as strings.
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{Params: map[string]string{"score": "10", "word": "abc"}})
	wantStates(t, oc, map[string]ir.State{"big": S, "small": K, "bad": F, "after_bad": UF})
	if e := oc.inst("bad").Error; !strings.Contains(e, `param.word is "abc", which is not a number`) {
		t.Errorf("bad: error %q", e)
	}
}

func allowFailure(t *ir.Task) *ir.Task {
	t.AllowFailure = true
	return t
}

// allow_failure: the task ends failed, its dependents see failed (an
// all_success one is upstream_failed, a none_failed join too, a one_failed
// handler runs), and the run succeeds; a failure that is not tolerated
// still fails it.
func TestRunStateAllowFailure(t *testing.T) {
	p := pipeline(
		allowFailure(cmdTask("flaky", "false")),
		cmdTask("ok", "true"),
		after(cmdTask("after", "true"), "flaky"),
		after(withTrigger(cmdTask("join", "true"), ir.NoneFailed), "flaky", "ok"),
		after(withTrigger(cmdTask("handler", "true"), ir.OneFailed), "flaky"),
	)
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"flaky": F, "ok": S, "after": UF, "join": UF, "handler": S})
	if oc.res.State != ir.Success || oc.run != "success" {
		t.Errorf("run %s / trace %s, want success", oc.res.State, oc.run)
	}

	p = pipeline(
		allowFailure(cmdTask("flaky", "false")),
		after(withTrigger(cmdTask("cleanup", "false"), ir.AllDone), "flaky"),
	)
	oc = runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"flaky": F, "cleanup": F})
	if oc.res.State != ir.Failed || oc.run != "failed" {
		t.Errorf("run %s / trace %s, want failed: cleanup has no allow_failure", oc.res.State, oc.run)
	}
}
