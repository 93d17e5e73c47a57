package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/trace"
)

// chromium returns Debian's headless Chromium, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not found (Debian package chromium; .ci/run installs it): skipping the browser check of the run report")
	return ""
}

// headless runs Chromium as the machine allows: no sandbox as root, no
// background networking on a closed network, a throwaway profile.
func headless(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	out, err := exec.Command(bin, append(base, args...)...).Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return out
}

// The run report, loaded in a real browser: the DOM Chromium builds from
// the page holds every task's final state, every attempt and the run's
// state, as the run's own trace says.
func TestReportInABrowser(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	tracePath := filepath.Join(dir, "trace.jsonl")
	cmd := exec.Command(dagcBinary(t), "run", "--state-dir", filepath.Join(dir, ".dagc"), "--report", page, "--trace", tracePath, "../../testdata/triggers.dag.hcl")
	cmd.Dir = "."
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "report: "+page) {
		t.Fatalf("the triggers example must fail and write its report: %v\n%s", err, out)
	}
	f, err := os.Open(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	recs, runState, err := trace.Read(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	dom := string(headless(t, bin, "--dump-dom", "file://"+page))
	if !strings.Contains(dom, `id="run-state" data-state="`+runState+`"`) || runState != "failed" {
		t.Fatalf("run state %q not shown:\n%s", runState, dom)
	}
	final := map[string]string{}
	attempts := 0
	for _, r := range recs {
		final[r.Task] = r.State // no for_each in this example
		if r.Attempt > 0 {
			attempts++
		}
	}
	for task, state := range final {
		if !regexp.MustCompile(`<g class="node" data-task="` + regexp.QuoteMeta(task) + `" data-state="` + state + `">`).MatchString(dom) {
			t.Errorf("graph node %s is not shown %s", task, state)
		}
		if !strings.Contains(dom, `<section class="task" id="task-`+task+`" data-task="`+task+`" data-state="`+state+`">`) {
			t.Errorf("task section %s is not shown %s", task, state)
		}
	}
	if got := strings.Count(dom, `class="attempt"`); got != attempts {
		t.Errorf("%d attempt bars, the trace has %d attempts", got, attempts)
	}
	if !strings.Contains(dom, "failing on purpose") {
		t.Error("the failed task's log is not on the page")
	}
	if os.Getenv("DAGC_UPDATE_SCREENSHOT") != "" {
		shot, _ := filepath.Abs("../../docs/report.png")
		headless(t, bin, "--window-size=1200,1400", "--screenshot="+shot, "file://"+page)
	}
}
