package airflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/backends/local"
	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/conformance"
	"github.com/dagc-dev/dagc/internal/moto"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

// TestEngine runs every example in a real Airflow 3 (dag.test() on a
// throwaway SQLite DB, one Python process for all of them) and checks the
// final state of every task instance, its outputs and the run's state
// against the local runner's trace, and the hostile example's outputs
// against the values written in the pipeline, byte for byte.
func TestEngine(t *testing.T) {
	py := realAirflow(t)
	names, pipes := examples(t)
	opts, ats := conformanceOptions(t)
	dir := t.TempDir()
	// Failure modes no example exercises, and every case of the one_failed
	// check, checked the same way.
	edge := edgePipeline()
	ir.Normalize(edge)
	if diags := ir.Validate(edge); diags.HasErrors() {
		t.Fatal(diags)
	}
	gate := gatePipeline()
	ir.Normalize(gate)
	if diags := ir.Validate(gate); diags.HasErrors() {
		t.Fatal(diags)
	}
	names = append(names, edge.Name, gate.Name)
	pipes[edge.Name], pipes[gate.Name] = edge, gate

	type job struct {
		Dag    string            `json:"dag"`
		Trace  string            `json:"trace"`
		Params map[string]string `json:"params,omitempty"`
		At     string            `json:"at,omitempty"`
	}
	var jobs []job
	refs := map[string]conformance.Run{}
	// The artifacts example's storage is served by moto on loopback, and
	// ObjectStoragePath reaches it through the amazon provider.
	var extraEnv []string
	kept := names[:0]
	for _, name := range names {
		if !pipes[name].UsesArtifacts() {
			kept = append(kept, name)
			continue
		}
		if env, why := s3ForAirflow(t, py, pipes[name]); why != "" {
			t.Logf("not run in Airflow: %s: %s", name, why)
			continue
		} else {
			extraEnv = append(extraEnv, env...)
		}
		kept = append(kept, name)
	}
	names = kept
	for _, name := range names {
		p := pipes[name]
		data, diags := render(p)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", name, diags)
		}
		dag := filepath.Join(dir, name+".py")
		writeDAG(t, dag, data)
		jobs = append(jobs, job{Dag: dag, Trace: filepath.Join(dir, name+".jsonl"), Params: opts[name], At: ats[name]})
		date := ""
		if ats[name] != "" {
			at, err := time.Parse(time.RFC3339, ats[name])
			if err != nil {
				t.Fatal(err)
			}
			date = local.LogicalDate(p, at) // what the suite gives dagc run
		}
		refs[name] = localRun(t, p, opts[name], date, filepath.Join(dir, "local-"+name))
	}
	spec := filepath.Join(dir, "batch.json")
	b, _ := json.Marshal(jobs)
	if err := os.WriteFile(spec, b, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command(py, filepath.Join(repoRoot, "conformance", "airflow", "run_dag.py"), "--batch", spec)
	cmd.Env = append(os.Environ(), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var summary []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "run_dag:") {
			summary = append(summary, l)
		}
	}
	t.Logf("Airflow ran %d examples in %s:\n%s", len(jobs), time.Since(start).Round(time.Second), strings.Join(summary, "\n"))
	if err != nil {
		t.Fatalf("run_dag.py: %v\n%s", err, tail(out.String(), 60))
	}

	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, name+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, state, err := trace.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if r.Task == watcherTaskID {
					t.Errorf("the watcher task appears in the trace")
				}
			}
			got := conformance.Run{Engine: "airflow", Records: recs, State: state}
			for _, d := range conformance.Compare(pipes[name], refs[name], got) {
				t.Error(d)
			}
			if name == "hostile" {
				checkHostile(t, pipes[name], opts[name], trace.Final(recs))
			}
			if name == edge.Name {
				checkEdge(t, trace.Final(recs), state)
			}
			if name == gate.Name {
				checkGate(t, trace.Final(recs), state)
			}
		})
	}
}

