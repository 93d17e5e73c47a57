package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/backends/local"
	"github.com/dagc-dev/dagc/backends/registry"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
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
		_, c := runEngine(cfg, engine, filepath.Join(dir, "x.dag.hcl"), dir, &ir.Pipeline{Name: "x"}, exampleOptions{}, io.Discard)
		if strings.Contains(c.detail, "no way to run") {
			t.Errorf("%s: %s", engine, c.detail)
		}
	}
	if _, c := runEngine(cfg, "nosuchengine", "x", dir, &ir.Pipeline{Name: "x"}, exampleOptions{}, io.Discard); !strings.Contains(c.detail, "no way to run backend nosuchengine") {
		t.Errorf("an unknown engine gave %+v", c)
	}
}

// suiteMutation runs one example on local and one engine with a mutation
// and checks that the table shows the expected disagreement.
func suiteMutation(t *testing.T, example, engine, mutation, want string) {
	t.Helper()
	cache := cacheDir(t)
	switch engine {
	case "airflow":
		if testing.Short() {
			t.Skip("runs Airflow")
		}
		if _, err := os.Stat(filepath.Join(cache, "airflow-venv", "bin", "python")); err != nil {
			t.Skip("Airflow venv not installed (scripts/setup-tools.sh installs it)")
		}
	case "stepfunctions":
		if _, err := os.Stat(filepath.Join(cache, "node", "node_modules")); err != nil {
			t.Skip("npm tools not installed (scripts/setup-tools.sh installs them)")
		}
	}
	var out, errOut bytes.Buffer
	code := realMain([]string{
		"-root", "../..", "-cache", cache, "-dagc", buildDagc(t),
		"-only", example, "-engines", "local," + engine, "-mutate", engine + ":" + mutation,
	}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), want) {
		t.Fatalf("table lacks %q:\n%s", want, out.String())
	}
}

// allow_failure: a watcher that judges the tolerated task too fails the
// run, and the suite says so.
func TestSuiteCatchesAWatcherJudgingAllowFailure(t *testing.T) {
	suiteMutation(t, "allow_failure", "airflow",
		`dagc_check_run(allowed=["lint"])=>dagc_check_run()`,
		"allow_failure / airflow: run ended failed, local says success")
}

// allow_failure: a run-state Choice that tests the tolerated task fails
// the execution.
func TestSuiteCatchesARunStateJudgingAllowFailure(t *testing.T) {
	suiteMutation(t, "allow_failure", "stepfunctions",
		`{"Variable":"$.tasks.build.state","StringEquals":"failed","Next":"Task Failed: build"}=>{"Variable":"$.tasks.lint.state","StringEquals":"failed","Next":"Task Failed: build"}`,
		"allow_failure / stepfunctions: run ended failed, local says success")
}

// run.attempt: a DAGC_ATTEMPT that counts from 0 makes the flaky task
// succeed only on its third attempt (and publish "recovered on attempt 3").
func TestSuiteCatchesAnAttemptCountedFromZero(t *testing.T) {
	suiteMutation(t, "retries", "stepfunctions",
		`{"Name":"DAGC_ATTEMPT","Value.$":"States.Format('{}', States.MathAdd($$.State.RetryCount, 1))"}=>{"Name":"DAGC_ATTEMPT","Value.$":"States.Format('{}', States.MathAdd($$.State.RetryCount, 0))"}`,
		"retries / stepfunctions: flaky ended success after 3 attempt(s), local says 2")
}

// on_exit_codes: a retrier that matches every error retries flip's final
// exit code 3; the state is the same, the attempts are not.
func TestSuiteCatchesARetrierIgnoringExitCodes(t *testing.T) {
	suiteMutation(t, "exit_codes", "stepfunctions",
		`"ErrorEquals":["dagc.exit.75","dagc.exit.76"]=>"ErrorEquals":["States.ALL"]`,
		"exit_codes / stepfunctions: flip ended failed after 6 attempt(s), local says 2")
}

// on_exit_codes: listing validate's final code 2 on Airflow retries it.
func TestSuiteCatchesAnAirflowRetryOnAFinalCode(t *testing.T) {
	suiteMutation(t, "exit_codes", "airflow",
		`task_id="validate",\n        retries=3,\n        retry_delay=timedelta(seconds=1),\n        retry_exit_codes=[75],=>task_id="validate",\n        retries=3,\n        retry_delay=timedelta(seconds=1),\n        retry_exit_codes=[75, 2],`,
		"exit_codes / airflow: validate ended failed after 4 attempt(s), local says 1")
}

