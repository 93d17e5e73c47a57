package ir

import "regexp"

// MaxOutputBytes is the largest value one output may hold (DESIGN 2.3).
// Every engine enforces this one constant.
const MaxOutputBytes = 32 << 10

// quantityRE is the Kubernetes resource quantity grammar (a decimal with an
// optional binary or decimal suffix or exponent: "2", "0.5", "500m", "4Gi",
// "1e3"), the one grammar the parser checks and backends trust.
var quantityRE = regexp.MustCompile(`^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$`)

// ValidQuantity reports whether s is a Kubernetes resource quantity.
func ValidQuantity(s string) bool { return quantityRE.MatchString(s) }
