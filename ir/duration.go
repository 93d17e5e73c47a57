package ir

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses Go duration syntax plus a "d" unit for days
// ("1d12h", "30s", "1.5h"). Negative durations are rejected.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	var total time.Duration
	// Peel off a leading "<n>d" so the rest can go to time.ParseDuration.
	if i := strings.IndexByte(s, 'd'); i > 0 {
		days, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q: use a number and a unit such as 30s, 10m, 2h or 1d", orig)
		}
		total = time.Duration(days * float64(24*time.Hour))
		s = s[i+1:]
		if s == "" {
			return total, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: use a number and a unit such as 30s, 10m, 2h or 1d", orig)
	}
	return total + d, nil
}
