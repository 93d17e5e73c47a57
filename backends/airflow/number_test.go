package airflow

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// TestHardening11AirflowNumbersMatchIR runs the rendered dagc_num (with the
// rendered DAGC_NUMBER pattern) over values that are and are not numbers,
// and expects ir.ParseNumber's verdict for each: Python's float() alone
// would take "nan", "1_000" and " +1" (issue 13, item 11).
func TestHardening11AirflowNumbersMatchIR(t *testing.T) {
	py := python3(t)
	src := string(runtimeModule.data) // dagc_num lives in the runtime module
	var defs []string
	for _, prefix := range []string{"DAGC_NUMBER = ", "DAGC_NUMBER_BLANKS = "} {
		i := strings.Index(src, "\n"+prefix)
		if i < 0 {
			t.Fatalf("the runtime module lacks %s", prefix)
		}
		defs = append(defs, src[i+1:i+1+strings.IndexByte(src[i+1:], '\n')])
	}
	start := strings.Index(src, "\ndef dagc_num(")
	if start < 0 {
		t.Fatal("the runtime module lacks dagc_num")
	}
	end := strings.Index(src[start+1:], "\n\n\n")
	defs = append(defs, src[start+1:start+1+end])
	values := []string{"0", "3", "-0.5", "1e3", " 7\n", "", "NaN", "nan", "Inf", "infinity", "0x1p4", "+1", ".5", "1_000", "1e400", "٣", "\u00a03"}
	in, _ := json.Marshal(values)
	program := "import json, math, re, sys\nclass AirflowFailException(Exception):\n    pass\n" + strings.Join(defs, "\n") + `
out = []
for v in json.loads(sys.argv[1]):
    try:
        dagc_num(v, "x")
        out.append(True)
    except AirflowFailException:
        out.append(False)
print(json.dumps(out))
`
	var got []bool
	if err := json.Unmarshal(runPython(t, py, program, string(in)), &got); err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		if _, want := ir.ParseNumber(v); got[i] != want {
			t.Errorf("dagc_num(%q) accepted = %v, ir.ParseNumber says %v", v, got[i], want)
		}
	}
}
