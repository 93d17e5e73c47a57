package parser

import (
	"strings"
	"testing"
)

// Item 7 of the local runner's hardening: values no process can receive are
// diagnostics at the value's file:line:col, not run-time "invalid argument".
func TestHardening07UnusableLiteralsAreDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, src, summary string
		line, col          int
	}{
		{"nul-in-command", "task \"a\" {\n  command = [\"echo\", \"a\\u0000b\"]\n}\n", "NUL byte in command", 2, 22},
		{"empty-program", "task \"a\" {\n  command = [\"\"]\n}\n", "Empty program name", 2, 14},
		{"empty-program-with-args", "task \"a\" {\n  command = [\"\", \"x\"]\n}\n", "Empty program name", 2, 14},
		{"nul-in-script", "task \"a\" {\n  script = \"echo \\u0000\"\n}\n", "NUL byte in script", 2, 12},
		{"nul-in-env", "task \"a\" {\n  command = [\"env\"]\n  env = { X = \"a\\u0000\" }\n}\n", "NUL byte in env", 3, 11},
		{"nul-in-defaults-env", "pipeline \"p\" {\n  defaults {\n    env = { Y = \"\\u0000\" }\n  }\n}\ntask \"a\" {\n  command = [\"env\"]\n}\n", "NUL byte in env", 3, 13},
		{"nul-in-workdir", "task \"a\" {\n  command = [\"pwd\"]\n  workdir = \"a\\u0000\"\n}\n", "NUL byte in workdir", 3, 13},
		{"nul-in-for-each-value", "task \"a\" {\n  for_each = toset([\"x\", \"y\\u0000\"])\n  command  = [\"echo\", each.value]\n}\n", "NUL byte in command", 3, 23},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := New().ParseFile("p.dag.hcl", []byte(tc.src), Options{})
			n := 0
			for _, d := range diags {
				if d.Summary != tc.summary {
					continue
				}
				n++
				if d.Subject.Filename != "p.dag.hcl" || d.Subject.Start.Line != tc.line || d.Subject.Start.Column != tc.col {
					t.Errorf("%s at %s:%d:%d, want line %d col %d", d.Summary, d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, tc.line, tc.col)
				}
			}
			if n != 1 {
				t.Errorf("%d %q diagnostics, want 1; got %v", n, tc.summary, diags)
			}
		})
	}
}

// Item 20 of the hardening issue: an indexed task reference is told what
// it can write instead, and the hint is itself valid.
func TestHardening20IndexedOutputHintIsValid(t *testing.T) {
	for _, tc := range []struct{ name, expr string }{
		{"by-each-key", "task.a[each.key].outputs.o"},
		{"output-indexed", "task.a.outputs.o[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "task \"a\" {\n  for_each = [\"x\", \"y\"]\n  command  = [\"echo\", each.value]\n  outputs  = [\"o\"]\n}\n" +
				"task \"c\" {\n  for_each = [\"x\", \"y\"]\n  command  = [\"echo\", " + tc.expr + "]\n}\n"
			_, diags := New().ParseFile("p.dag.hcl", []byte(src), Options{})
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %v", diags)
			}
			d := diags[0]
			if d.Summary != "Invalid reference" || d.Subject.Start.Line != 8 || d.Subject.Start.Column != 23 {
				t.Fatalf("got %s at %d:%d", d.Error(), d.Subject.Start.Line, d.Subject.Start.Column)
			}
			if strings.Contains(d.Detail, "${task.a}") || !strings.Contains(d.Detail, "task.a.outputs.NAME") {
				t.Fatalf("hint is not valid dagc: %s", d.Detail)
			}
		})
	}
}
