package stepfunctions

import (
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// Item 4 of the local runner's hardening, Step Functions part: retriers
// outside AWS's bounds are refused at check time (not at CreateStateMachine),
// and a growing delay saturates at 24h as on every engine.
func TestHardening04StepFunctionsRetryBounds(t *testing.T) {
	withRetry := func(r ir.Retry) *ir.Pipeline {
		tk := task("a")
		tk.Retry = r
		return &ir.Pipeline{Name: "p", Tasks: []*ir.Task{tk}}
	}
	for _, tc := range []struct {
		name string
		r    ir.Retry
		want string
	}{
		{"attempts", ir.Retry{Attempts: 1000000000, Delay: time.Second, Backoff: 1}, "MaxAttempts is at most 99999999"},
		{"interval", ir.Retry{Attempts: 1, Delay: 100000000 * time.Second, Backoff: 1}, "IntervalSeconds is at most 99999999"},
		{"max-delay", ir.Retry{Attempts: 1, Delay: time.Second, Backoff: 2, MaxDelay: 400 * 24 * time.Hour}, "MaxDelaySeconds is at most 31622400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New().Check(withRetry(tc.r))
			if !d.HasErrors() || !strings.Contains(string(diagText(d)), tc.want) {
				t.Errorf("diagnostics %v, want an error with %q", d, tc.want)
			}
		})
	}
	if d := New().Check(withRetry(ir.Retry{Attempts: 99999999, Delay: time.Second, Backoff: 2, MaxDelay: 366 * 24 * time.Hour})); d.HasErrors() {
		t.Errorf("values at the bounds refused: %v", d)
	}
	rule := retry(withRetry(ir.Retry{Attempts: 12, Delay: time.Second, Backoff: 10}).Tasks[0])[0]
	if got := rule.get("MaxDelaySeconds"); got != 86400 {
		t.Errorf("MaxDelaySeconds = %v without max_delay, want 86400 (24h saturation)", got)
	}
}
