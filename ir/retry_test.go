package ir

import (
	"testing"
	"time"
)

// Item 4 of the local runner's hardening: a retry delay never overflows; it
// saturates at max_delay, or at 24h without one (DESIGN 2.1).
func TestHardening04RetryDelaySaturates(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		name string
		r    Retry
		n    int
		want time.Duration
	}{
		{"grows", Retry{Delay: time.Second, Backoff: 2}, 4, 8 * time.Second},
		{"first", Retry{Delay: time.Second, Backoff: 2}, 1, time.Second},
		{"constant", Retry{Delay: 3 * time.Second, Backoff: 1}, 1000, 3 * time.Second},
		{"max-delay", Retry{Delay: time.Second, Backoff: 2, MaxDelay: 5 * time.Second}, 4, 5 * time.Second},
		// backoff = 10, attempts = 12: 1s × 10^10 overflowed int64 nanoseconds.
		{"backoff-10-attempt-11", Retry{Delay: time.Second, Backoff: 10}, 11, day},
		{"backoff-10-attempt-12", Retry{Delay: time.Second, Backoff: 10}, 12, day},
		{"backoff-1e300", Retry{Delay: time.Second, Backoff: 1e300}, 2, day},
		{"backoff-1e300-max-delay", Retry{Delay: time.Second, Backoff: 1e300, MaxDelay: time.Hour}, 2, time.Hour},
		{"huge-n", Retry{Delay: time.Second, Backoff: 1.5}, 1 << 30, day},
		// A delay the user set above 24h is kept, never shortened.
		{"long-delay", Retry{Delay: 48 * time.Hour, Backoff: 2}, 3, 48 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.r.DelayBefore(tc.n)
			if got != tc.want {
				t.Errorf("DelayBefore(%d) = %s, want %s", tc.n, got, tc.want)
			}
			for n := 1; n <= 40; n++ {
				if d := tc.r.DelayBefore(n); d < 0 || (n > 1 && d < tc.r.DelayBefore(n-1)) {
					t.Fatalf("DelayBefore(%d) = %s after %s: negative or shrinking", n, d, tc.r.DelayBefore(n-1))
				}
			}
		})
	}
}
