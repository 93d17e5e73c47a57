package ir

import (
	"errors"
	"fmt"
	"testing"
)

// designDecision restates each bullet of DESIGN 2.4 with counts, apart
// from the rule table, so that a wrong Rule is caught.
func designDecision(tr Trigger, up []State) (run bool, otherwise State) {
	if len(up) == 0 {
		return true, ""
	}
	var succ, fail, skip int
	for _, s := range up {
		switch s {
		case Success:
			succ++
		case Failed, UpstreamFailed:
			fail++
		case Skipped:
			skip++
		}
	}
	n := len(up)
	switch tr {
	case AllSuccess:
		if succ == n {
			return true, ""
		}
		if fail > 0 {
			return false, UpstreamFailed
		}
		return false, Skipped
	case AllDone:
		return true, ""
	case OneFailed:
		return fail > 0, Skipped
	case AllFailed:
		return fail == n, Skipped
	case OneSuccess:
		if succ > 0 {
			return true, ""
		}
		if fail > 0 {
			return false, UpstreamFailed
		}
		return false, Skipped
	case NoneFailed:
		return fail == 0, UpstreamFailed
	case NoneFailedMinOneSuccess:
		if fail > 0 {
			return false, UpstreamFailed
		}
		return succ > 0, Skipped
	case NoneSkipped:
		return skip == 0, Skipped
	}
	panic("unknown trigger " + tr)
}

// multisets calls f with every multiset of n final states.
func multisets(n int, f func([]State)) {
	var rec func(prefix []State, from int)
	rec = func(prefix []State, from int) {
		if len(prefix) == n {
			f(prefix)
			return
		}
		for i := from; i < len(FinalStates); i++ {
			rec(append(prefix, FinalStates[i]), i)
		}
	}
	rec(nil, 0)
}

func TestDecideMatchesDesign(t *testing.T) {
	cells := 0
	for _, tr := range DesignTriggers {
		for n := 0; n <= 5; n++ {
			multisets(n, func(up []State) {
				run, otherwise := designDecision(tr, up)
				want := Run
				if !run {
					want = Skip
					if otherwise == UpstreamFailed {
						want = PropagateFailure
					}
				}
				for _, w := range []struct {
					when func() (bool, error)
					got  Decision
				}{{nil, want}, {func() (bool, error) { return true, nil }, want}, {func() (bool, error) { return false, nil }, Skip}} {
					called := false
					var when func() (bool, error)
					if w.when != nil {
						when = func() (bool, error) { called = true; return w.when() }
					}
					d, err := Decide(tr, up, when)
					if err != nil {
						t.Fatal(err)
					}
					exp := want
					if want == Run {
						exp = w.got
					}
					if d != exp {
						t.Errorf("Decide(%s, %v, when=%v) = %s, want %s", tr, up, w.when != nil, d, exp)
					}
					if w.when != nil && called != run {
						t.Errorf("Decide(%s, %v): when evaluated = %v, trigger holds = %v", tr, up, called, run)
					}
					cells++
				}
			})
		}
	}
	t.Logf("%d cells", cells)
}

func TestDecideWhenError(t *testing.T) {
	boom := errors.New("not a number")
	d, err := Decide(AllSuccess, []State{Success}, func() (bool, error) { return false, boom })
	if err != boom || d != Run {
		t.Errorf("got %s, %v; want the when error", d, err)
	}
	// The trigger does not hold: when is never evaluated, so no error.
	d, err = Decide(AllSuccess, []State{Failed}, func() (bool, error) { return false, boom })
	if err != nil || d != PropagateFailure {
		t.Errorf("got %s, %v; want upstream_failed", d, err)
	}
}

// Without upstream every trigger runs (DESIGN 2.4); "" is all_success.
func TestDecideNoUpstreamAndDefault(t *testing.T) {
	for _, tr := range append(DesignTriggers, "") {
		if d, _ := Decide(tr, nil, nil); d != Run {
			t.Errorf("%q without upstream: %s", tr, d)
		}
	}
	if d, _ := Decide("", []State{Skipped, Success}, nil); d != Skip {
		t.Errorf(`"" over skipped: %s`, d)
	}
	for _, tr := range AcceptedTriggers {
		if _, ok := RuleOf(tr); !ok {
			t.Errorf("accepted trigger %s has no rule", tr)
		}
	}
	if _, ok := RuleOf("none_faild"); ok {
		t.Error("RuleOf accepts an undefined trigger")
	}
}

// FailsExactlyOnFailure is a claim about every multiset of upstream states;
// check it by brute force.
func TestFailsExactlyOnFailure(t *testing.T) {
	for _, tr := range DesignTriggers {
		r, _ := RuleOf(tr)
		exact := true
		for n := 1; n <= 4; n++ {
			multisets(n, func(up []State) {
				d, _ := Decide(tr, up, nil)
				if (d == PropagateFailure) != (Test{Any, Failing}).Holds(up) {
					exact = false
				}
			})
		}
		if got := r.FailsExactlyOnFailure(); got != exact {
			t.Errorf("%s: FailsExactlyOnFailure = %v, brute force says %v", tr, got, exact)
		}
	}
}

func TestStateSet(t *testing.T) {
	s := SetOf(Skipped, Success)
	if got := fmt.Sprint(s.States()); got != "[success skipped]" {
		t.Errorf("States = %s", got)
	}
	if s.Complement() != SetOf(Failed, UpstreamFailed) || s.Has(Failed) || !s.Has(Skipped) || s.Has("") {
		t.Errorf("set operations wrong: %s", s)
	}
}

func TestRunState(t *testing.T) {
	for _, c := range []struct {
		in   []Ended
		want State
	}{
		{nil, Success},
		{[]Ended{{State: Success}, {State: Skipped}, {State: UpstreamFailed}}, Success},
		{[]Ended{{State: Success}, {State: Failed}}, Failed},
		{[]Ended{{State: Failed, FailureTolerated: true}, {State: Success}}, Success},
		{[]Ended{{State: Failed, FailureTolerated: true}, {State: Failed}}, Failed},
	} {
		if got := RunState(c.in); got != c.want {
			t.Errorf("RunState(%+v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestEnsures(t *testing.T) {
	for _, tr := range DesignTriggers {
		r, _ := RuleOf(tr)
		for set := StateSet(0); set < 16; set++ {
			want := true
			for n := 1; n <= 3; n++ {
				multisets(n, func(up []State) {
					if r.Runs(up) {
						for _, s := range up {
							if !set.Has(s) {
								want = false
							}
						}
					}
				})
			}
			if got := r.Ensures(set); got != want {
				t.Errorf("%s.Ensures(%s) = %v, brute force says %v", tr, set, got, want)
			}
		}
	}
}