// Exit handlers: the suite must notice an engine that gets a final task
// wrong. On Step Functions run.status is forced to success after a failed
// run: the handlers then see the wrong status and the run ends succeeded.
func TestSuiteCatchesAWrongRunStatusOnStepFunctions(t *testing.T) {
	suiteMutation(t, "final_failed", "stepfunctions",
		`"Result":"failed","ResultPath":"$.run.status"=>"Result":"success","ResultPath":"$.run.status"`,
		"final_failed / stepfunctions: run ended success, local says failed")
}

// On Airflow the final tasks are given a wrong run.status: the run still
// fails (the watcher judges it), but what the handlers read differs.
func TestSuiteCatchesAWrongRunStatusOnAirflow(t *testing.T) {
	suiteMutation(t, "final_failed", "airflow",
		`return "failed" if any(name not in tolerated and name.split("[", 1)[0] not in tolerated for name in failed) else "success"=>return "success"`,
		`final_failed / airflow: notify outputs differ: status = "success", want "failed"`)
}

// The local column runs with --isolate: a task that reads what another
// wrote to the host's /tmp, as no pod on a cluster can, fails there.
func TestSuiteLocalColumnHasAPrivateTmp(t *testing.T) {
	root, keep := t.TempDir(), t.TempDir()
	os.Mkdir(filepath.Join(root, "testdata"), 0o755)
	marker := fmt.Sprintf("dagc-suite-shared-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() { os.Remove(filepath.Join(os.TempDir(), marker)) })
	src := fmt.Sprintf(`pipeline "shared_tmp" {
}

task "write" {
  script = "echo hi > \"$${TMPDIR:-/tmp}/%[1]s\""
}

task "read" {
  depends_on = [task.write]
  script     = "cat \"$${TMPDIR:-/tmp}/%[1]s\""
}
`, marker)
	if err := os.WriteFile(filepath.Join(root, "testdata", "shared_tmp.dag.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	realMain([]string{"-root", root, "-cache", t.TempDir(), "-dagc", buildDagc(t), "-engines", "local", "-keep", keep}, &out, &errOut)
	f, err := os.Open(filepath.Join(keep, "shared_tmp", "local.trace.jsonl"))
	if err != nil {
		t.Fatalf("no local trace: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	defer f.Close()
	recs, _, err := trace.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	final := trace.Final(recs)
	if final["write"].State != "success" || final["read"].State != "failed" {
		t.Errorf("write %s, read %s: want success, failed (read must not see write's /tmp)", final["write"].State, final["read"].State)
	}
}

// midnight (issue 13, item 14): the run starts at 23:30 UTC, already the
// next day in Tokyo. An Argo manifest that computes run.date in UTC makes
// the Argo cell disagree with the local runner.
func TestSuiteCatchesARunDateInUTCOnArgo(t *testing.T) {
	cache := cacheDir(t)
	for _, tool := range []string{"argolint", "argorun"} {
		if _, err := os.Stat(filepath.Join(cache, "bin", tool)); err != nil {
			t.Skipf("%s not built (scripts/setup-tools.sh builds it)", tool)
		}
	}
	suiteMutation(t, "midnight", "argo",
		`asInt(workflow.creationTimestamp.s), \"Asia/Tokyo\")=>asInt(workflow.creationTimestamp.s), \"UTC\")`,
		"midnight / argo: run ended failed, local says success")
}

// An expected refusal is checked: the engine must refuse, with the text
// testdata/conformance.json names; the cell is then shown skipped with the
// refusal, and fails otherwise.
func TestExpectedRefusal(t *testing.T) {
	cfg := &config{dagc: buildDagc(t)}
	dir := t.TempDir()
	midnight, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "midnight.dag.hcl"))
	serial, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "serial.dag.hcl"))
	for _, tc := range []struct {
		file, engine, want, skip, detail string
	}{
		{midnight, "stepfunctions", "run.date in timezone Asia/Tokyo is not supported", "refused as expected: Error: run.date in timezone Asia/Tokyo is not supported by the stepfunctions backend", ""},
		{midnight, "stepfunctions", "some other reason", "", `refused, but not with "some other reason"`},
		{serial, "stepfunctions", "run.date in timezone", "", `expected a refusal holding "run.date in timezone", but generate stepfunctions succeeded`},
		{serial, "local", "x", "", "the reference engine cannot be expected to refuse"},
	} {
		c := expectRefusal(context.Background(), cfg, tc.engine, tc.file, dir, tc.want)
		if c.ok || c.skip != tc.skip || !strings.Contains(c.detail, tc.detail) || (tc.detail == "") != (c.detail == "") {
			t.Errorf("%s on %s, want %q: got %+v", filepath.Base(tc.file), tc.engine, tc.want, c)
		}
	}
}

// The run's instant of testdata/conformance.json must be an RFC 3339 time.
func TestExampleInstant(t *testing.T) {
	opts, err := readOptions(filepath.Join("..", "..", "testdata", "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	at, err := opts["midnight"].at()
	if err != nil || at.UTC().Format("2006-01-02") == "" {
		t.Fatal(err)
	}
	p := &ir.Pipeline{Name: "x", Timezone: "Asia/Tokyo"}
	if got, utc := local.LogicalDate(p, at), at.UTC().Format("2006-01-02"); got == utc {
		t.Errorf("midnight's instant %s has the same date (%s) in UTC and Asia/Tokyo: it tests nothing", at, got)
	}
	if _, err := (exampleOptions{At: "2026-03-14 23:30"}).at(); err == nil {
		t.Error("an instant without a zone was accepted")
	}
}

// Run-time fan-out: an Argo argument that reads the item's value where
// each.key belongs gives other outputs than every other engine.
func TestSuiteCatchesAnArgoKeyReadFromTheValue(t *testing.T) {
	suiteMutation(t, "dynamic_fanout", "argo",
		`fromBase64(item))[\"k\"]=>fromBase64(item))[\"v\"]`,
		"dynamic_fanout / argo: ")
}

// Run-time fan-out: a Step Functions machine that maps over [] instead of
// ending the task skipped.
func TestSuiteCatchesAnEmptyFanOutNotSkippedOnStepFunctions(t *testing.T) {
	suiteMutation(t, "dynamic_fanout", "stepfunctions",
		`"StringEquals":"[]","Next":"nothing skipped"=>"StringEquals":"[0]","Next":"nothing skipped"`,
		"dynamic_fanout / stepfunctions: ")
}

// Run-time fan-out: an Airflow items task that takes an object for an
// array runs an instance per key where every other engine fails the task.
func TestSuiteCatchesAnAirflowItemsTaskSkippingTheShapeCheck(t *testing.T) {
	suiteMutation(t, "dynamic_malformed", "airflow",
		`if not isinstance(elements, list):=>if False:`,
		"dynamic_malformed / airflow: ")
}

// Issue 13 item 15: the suite compares what a run timeout ended through
// conformance.RunTimeoutStates, so it must go red when an engine records
// it otherwise. Rendered as a per-task execution_timeout instead of
// dagrun_timeout, the cut task ends failed in Airflow (and what follows it
// upstream_failed), where Airflow's run timeout records skipped.
func TestSuiteCatchesARunTimeoutAirflowRecordsAsFailed(t *testing.T) {
	suiteMutation(t, "run_timeout", "airflow",
		`dagrun_timeout=timedelta(seconds=10),=>default_args={"execution_timeout": timedelta(seconds=10)},`,
		"run_timeout / airflow: load ended failed, local says failed (the run timeout ended it, which airflow records as skipped)")
}

// Artifacts: a for_each producer's artifact read as a plain task's never
// reaches the join, which then fails.
func TestSuiteCatchesAFanOutArtifactReadAsOne(t *testing.T) {
	suiteMutation(t, "artifacts", "stepfunctions",
		`parts=shard/*/part=>parts=shard/part`,
		"artifacts / stepfunctions: run ended failed, local says success")
}

// Artifacts: files cut short on the way (the first MiB only) change what
// the consumer receives; its checksum no longer matches the producer's.
func TestSuiteCatchesATruncatedArtifactOnAirflow(t *testing.T) {
	suiteMutation(t, "artifacts", "airflow",
		`shutil.copyfileobj(fin, fout, DAGC_COPY_CHUNK)=>fout.write(fin.read(1 << 20))`,
		"artifacts / airflow: run ended failed, local says success")
}
