package local

import (
	"context"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// Regression tests for the local runner's hardening items (issue 13,
// "Local runner" 1–10), one per item, named after it.

// summaryRows returns the rows of the summary table (header included).
func summaryRows(t *testing.T, out string) []string {
	t.Helper()
	_, table, ok := strings.Cut(out, "\nTASK ")
	if !ok {
		t.Fatalf("no summary table:\n%s", out)
	}
	table, _, _ = strings.Cut("TASK "+table, "\n\n")
	return strings.Split(table, "\n")
}

// Names longer than 24 characters: every row's STATE column starts at the
// same place as the header's.
func TestHardening10SummaryColumnsAlign(t *testing.T) {
	long := strings.Repeat("n", 40)
	p := pipeline(cmdTask("a", "true"), cmdTask(long, "true"), cmdTask("medium_length_name_of_25x", "true"))
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"a": ir.Success, long: ir.Success})
	rows := summaryRows(t, oc.out)
	col := strings.Index(rows[0], "STATE")
	if len(rows) != 4 {
		t.Fatalf("want a header and 3 rows, got:\n%s", strings.Join(rows, "\n"))
	}
	for _, row := range rows[1:] {
		if strings.Index(row, "success") != col {
			t.Errorf("row %q: state at column %d, header's STATE at %d\n%s", row, strings.Index(row, "success"), col, strings.Join(rows, "\n"))
		}
	}
}
