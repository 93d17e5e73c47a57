package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiffExact(t *testing.T) {
	tests := []struct{ name, a, b, want string }{
		{"identical", "x\n", "x\n", ""},
		{"one change in the middle", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"--- f\n+++ f (generated)\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"insert into empty", "", "a\nb\n",
			"--- f\n+++ f (generated)\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"delete everything", "a\nb\n", "",
			"--- f\n+++ f (generated)\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"missing final newline", "a\nb", "a\nb\n",
			"--- f\n+++ f (generated)\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"a lone unchanged line stays context", "a\n}\nb\n", "A\n}\nB\n",
			"--- f\n+++ f (generated)\n@@ -1,3 +1,3 @@\n-a\n+A\n }\n-b\n+B\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n",
			"--- f\n+++ f (generated)\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n"},
		{"changes six lines apart share a hunk", "1\n2\n3\n4\n5\n6\n7\n8\n", "one\n2\n3\n4\n5\n6\n7\neight\n",
			"--- f\n+++ f (generated)\n@@ -1,8 +1,8 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := unifiedDiff("f", tc.a, tc.b); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// applyUnified applies a unified diff made by unifiedDiff to a, checking
// every hunk header against its body and every context line against a.
func applyUnified(a, diff string) (string, error) {
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("bad header")
	}
	src := strings.SplitAfter(a, "\n")
	if len(src) > 0 && src[len(src)-1] == "" {
		src = src[:len(src)-1]
	}
	var out []string
	next := 0 // next line of src to copy, 0-based
	for i := 2; i < len(lines) && lines[i] != ""; {
		var as, ac, bs, bc int
		if _, err := fmt.Sscanf(lines[i], "@@ -%d,%d +%d,%d @@\n", &as, &ac, &bs, &bc); err != nil {
			return "", fmt.Errorf("bad hunk header %q", lines[i])
		}
		i++
		start := as - 1
		if ac == 0 {
			start = as
		}
		if start < next {
			return "", fmt.Errorf("hunk at %d overlaps the previous one", as)
		}
		out = append(out, src[next:start]...)
		if got := len(out); (bc > 0 && got != bs-1) || (bc == 0 && got != bs) {
			return "", fmt.Errorf("hunk +%d,%d starts at output line %d", bs, bc, got+1)
		}
		next = start
		na, nb := 0, 0
		for i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@") {
			l := lines[i]
			i++
			text := l[1:]
			if i < len(lines) && strings.HasPrefix(lines[i], `\ No newline`) {
				text = strings.TrimSuffix(text, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if next >= len(src) || src[next] != text {
					return "", fmt.Errorf("line %d of a is not %q", next+1, text)
				}
				next++
				na++
				if l[0] == ' ' {
					out = append(out, text)
					nb++
				}
			case '+':
				out = append(out, text)
				nb++
			default:
				return "", fmt.Errorf("bad line %q", l)
			}
		}
		if na != ac || nb != bc {
			return "", fmt.Errorf("hunk header says -%d +%d, body has -%d +%d", ac, bc, na, nb)
		}
	}
	out = append(out, src[next:]...)
	return strings.Join(out, ""), nil
}

// randomText makes a small file out of a few repeated lines, so that
// diffs have both matches and changes.
func randomText(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(30) {
		b.WriteString("line " + strconv.Itoa(r.IntN(6)) + "\n")
	}
	s := b.String()
	if s != "" && r.IntN(4) == 0 {
		s = strings.TrimSuffix(s, "\n") // no final newline
	}
	return s
}

func TestUnifiedDiffAppliesBack(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	patchTool, _ := exec.LookPath("patch")
	dir := t.TempDir()
	for i := range 500 {
		a, b := randomText(r), randomText(r)
		d := unifiedDiff("f", a, b)
		if a == b {
			if d != "" {
				t.Fatalf("diff of equal texts: %q", d)
			}
			continue
		}
		got, err := applyUnified(a, d)
		if err != nil || got != b {
			t.Fatalf("case %d: %v\na=%q\nb=%q\ndiff:\n%s\napplied=%q", i, err, a, b, d, got)
		}
		// GNU patch must accept it too, when installed.
		if patchTool != "" && i < 100 {
			f := filepath.Join(dir, "f")
			os.WriteFile(f, []byte(a), 0o644)
			c := exec.Command(patchTool, "-s", "--no-backup-if-mismatch", f)
			c.Stdin = strings.NewReader(d)
			if out, err := c.CombinedOutput(); err != nil {
				t.Fatalf("case %d: patch: %v %s\ndiff:\n%s", i, err, out, d)
			}
			if got, _ := os.ReadFile(f); string(got) != b {
				t.Fatalf("case %d: patch gave %q, want %q", i, got, b)
			}
		}
	}
}
