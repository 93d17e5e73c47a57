// Package golden is the golden-file harness every package's tests share:
// one -update flag, one comparison, one line diff.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Update is the -update flag: rewrite golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite golden files")

// Check compares got with the golden file at path, or rewrites it under
// -update. refresh is the command that refreshes it, shown on a mismatch.
func Check(t testing.TB, path string, got []byte, refresh string) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (%s creates it)", err, refresh)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s is stale (%s refreshes it):\n%s", path, refresh, LineDiff(string(want), string(got)))
	}
}

// CheckOrphans fails for every regular file in dir that is not in want
// (file names), or removes it under -update: a golden file no test produces
// would otherwise hide a renamed or deleted case.
func CheckOrphans(t testing.TB, dir string, want map[string]bool, refresh string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || want[e.Name()] {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if *Update {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("orphan golden file %s: no test produces it (%s removes it)", path, refresh)
	}
}

// LineDiff shows the lines only in a with "- " and those only in b with
// "+ ".
func LineDiff(a, b string) string {
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	var out strings.Builder
	for _, d := range diffs {
		var prefix string
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			prefix = "+ "
		case diffmatchpatch.DiffDelete:
			prefix = "- "
		default:
			continue
		}
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l != "" {
				out.WriteString(prefix + strings.TrimSuffix(l, "\n") + "\n")
			}
		}
	}
	return out.String()
}
