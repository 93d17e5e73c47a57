package stepfunctions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/backends/local"
	"github.com/dagc-dev/dagc/conformance"
	"github.com/dagc-dev/dagc/internal/moto"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

const conformanceDir = "../../conformance/stepfunctions"

// tools returns the npm modules directory and cfn-lint, or skips the test
// when scripts/setup-stepfunctions.sh has not installed them.
func tools(t *testing.T) (string, string) {
	t.Helper()
	cache := os.Getenv("DAGC_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "dagc")
	}
	modules := filepath.Join(cache, "node", "node_modules")
	cfnLint := filepath.Join(cache, "cfn-venv", "bin", "cfn-lint")
	for _, need := range []string{filepath.Join(modules, "aws-local-stepfunctions"), filepath.Join(modules, "asl-validator"), filepath.Join(modules, "amazon-states-language-service"), cfnLint} {
		if _, err := os.Stat(need); err != nil {
			t.Skipf("Step Functions tools not installed (%s missing): run scripts/setup-stepfunctions.sh", need)
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not found: the Step Functions conformance tests need Node.js")
	}
	return modules, cfnLint
}

// refusedExamples maps the examples testdata/conformance.json expects this
// backend to refuse ("refused") to the text the refusal must hold.
func refusedExamples(t *testing.T) map[string]string {
	t.Helper()
	var options map[string]struct {
		Refused map[string]string `json:"refused"`
	}
	b, err := os.ReadFile(filepath.Join(examplesDir, "conformance.json"))
	if err == nil {
		err = json.Unmarshal(b, &options)
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, o := range options {
		if want, ok := o.Refused[backendName]; ok {
			out[name] = want
		}
	}
	return out
}

// checkRefused reports whether p is an example this backend is expected to
// refuse, and fails the test unless it refuses it so.
func checkRefused(t *testing.T, refused map[string]string, p *ir.Pipeline) bool {
	t.Helper()
	want, ok := refused[p.Name]
	if !ok {
		return false
	}
	if files, diags := render(p); files != nil || !strings.Contains(fmt.Sprint(diags), want) {
		t.Errorf("%s: want a refusal holding %q, got %d files, %v", p.Name, want, len(files), diags)
	}
	return true
}

// generateAll renders every example into dir, but those it is expected to
// refuse, and returns the paths of the definitions and templates.
func generateAll(t *testing.T, dir string) (defs, cfns []string) {
	t.Helper()
	refused := refusedExamples(t)
	for _, file := range examples(t) {
		p := parseExample(t, file)
		if checkRefused(t, refused, p) {
			continue
		}
		files, diags := render(p)
		if files == nil {
			t.Fatalf("%s rejected: %v", file, diags)
		}
		for _, f := range files {
			path := filepath.Join(dir, f.Path)
			if err := os.WriteFile(path, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f.Path, ".asl.json") {
				defs = append(defs, path)
			} else {
				cfns = append(cfns, path)
			}
		}
	}
	return defs, cfns
}

func runTool(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), 0
}

// TestValidators: every definition passes asl-validator and
// amazon-states-language-service, every template cfn-lint; and the
// validators do reject a broken definition.
func TestValidators(t *testing.T) {
	_, cfnLint := tools(t)
	dir := t.TempDir()
	defs, cfns := generateAll(t, dir)
	var packagedCfn string
	// A pipeline split into child machines, inline and as a template that
	// references its definition files (aws cloudformation package).
	func() {
		defer func(b int) { partBudget = b }(partBudget)
		partBudget = 2500
		p := parseExample(t, filepath.Join(examplesDir, "triggers.dag.hcl"))
		p.Name = "triggers_split"
		b := newBuilder(p)
		def := b.definition()
		var machines []cfnMachine
		for i, d := range append([]obj{def}, partDefs(b)...) {
			data, _ := marshalForTemplate(d)
			path := filepath.Join(dir, fmt.Sprintf("triggers_split.%d.asl.json", i))
			os.WriteFile(path, data, 0o644)
			defs = append(defs, path)
			res := "StateMachine"
			if i > 0 {
				res = fmt.Sprintf("Part%d", b.children[i-1].n)
			}
			machines = append(machines, cfnMachine{Resource: res, Name: res, File: filepath.Base(path), Definition: data})
		}
		for _, c := range b.children {
			machines[c.parent].Parts = append(machines[c.parent].Parts, c.n)
		}
		for _, packaged := range []bool{false, true} {
			cfn, _ := cloudFormation(p, b.opts.Run, b.images, machines, packaged)
			path := filepath.Join(dir, fmt.Sprintf("triggers_split_%v.cfn.yaml", packaged))
			os.WriteFile(path, cfn, 0o644)
			if packaged {
				packagedCfn = path
			} else {
				cfns = append(cfns, path)
			}
		}
	}()
	validate := filepath.Join(conformanceDir, "validate.js")
	if out, code := runTool(t, "node", append([]string{validate}, defs...)...); code != 0 {
		t.Errorf("validators rejected a definition:\n%s", out)
	} else {
		t.Logf("validators:\n%s", out)
	}
	if out, code := runTool(t, cfnLint, cfns...); code != 0 {
		t.Errorf("cfn-lint rejected a template:\n%s", out)
	}
	// W3002: "may only work with the package cli command", which is how a
	// template referencing its definition files is deployed.
	if out, code := runTool(t, cfnLint, "--ignore-checks", "W3002", "--", packagedCfn); code != 0 {
		t.Errorf("cfn-lint rejected the packaged template:\n%s", out)
	}

	broken := filepath.Join(dir, "broken.asl.json")
	os.WriteFile(broken, []byte(`{"StartAt":"a","States":{"a":{"Type":"Pass","Next":"missing"}}}`), 0o644)
	if out, code := runTool(t, "node", validate, broken); code != 1 {
		t.Errorf("validate.js accepted a definition whose Next names no state (exit %d):\n%s", code, out)
	}
}

// TestLocalEngine runs every example in aws-local-stepfunctions and
// compares its trace with the local runner's: same final state for every
// task instance, same outputs, same run state, every edge respected.
func TestLocalEngine(t *testing.T) {
	tools(t)
	if testing.Short() {
		t.Skip("runs every example in two engines; skipped with -short")
	}
	var options map[string]struct {
		Params map[string]string `json:"params"`
	}
	if b, err := os.ReadFile(filepath.Join(examplesDir, "conformance.json")); err == nil {
		json.Unmarshal(b, &options)
	}
	refused := refusedExamples(t)
	for _, file := range examples(t) {
		p := parseExample(t, file)
		t.Run(p.Name, func(t *testing.T) {
			// An example this backend refuses (the conformance suite
			// expects it): the refusal is the result.
			if checkRefused(t, refused, p) {
				return
			}
			given := options[p.Name].Params
			if given == nil {
				given = map[string]string{}
			}
			if p.UsesArtifacts() {
				withS3(t, StorageOf(p))
			}
			got := runBoth(t, p, given)
			if want := expectedRunState[p.Name]; want != "" && got.State != want {
				t.Errorf("run ended %s, want %s", got.State, want)
			}
			final := trace.Final(got.Records)
			for k, want := range expectedStates[p.Name] {
				if final[k].State != string(want) {
					t.Errorf("%s ended %q, want %s", k, final[k].State, want)
				}
			}
			if p.Name == "retries" && final["flaky"].Attempt != 2 {
				t.Errorf("flaky: final attempt %d, want 2 (the engine must retry)", final["flaky"].Attempt)
			}
		})
	}
}

var dagcBin struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// dagcBinary builds the dagc binary once per test process: run.js starts
// its `dagc exec` as each task's container entrypoint.
func dagcBinary(t *testing.T) string {
	t.Helper()
	dagcBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "dagc-bin-")
		if err != nil {
			dagcBin.err = err
			return
		}
		dagcBin.path = filepath.Join(dir, "dagc")
		cmd := exec.Command("go", "build", "-o", dagcBin.path, "./cmd/dagc")
		cmd.Dir = "../.."
		dagcBin.out, dagcBin.err = cmd.CombinedOutput()
	})
	if dagcBin.err != nil {
		t.Fatalf("building dagc: %v\n%s", dagcBin.err, dagcBin.out)
	}
	return dagcBin.path
}

