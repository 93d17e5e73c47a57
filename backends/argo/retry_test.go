package argo

import (
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// Item 4 of the local runner's hardening, Argo part: a huge backoff is
// named for what it is (too large for Argo's 32-bit factor), not
// "non-integer"; a growing delay saturates at 24h (backoff.cap) as on every
// engine.
func TestHardening04ArgoRetryBackoff(t *testing.T) {
	withRetry := func(r ir.Retry) *ir.Pipeline {
		return &ir.Pipeline{Name: "p", Tasks: []*ir.Task{{Name: "a", Trigger: ir.AllSuccess, Retry: r,
			Instances: one(&ir.Instance{Image: "alpine", Command: cmd("true")})}}}
	}
	d := New(KindWorkflow).Check(withRetry(ir.Retry{Attempts: 5, Delay: time.Second, Backoff: 1e300}))
	if !d.HasErrors() || !strings.Contains(d[0].Error(), "larger than 2147483647") || strings.Contains(d[0].Error(), "non-integer") {
		t.Errorf("backoff = 1e300: %v, want an error saying it is larger than 2147483647", d)
	}
	files, d := New(KindWorkflow).Render(withRetry(ir.Retry{Attempts: 12, Delay: time.Second, Backoff: 10}))
	if d.HasErrors() || len(files) == 0 {
		t.Fatal(d)
	}
	if !strings.Contains(string(files[0].Data), `cap: "24h0m0s"`) {
		t.Errorf("no 24h backoff cap without max_delay:\n%s", files[0].Data)
	}
}
