package main

import (
	"strings"
	"testing"
)

func TestGraphDOTAndMermaid(t *testing.T) {
	code, out, errOut := dagcInProcess("graph", "../../testdata/fanout.dag.hcl")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, `digraph "fanout" {`) || !strings.Contains(out, "subgraph \"cluster_") {
		t.Errorf("dot output:\n%s", out)
	}
	code, out, errOut = dagcInProcess("graph", "--format", "mermaid", "../../testdata/fanout.dag.hcl")
	if code != exitOK || !strings.HasPrefix(out, "flowchart LR\n") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
}

func TestGraphErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"graph", "--format", "svg", "../../testdata/fanout.dag.hcl"}, exitUsage, `unknown --format "svg"`},
		{[]string{"graph", "../../testdata"}, exitUsage, "pipelines found"},
		{[]string{"graph", "a", "b"}, exitUsage, "accepts at most 1 arg"},
		{[]string{"graph", "../../testdata/errors/cycle.dag.hcl"}, exitFail, "Dependency cycle"},
	} {
		code, out, errOut := dagcInProcess(tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr:\n%s", tc.args, code, tc.code, out, errOut)
		}
	}
}