// runBoth runs p with the local runner and, rendered, in
// aws-local-stepfunctions (run.js with the test index), checks that the two
// agree (conformance.Compare) and returns the Step Functions run.
func runBoth(t *testing.T, p *ir.Pipeline, given map[string]string) conformance.Run {
	t.Helper()
	dir := t.TempDir()
	params, err := local.ResolveParams(p, given)
	if err != nil {
		t.Fatal(err)
	}
	var localTrace bytes.Buffer
	if _, err := local.Run(context.Background(), p, local.Options{
		Params: params, Trace: &localTrace, Out: &bytes.Buffer{},
		StateDir: filepath.Join(dir, "state"), Dir: dir, Environ: os.Environ(),
	}); err != nil {
		t.Fatalf("local run: %v", err)
	}
	ref := readRun(t, "local", localTrace.Bytes())

	files, diags := render(p)
	if files == nil {
		t.Fatalf("rejected: %v", diags)
	}
	for _, f := range files {
		os.WriteFile(filepath.Join(dir, f.Path), f.Data, 0o644)
	}
	def := filepath.Join(dir, files[0].Path)
	idx, diags := TestIndex(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	index := filepath.Join(dir, "index.json")
	os.WriteFile(index, idx, 0o644)
	input, _ := json.Marshal(given)
	tracePath := filepath.Join(dir, "sfn.jsonl")
	out, code := runTool(t, "node", filepath.Join(conformanceDir, "run.js"), def, "--index", index, "--exec", dagcBinary(t), "--trace", tracePath, "--input", string(input))
	if code > 1 {
		t.Fatalf("run.js failed (exit %d):\n%s", code, out)
	}
	b, err := os.ReadFile(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	got := readRun(t, "stepfunctions", b)
	for _, d := range conformance.Compare(p, ref, got) {
		t.Error(d)
	}
	return got
}

// TestChildMachines runs pipelines split into child state machines
// (parts.go; the size budget lowered so that small pipelines split) in
// aws-local-stepfunctions: records, outputs, failures and skips cross the
// machine boundaries exactly as in one machine.
func TestChildMachines(t *testing.T) {
	tools(t)
	if testing.Short() {
		t.Skip("runs pipelines in two engines; skipped with -short")
	}
	defer func(b int) { partBudget = b }(partBudget)
	partBudget = 2500
	for _, name := range []string{"triggers", "fanout", "conditions"} {
		t.Run(name, func(t *testing.T) {
			p := parseExample(t, filepath.Join(examplesDir, name+".dag.hcl"))
			files, diags := render(p)
			if files == nil {
				t.Fatal(diags)
			}
			parts := 0
			for _, f := range files {
				if strings.Contains(f.Path, ".part-") {
					parts++
				}
			}
			if parts < 2 {
				t.Fatalf("want the pipeline split into child machines, got %d", parts)
			}
			var given map[string]string
			if name == "conditions" {
				given = map[string]string{}
				if b, err := os.ReadFile(filepath.Join(examplesDir, "conformance.json")); err == nil {
					var options map[string]struct {
						Params map[string]string `json:"params"`
					}
					json.Unmarshal(b, &options)
					given = options[name].Params
				}
			}
			if given == nil {
				given = map[string]string{}
			}
			got := runBoth(t, p, given)
			if want := expectedRunState[name]; got.State != want {
				t.Errorf("run ended %s, want %s", got.State, want)
			}
			final := trace.Final(got.Records)
			for k, want := range expectedStates[name] {
				if final[k].State != string(want) {
					t.Errorf("%s ended %q, want %s", k, final[k].State, want)
				}
			}
			t.Logf("%d child machines", parts)
		})
	}
}

// Expected results written down from DESIGN 2.4 and the examples' own
// comments, independent of any engine.
var expectedRunState = map[string]string{"triggers": "failed", "more_triggers": "failed", "conditions": "success", "retries": "success", "hostile": "success", "fanout": "success", "allow_failure": "success", "exit_codes": "failed", "run_timeout": "failed"}

var expectedStates = map[string]map[string]ir.State{
	// TimeoutSeconds: the running Task state is aborted (its job
	// stopped), what never started is upstream_failed (DESIGN 2.4).
	"run_timeout": {"extract": ir.Success, "load": ir.Failed, "report": ir.UpstreamFailed},
	"triggers": {
		"ok": ir.Success, "boom": ir.Failed, "after_boom": ir.UpstreamFailed, "after_after_boom": ir.UpstreamFailed,
		"on_failure": ir.Success, "no_failure": ir.Skipped, "all_failed_handler": ir.Success, "not_all_failed": ir.Skipped,
		"gated": ir.Skipped, "after_gated": ir.Skipped, "done_after_gated": ir.Success, "finally": ir.Success,
	},
	"conditions": {
		"number_yes": ir.Success, "number_no": ir.Skipped, "string_yes": ir.Success, "string_no": ir.Skipped,
		"bool_yes": ir.Success, "bool_no": ir.Skipped, "combined_yes": ir.Success, "combined_no": ir.Skipped,
		"output_number_yes": ir.Success, "output_count_yes": ir.Success, "output_string_no": ir.Skipped, "mixed_yes": ir.Success,
	},
	"retries": {"flaky": ir.Success, "steady": ir.Success, "after": ir.Success},
	"allow_failure": {
		"lint": ir.Failed, "build": ir.Success, "join": ir.UpstreamFailed, "publish": ir.UpstreamFailed,
		"report": ir.Success, "cleanup": ir.Success,
	},
	"exit_codes": {"fetch": ir.Success, "validate": ir.Failed, "flip": ir.Failed, "report": ir.Success},
	"more_triggers": {
		"ok": ir.Success, "boom": ir.Failed, "gated": ir.Skipped, "fan[0]": ir.Success, "fan[1]": ir.Failed,
		"one_success_mixed": ir.Success, "one_success_none": ir.UpstreamFailed, "one_success_skipped": ir.Skipped, "one_success_fan": ir.Success,
		"none_failed_skip": ir.Success, "none_failed_bad": ir.UpstreamFailed, "none_failed_fan": ir.UpstreamFailed,
		"min_one_ok": ir.Success, "min_one_skipped": ir.Skipped, "min_one_bad": ir.UpstreamFailed,
		"none_skipped_ok": ir.Success, "none_skipped_skip": ir.Skipped, "after_none": ir.UpstreamFailed, "handler": ir.Success,
	},
}

func readRun(t *testing.T, engine string, b []byte) conformance.Run {
	t.Helper()
	recs, state, err := trace.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s trace: %v", engine, err)
	}
	return conformance.Run{Engine: engine, Records: recs, State: state}
}

func partDefs(b *builder) []obj {
	var out []obj
	for _, c := range b.children {
		out = append(out, b.partDefinition(c))
	}
	return out
}

// withS3 serves the pipeline's s3:// storage from moto on loopback for the
// rest of the test: dagc exec in the shim's containers reaches it through
// AWS_ENDPOINT_URL_S3.
func withS3(t *testing.T, storage string) {
	t.Helper()
	st, err := ir.ParseStorage(storage)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := moto.StartWithBucket(st.Bucket)
	if errors.Is(err, moto.ErrNotInstalled) {
		t.Skip(err.Error() + ": cannot serve the artifacts' S3 storage")
	} else if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
}
