package ir

import (
	"strings"
	"testing"
)

// TestHardening11NumbersAreFiniteDecimals: NaN, Inf and hex floats used to
// parse, so NaN == NaN held locally while Airflow and Step Functions failed
// the task (issue 13, item 11).
func TestHardening11NumbersAreFiniteDecimals(t *testing.T) {
	for _, s := range []string{"0", "3", "-0.5", "1e3", "1E-3", "2.50", " 7\n", "\t-12.75e+2\r"} {
		if _, ok := ParseNumber(s); !ok {
			t.Errorf("%q must be a number", s)
		}
	}
	for _, s := range []string{"", " ", "NaN", "nan", "Inf", "-Inf", "Infinity", "0x1p4", "0x10", "+1", ".5", "1.", "01", "1_000", "1e", "1e400", "٣", "3\v", "\u00a03"} {
		if _, ok := ParseNumber(s); ok {
			t.Errorf("%q must not be a number", s)
		}
	}
}

func TestHardening11NaNComparisonFailsTheTask(t *testing.T) {
	ref := &Ref{Kind: RefParam, Name: "pn"}
	for _, op := range []CmpOp{Eq, Le, Ge, Ne, Lt, Gt} {
		c := &Cond{Op: CondCompare, Cmp: op, Left: Operand{Ref: ref}, Right: Operand{Lit: "0", LitKind: LitNumber}, Numeric: true}
		_, err := c.Eval(func(*Ref) string { return "NaN" })
		if err == nil || !strings.Contains(err.Error(), "not a number") {
			t.Errorf("NaN %s 0: err = %v, want a not-a-number failure", op, err)
		}
	}
	if err := checkParamValue(ParamNumber, "NaN"); err == nil {
		t.Error("a NaN number param default must be refused")
	}
}