// checkHostile checks, independently of the local runner, that each
// hostile value came back from Airflow exactly as the pipeline wrote it.
func checkHostile(t *testing.T, p *ir.Pipeline, params map[string]string, final map[string]trace.Record) {
	text, ok := params["text"]
	if !ok {
		text = p.Param("text").Default
	}
	echo := p.Task("echo")
	if echo == nil || echo.NumInstances() < 10 {
		t.Fatal("the hostile example should have a for_each task echo with many instances")
	}
	for _, in := range echo.Instances() {
		key := trace.Key("echo", in.Key)
		if got := final[key].Outputs["value"]; got != in.Value {
			t.Errorf("%s published %q, want %q", key, got, in.Value)
		}
	}
	for _, task := range []string{"class", "None"} {
		if got := final[task].Outputs["value"]; got != text {
			t.Errorf("%s published %q, want the param %q", task, got, text)
		}
	}
	if got := final["with_dot_sh"].Outputs["value"]; got != "script.sh" {
		t.Errorf("with_dot_sh published %q, want %q", got, "script.sh")
	}
}

// conformanceOptions gives each example's params and the instant its run
// starts at, from testdata/conformance.json.
func conformanceOptions(t *testing.T) (map[string]map[string]string, map[string]string) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "testdata", "conformance.json"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]struct {
		Params map[string]string `json:"params"`
		At     string            `json:"at"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out, ats := map[string]map[string]string{}, map[string]string{}
	for k, v := range raw {
		out[k], ats[k] = v.Params, v.At
	}
	return out, ats
}

// localRun runs the pipeline with the local runner: the reference trace.
func localRun(t *testing.T, p *ir.Pipeline, given map[string]string, date, dir string) conformance.Run {
	t.Helper()
	params, err := local.ResolveParams(p, given)
	if err != nil {
		t.Fatal(err)
	}
	var tr, out bytes.Buffer
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = local.Run(context.Background(), p, local.Options{Params: params, Date: date, StateDir: filepath.Join(dir, ".dagc"), Dir: dir, Trace: &tr, Out: &out})
	if err != nil {
		t.Fatalf("local run of %s: %v\n%s", p.Name, err, out.String())
	}
	recs, state, err := trace.Read(&tr)
	if err != nil {
		t.Fatal(err)
	}
	return conformance.Run{Engine: "local", Records: recs, State: state}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// edgePipeline fails in every way a task can besides its command failing
// outright, next to tasks that must still succeed.
func edgePipeline() *ir.Pipeline {
	sh := func(name, script string, outputs ...string) *ir.Task {
		t := plainTask(name, "sh", "-c", script)
		t.Outputs = outputs
		return t
	}
	exit99 := sh("exit99", "exit 99")
	exit99.Retry = ir.Retry{Attempts: 1, Delay: time.Second, Backoff: 1}
	missing := sh("missing", "true", "x")
	big := sh("big", `head -c 32769 /dev/zero | tr '\0' a > "$DAGC_OUTPUTS/x"`, "x")
	exact := sh("exact", `head -c 32768 /dev/zero | tr '\0' b > "$DAGC_OUTPUTS/x"; echo >> "$DAGC_OUTPUTS/x"`, "x")
	badnum := sh("badnum", "true")
	badnum.Retry = ir.Retry{Attempts: 2, Delay: time.Second, Backoff: 1}
	badnum.When = &ir.Cond{Op: ir.CondCompare, Cmp: ir.Gt, Numeric: true,
		Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "word"}}, Right: ir.Operand{Lit: "1", LitKind: ir.LitNumber}}
	skipme := sh("skipme", "exit 1")
	skipme.When = &ir.Cond{Op: ir.CondCompare, Cmp: ir.Eq,
		Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "word"}}, Right: ir.Operand{Lit: "xyz", LitKind: ir.LitString}}
	after := plainTask("after_missing", "echo")
	after.Run.Command = append(after.Run.Command, ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefOutput, Task: "missing", Name: "x"}}}})
	after.Edges, after.Trigger = ir.EdgesFrom("missing"), ir.AllDone
	// A param default is not a template either.
	echoDefault := sh("echo_default", `printf %s "$1" > "$DAGC_OUTPUTS/x"`, "x")
	echoDefault.Run.Command = append(echoDefault.Run.Command, ir.Lit("echo_default"),
		ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefParam, Name: "hostile"}}}})
	// A for_each task behind a failure: every instance is upstream_failed.
	fan := plainTask("fan", "true")
	fan.ForEach, fan.Edges = ir.StringItems("b", "a"), ir.EdgesFrom("exit99")
	// A KubernetesPodOperator task whose when is false is skipped before
	// any pod is made (no cluster is needed to prove it).
	pod := plainTask("pod_skipped", "true")
	pod.Settings = []*ir.Settings{settings.Block("airflow", ir.LevelTask, map[string]any{"operator": "kubernetes"})}
	pod.Run.Image = ir.Lit("alpine:3.20")
	pod.When = skipme.When
	// A false when skips before the command's references are looked at.
	guarded := plainTask("guarded", "echo")
	guarded.Run.Command = after.Run.Command
	guarded.Edges, guarded.Trigger, guarded.When = ir.EdgesFrom("missing"), ir.AllDone, skipme.When
	// execution_timeout stops a slow attempt.
	slow := sh("slow", "sleep 5")
	slow.Timeout = time.Second
	return &ir.Pipeline{Name: "edge_cases", Timezone: "UTC",
		Params: []*ir.Param{
			{Name: "word", Type: ir.ParamString, Default: "abc", HasDefault: true},
			{Name: "hostile", Type: ir.ParamString, Default: hostileDefault, HasDefault: true},
		},
		Tasks: []*ir.Task{exit99, missing, big, exact, badnum, skipme, after, echoDefault, fan, pod, slow, guarded}}
}

const hostileDefault = "{{ params.word }} {% raw %} {# c #} '\"\n$HOME `id` \\ x.sh"

func checkEdge(t *testing.T, final map[string]trace.Record, run string) {
	if v := final["echo_default"].Outputs["x"]; v != hostileDefault {
		t.Errorf("echo_default published %q, want the param default %q", v, hostileDefault)
	}
	for task, want := range map[string]string{"exit99": "failed", "missing": "failed", "big": "failed", "exact": "success",
		"badnum": "failed", "skipme": "skipped", "after_missing": "failed", "fan[a]": "upstream_failed", "fan[b]": "upstream_failed", "pod_skipped": "skipped", "slow": "failed", "guarded": "skipped"} {
		if got := final[task].State; got != want {
			t.Errorf("%s ended %s, want %s", task, got, want)
		}
	}
	if a := final["exit99"].Attempt; a != 2 {
		t.Errorf("exit99 made %d attempts, want 2 (exit 99 is a failure, retried)", a)
	}
	if a := final["badnum"].Attempt; a != 1 {
		t.Errorf("badnum made %d attempts, want 1 (a when that cannot be evaluated is not retried)", a)
	}
	if v := final["exact"].Outputs["x"]; v != strings.Repeat("b", 32768) {
		t.Errorf("exact published %d bytes, want 32768 b's", len(v))
	}
	if r := final["slow"]; r.End.Sub(r.Start) > 4*time.Second {
		t.Errorf("slow ran %s; its 1s timeout should have stopped it", r.End.Sub(r.Start))
	}
	if run != "failed" {
		t.Errorf("run ended %s, want failed", run)
	}
}

// s3ForAirflow serves p's s3:// storage from moto for the rest of the test
// and returns the Airflow connection that reaches it, or why it cannot:
// moto or the venv's amazon provider missing (scripts/setup-tools.sh
// installs both, and setup-airflow.sh fails when the provider does not
// import).
func s3ForAirflow(t *testing.T, py string, p *ir.Pipeline) ([]string, string) {
	t.Helper()
	storage, conn := StorageOf(p)
	st, err := ir.ParseStorage(storage)
	if err != nil || st.Scheme != "s3" {
		t.Fatalf("%s: the test serves s3:// storage only, not %q", p.Name, storage)
	}
	if err := exec.Command(py, "-c", "import airflow.providers.amazon.aws.fs.s3, s3fs").Run(); err != nil {
		return nil, "the Airflow venv has no amazon provider and s3fs (scripts/setup-tools.sh)"
	}
	srv, err := moto.StartWithBucket(st.Bucket)
	if errors.Is(err, moto.ErrNotInstalled) {
		return nil, err.Error()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return []string{srv.AirflowConn(conn)}, ""
}
