package ir

import (
	"fmt"
	"strings"
)

// MaxNameLen caps task, param and output names. Every backend can carry a
// name this long (Airflow ids allow 250, Step Functions states 80 after
// mapping with a hash suffix, Argo names are mapped to DNS labels anyway).
const MaxNameLen = 128

// ValidName reports whether s is a valid task, param or pipeline name:
// `^[a-zA-Z_][a-zA-Z0-9_-]*$`, at most MaxNameLen characters.
func ValidName(s string) bool {
	if s == "" || len(s) > MaxNameLen || !identStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !identPart(c) && c != '-' {
			return false
		}
	}
	return true
}

// ValidOutputName reports whether s is a valid output name:
// `^[a-zA-Z_][a-zA-Z0-9_]*$`, at most MaxNameLen characters. Outputs become
// file names, XCom keys and Argo parameter names, so no dash.
func ValidOutputName(s string) bool {
	if s == "" || len(s) > MaxNameLen || !identStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !identPart(s[i]) {
			return false
		}
	}
	return true
}

// validEnvName is the POSIX rule for environment variable names, so a
// script can read every variable a task sets.
func validEnvName(s string) bool { return ValidOutputName(s) }

func identStart(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func identPart(c byte) bool  { return identStart(c) || ('0' <= c && c <= '9') }

// nameProblem explains why name breaks the rule checked by valid.
func nameProblem(name, rule string) string {
	switch {
	case name == "":
		return "the name is empty"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("the name is %d characters long; the limit is %d", len(name), MaxNameLen)
	}
	return fmt.Sprintf("%q does not match %s", name, rule)
}

const (
	nameRule   = "^[a-zA-Z_][a-zA-Z0-9_-]*$ (a letter or _, then letters, digits, _ or -)"
	outputRule = "^[a-zA-Z_][a-zA-Z0-9_]*$ (a letter or _, then letters, digits or _)"
)

// Suggester finds the closest known name for a misspelt one; it is the one
// "did you mean" of dagc, used by the parser, validation and backends. Each
// lookup is linear in the number of candidates, so a pipeline with
// thousands of misspellings gets suggestions only for the first ones
// (budget), keeping validation linear.
type Suggester struct {
	budget int // candidate comparisons left
}

// NewSuggester returns a Suggester with the budget of one compilation.
func NewSuggester() *Suggester { return &Suggester{budget: 2_000_000} }

// DidYouMean is a one-off suggestion: ` Did you mean "x"?` or "".
func DidYouMean(name string, candidates []string) string {
	return NewSuggester().Suggest(name, candidates)
}

// Suggest returns ` Did you mean "x"?` or "".
func (s *Suggester) Suggest(name string, candidates []string) string {
	if s.budget < len(candidates) || name == "" {
		return ""
	}
	s.budget -= len(candidates)
	limit := 2
	if len(name) > 6 {
		limit = 3
	}
	lname := strings.ToLower(name)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == name || absDiff(len(c), len(name)) > limit {
			continue
		}
		d := editDistance(lname, strings.ToLower(c), limit)
		if d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

// editDistance is the Levenshtein distance of a and b (bytes), or limit+1
// as soon as it is known to exceed limit.
func editDistance(a, b string, limit int) int {
	return distance([]byte(a), []byte(b), func(x, y byte) bool { return x == y }, limit)
}

// distance is the Levenshtein distance of two sequences whose elements eq
// compares, or limit+1 as soon as it is known to exceed limit (a negative
// limit: none). Names compare bytes, trigger names compare words.
func distance[E any](a, b []E, eq func(x, y E) bool, limit int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if eq(a[i-1], b[j-1]) {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if limit >= 0 && rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
