package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/backends/registry"
	"github.com/dagc-dev/dagc/ir"
)

func cacheDir(t *testing.T) string {
	if d := os.Getenv("DAGC_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory for the tool cache")
	}
	return filepath.Join(home, ".cache", "dagc")
}

func buildDagc(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "dagc")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/dagc")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The suite must be able to fail: flip one trigger rule in the generated
// Airflow DAG and the table must show the disagreement in words.
func TestSuiteCatchesAFlippedTriggerRule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Airflow")
	}
	cache := cacheDir(t)
	if _, err := os.Stat(filepath.Join(cache, "airflow-venv", "bin", "python")); err != nil {
		t.Skip("Airflow venv not installed (scripts/setup-tools.sh installs it)")
	}
	var out, errOut bytes.Buffer
	code := realMain([]string{
		"-root", "../..", "-cache", cache, "-dagc", buildDagc(t),
		"-only", "triggers", "-engines", "local,airflow",
		"-mutate", `airflow:task_id="on_failure",\n        trigger_rule="all_done"=>task_id="on_failure",\n        trigger_rule="all_success"`,
	}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	want := "triggers / airflow: on_failure ended upstream_failed, local says success"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("table lacks %q:\n%s", want, out.String())
	}
}

// The Argo column executes: flip one depends expression in the generated
// manifest and Argo's own controller, run by argorun, must disagree with
// the local runner in words.
func TestSuiteCatchesAFlippedDependsOnArgo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Argo's controller")
	}
	cache := cacheDir(t)
	for _, tool := range []string{"argolint", "argorun"} {
		if _, err := os.Stat(filepath.Join(cache, "bin", tool)); err != nil {
			t.Skipf("%s not built (scripts/setup-tools.sh builds it)", tool)
		}
	}
	var out, errOut bytes.Buffer
	code := realMain([]string{
		"-root", "../..", "-cache", cache, "-dagc", buildDagc(t),
		"-only", "triggers", "-engines", "local,argo",
		"-mutate", `argo:depends: "(boom.Failed || boom.Errored)"=>depends: "boom.Succeeded"`,
	}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	want := "triggers / argo: all_failed_handler ended skipped, local says success"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("table lacks %q:\n%s", want, out.String())
	}
}

// A mutation that matches nothing must fail the cell rather than let an
// unbroken engine pass as "broken".
func TestMutationMustMatch(t *testing.T) {
	cache := cacheDir(t)
	if _, err := os.Stat(filepath.Join(cache, "bin", "argolint")); err != nil {
		t.Skip("argolint not built (scripts/setup-tools.sh builds it)")
	}
	var out, errOut bytes.Buffer
	code := realMain([]string{
		"-root", "../..", "-cache", cache, "-dagc", buildDagc(t),
		"-only", "serial", "-engines", "argo", "-mutate", "argo:no such text=>x",
	}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), `-mutate: "no such text" not found`) {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
}

// Breaking the Argo manifest must make Argo's own lint fail the cell.
func TestSuiteCatchesABrokenArgoManifest(t *testing.T) {
	cache := cacheDir(t)
	if _, err := os.Stat(filepath.Join(cache, "bin", "argolint")); err != nil {
		t.Skip("argolint not built (scripts/setup-tools.sh builds it)")
	}
	var out, errOut bytes.Buffer
	code := realMain([]string{
		"-root", "../..", "-cache", cache, "-dagc", buildDagc(t),
		"-only", "serial", "-engines", "argo", "-mutate", "argo:entrypoint:=>entrypoints:",
	}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), `unknown field "spec.entrypoints"`) {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
}

// Every backend of the registry is a column of the table and has a way to
// run in the suite: an engine without one would fail every cell.
func TestEveryRegisteredBackendHasARunner(t *testing.T) {
	if engineOrder[0] != reference {
		t.Fatalf("engine order %v does not start with the reference %s", engineOrder, reference)
	}
	for _, name := range registry.Names() {
		if !slices.Contains(engineOrder, name) {
			t.Errorf("backend %s is not a column of the table", name)
		}
	}
	// An empty cache skips the engines that need tools, and an expired
	// timeout stops the local run at once: what is left is whether the
	// suite knows the engine at all.
	cfg := &config{cache: t.TempDir(), dagc: filepath.Join(t.TempDir(), "no-dagc"), timeout: time.Nanosecond}
	dir := t.TempDir()
	for _, engine := range engineOrder {
		_, c := runEngine(cfg, engine, filepath.Join(dir, "x.dag.hcl"), dir, &ir.Pipeline{Name: "x"}, nil, io.Discard)
		if strings.Contains(c.detail, "no way to run") {
			t.Errorf("%s: %s", engine, c.detail)
		}
	}
	if _, c := runEngine(cfg, "nosuchengine", "x", dir, &ir.Pipeline{Name: "x"}, nil, io.Discard); !strings.Contains(c.detail, "no way to run backend nosuchengine") {
		t.Errorf("an unknown engine gave %+v", c)
	}
}
