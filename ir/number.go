package ir

import (
	"regexp"
	"strconv"
	"strings"
)

// NumberSyntax is the grammar of a number in a numeric `when` comparison and
// of a number param (DESIGN 2.4): a finite decimal written as JSON writes
// numbers, with no anchors so each engine anchors it in its own regexp
// dialect, and no backslash so it reads the same in every string syntax. JSON's grammar is the one every engine can check: Step Functions
// converts text with States.StringToJson, and the generated Airflow and Argo
// code match this pattern before converting. NaN, Inf, hex floats, "+1",
// ".5" and "1_000" are not numbers here, on any engine.
const NumberSyntax = `-?(?:0|[1-9][0-9]*)(?:[.][0-9]+)?(?:[eE][+-]?[0-9]+)?`

// NumberBlanks are the characters trimmed from both ends of a value before
// it is read as a number: JSON's whitespace, so a value written with a
// trailing newline compares as the number it holds.
const NumberBlanks = " \t\n\r"

var numberRE = regexp.MustCompile(`^(?:` + NumberSyntax + `)$`)

// ParseNumber reads s as a number of NumberSyntax after trimming
// NumberBlanks; ok is false for anything else, and for a number too large
// for a float64 (which would be infinite).
func ParseNumber(s string) (f float64, ok bool) {
	s = strings.Trim(s, NumberBlanks)
	if !numberRE.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
