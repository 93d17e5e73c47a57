// Command suite is dagc's cross-engine conformance suite (DESIGN 5): for
// every example pipeline it runs the local runner, the generated Airflow DAG
// in real Airflow, the generated state machine in aws-local-stepfunctions,
// and the generated Argo manifest — linted by Argo's own lint first — under
// Argo's own controller (conformance/argorun), and checks that the engines
// agree. It prints one table, example × engine, and the first disagreement
// of each failing cell. Exit status 1 when any cell fails.
//
// Tool locations come from the cache that scripts/setup-tools.sh fills.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dagc-dev/dagc/backends/airflow"
	"github.com/dagc-dev/dagc/backends/argo"
	"github.com/dagc-dev/dagc/backends/local"
	"github.com/dagc-dev/dagc/backends/registry"
	"github.com/dagc-dev/dagc/backends/stepfunctions"
	"github.com/dagc-dev/dagc/conformance"
	"github.com/dagc-dev/dagc/internal/moto"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
	"github.com/dagc-dev/dagc/trace"
)

type config struct {
	dagc     string
	root     string
	cache    string
	examples []string
	engines  map[string]bool
	keep     string
	timeout  time.Duration
	// mutations deliberately break one engine's generated file, to prove
	// the suite notices: engine → old → new (first occurrence).
	mutations map[string][2]string
	// s3 is moto's server, started for the first example with artifacts
	// and stopped when the suite ends; buckets are the ones made on it.
	s3      *moto.Server
	s3Err   error
	buckets map[string]bool
}

// storageEnv starts the S3 stand-in on loopback if needed, makes the
// pipeline's bucket, and returns the environment that points the engine's
// containers (dagc exec) at it.
func (cfg *config) storageEnv(p *ir.Pipeline, storage string) ([]string, cell, bool) {
	st, err := ir.ParseStorage(storage)
	if err != nil || st.Scheme != "s3" {
		return nil, cell{detail: fmt.Sprintf("the suite serves s3:// storage only, not %q", storage)}, false
	}
	if cfg.s3 == nil && cfg.s3Err == nil {
		bin := moto.Binary()
		if bin == "" {
			return nil, cell{skip: "moto missing: run scripts/setup-tools.sh"}, false
		}
		cfg.s3, cfg.s3Err = moto.Start(bin, nil)
	}
	if cfg.s3Err != nil {
		return nil, cell{detail: "moto: " + cfg.s3Err.Error()}, false
	}
	if cfg.buckets == nil {
		cfg.buckets = map[string]bool{}
	}
	if !cfg.buckets[st.Bucket] {
		if err := cfg.s3.CreateBucket(st.Bucket); err != nil {
			return nil, cell{detail: "moto: " + err.Error()}, false
		}
		cfg.buckets[st.Bucket] = true
	}
	return []string{"AWS_ENDPOINT_URL_S3=" + cfg.s3.URL}, cell{}, true
}

// exampleOptions are the run-time inputs of one example, from
// testdata/conformance.json: params to override at run time, the run's
// instant, and the engines expected to refuse the example.
type exampleOptions struct {
	Params map[string]string `json:"params"`
	// At is the instant the run starts, RFC 3339 (default: now), so that
	// run.date is known: the local runner gets --date computed by
	// backends/local.LogicalDate (what dagc run applies to its start time),
	// Airflow the logical date, Argo the Workflow's creation time.
	At string `json:"at"`
	// Refused maps an engine to text its refusal must hold: the cell runs
	// only dagc generate, which must fail saying so, and is shown skipped
	// with the refusal. An engine that accepts the example fails the cell,
	// so the expectation cannot go stale.
	Refused map[string]string `json:"refused"`
}

// at parses At; the zero time means now.
func (o exampleOptions) at() (time.Time, error) {
	if o.At == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, o.At)
	if err != nil {
		return time.Time{}, fmt.Errorf("testdata/conformance.json: at %q: want an RFC 3339 instant", o.At)
	}
	return t, nil
}

type cell struct {
	ok     bool
	skip   string // why the cell did not run
	detail string // first problem
	dur    time.Duration
}

// reference is the engine every other executing engine is compared with.
const reference = "local"

// engineOrder is every backend of the registry, the reference first. A
// backend without a case in runEngine fails its cells, so a new backend
// shows up in the table the day it is registered.
var engineOrder = func() []string {
	out := []string{reference}
	for _, name := range registry.Names() {
		if name != reference {
			out = append(out, name)
		}
	}
	return out
}()

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("suite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config{}
	defCache := os.Getenv("DAGC_CACHE")
	if defCache == "" {
		home, _ := os.UserHomeDir()
		defCache = filepath.Join(home, ".cache", "dagc")
	}
	fs.StringVar(&cfg.dagc, "dagc", "", "dagc binary (default: build one)")
	fs.StringVar(&cfg.root, "root", ".", "repository root")
	fs.StringVar(&cfg.cache, "cache", defCache, "tool cache filled by scripts/setup-tools.sh")
	engines := fs.String("engines", strings.Join(engineOrder, ","), "engines to check")
	only := fs.String("only", "", "comma-separated example names (default: all)")
	fs.StringVar(&cfg.keep, "keep", "", "keep generated files and traces in this directory")
	fs.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "limit for one engine run of one example")
	var mutations []string
	fs.Func("mutate", "deliberately break an engine's generated file: `ENGINE:OLD=>NEW` (first occurrence; repeatable)", func(v string) error {
		mutations = append(mutations, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// Engines run in per-example directories, so every path must be absolute.
	for _, p := range []*string{&cfg.root, &cfg.cache, &cfg.dagc, &cfg.keep} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				fmt.Fprintln(stderr, "suite:", err)
				return 2
			}
			*p = abs
		}
	}
	cfg.mutations = map[string][2]string{}
	for _, m := range mutations {
		engine, rest, ok1 := strings.Cut(m, ":")
		old, new, ok2 := strings.Cut(rest, "=>")
		if !ok1 || !ok2 || old == "" {
			fmt.Fprintf(stderr, "suite: -mutate %q: want ENGINE:OLD=>NEW\n", m)
			return 2
		}
		cfg.mutations[engine] = [2]string{unescape(old), unescape(new)}
	}
	cfg.engines = map[string]bool{}
	for _, e := range strings.Split(*engines, ",") {
		cfg.engines[strings.TrimSpace(e)] = true
	}
	files, _ := filepath.Glob(filepath.Join(cfg.root, "testdata", "*.dag.hcl"))
	sort.Strings(files)
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	for _, f := range files {
		if len(want) == 0 || want[exampleName(f)] {
			cfg.examples = append(cfg.examples, f)
		}
	}
	if len(cfg.examples) == 0 {
		fmt.Fprintln(stderr, "suite: no example pipelines found under", filepath.Join(cfg.root, "testdata"))
		return 2
	}
	work := cfg.keep
	if work == "" {
		var err error
		work, err = os.MkdirTemp("", "dagc-conformance-")
		if err != nil {
			fmt.Fprintln(stderr, "suite:", err)
			return 2
		}
		defer os.RemoveAll(work)
	}
	if cfg.dagc == "" {
		cfg.dagc = filepath.Join(work, "dagc")
		build := exec.Command("go", "build", "-o", cfg.dagc, "./cmd/dagc")
		build.Dir = cfg.root
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(stderr, "suite: building dagc:", err)
			return 2
		}
	}
	opts, err := readOptions(filepath.Join(cfg.root, "testdata", "conformance.json"))
	if err != nil {
		fmt.Fprintln(stderr, "suite:", err)
		return 2
	}

	start := time.Now()
	results := map[string]map[string]cell{}
	failedCells := 0
	for _, f := range cfg.examples {
		name := exampleName(f)
		fmt.Fprintf(stderr, "suite: %s\n", name)
		row := checkExample(&cfg, f, filepath.Join(work, name), opts[name], stderr)
		results[name] = row
		for _, c := range row {
			if !c.ok && c.skip == "" {
				failedCells++
			}
		}
	}
	if cfg.s3 != nil {
		cfg.s3.Close()
	}
	printTable(stdout, &cfg, results)
	fmt.Fprintf(stdout, "\n%d example(s), %d failing cell(s), %s\n", len(cfg.examples), failedCells, time.Since(start).Round(time.Second))
	if failedCells > 0 {
		return 1
	}
	return 0
}

func exampleName(path string) string { return strings.TrimSuffix(filepath.Base(path), ".dag.hcl") }

func readOptions(path string) (map[string]exampleOptions, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]exampleOptions{}, nil
	}
	if err != nil {
		return nil, err
	}
	opts := map[string]exampleOptions{}
	if err := json.Unmarshal(b, &opts); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return opts, nil
}

func checkExample(cfg *config, file, dir string, opt exampleOptions, logw io.Writer) map[string]cell {
	row := map[string]cell{}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		for _, e := range engineOrder {
			row[e] = cell{detail: err.Error()}
		}
		return row
	}
	pipes, diags := parser.New().ParsePaths([]string{file}, parser.Options{Backends: registry.SettingsBlocks()})
	for _, p := range pipes {
		diags = append(diags, registry.CheckSettings(p)...)
	}
	if diags.HasErrors() || len(pipes) != 1 {
		msg := "does not validate"
		if len(diags) > 0 {
			msg = diags[0].Error()
		}
		for _, e := range engineOrder {
			row[e] = cell{detail: msg}
		}
		return row
	}
	p := pipes[0]
	if _, err := opt.at(); err != nil {
		for _, e := range engineOrder {
			row[e] = cell{detail: err.Error()}
		}
		return row
	}

	var ref *conformance.Run
	runs := map[string]*conformance.Run{}
	for _, engine := range engineOrder {
		if !cfg.engines[engine] {
			row[engine] = cell{skip: "not selected"}
			continue
		}
		t0 := time.Now()
		run, c := runEngine(cfg, engine, file, dir, p, opt, logw)
		c.dur = time.Since(t0)
		if run != nil {
			runs[engine] = run
			if engine == reference {
				ref = run
			}
		}
		row[engine] = c
	}
	// Compare every executing engine with the local runner, and check each
	// run's edges.
	for _, engine := range engineOrder {
		run := runs[engine]
		c := row[engine]
		if run == nil || !c.ok {
			continue
		}
		var ds []conformance.Disagreement
		if engine == reference {
			ds = conformance.Compare(p, *run)
		} else if ref != nil {
			ds = conformance.Compare(p, *ref, *run)
		} else {
			c.ok, c.detail = false, "no local reference trace to compare with"
		}
		if len(ds) > 0 {
			c.ok = false
			c.detail = ds[0].What
			if len(ds) > 1 {
				c.detail += fmt.Sprintf(" (+%d more)", len(ds)-1)
			}
		}
		row[engine] = c
	}
	return row
}

func sortedParams(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// runEngine runs or lints one example on one engine. For executing engines
// it returns the run's trace.
func runEngine(cfg *config, engine, file, dir string, p *ir.Pipeline, opt exampleOptions, logw io.Writer) (*conformance.Run, cell) {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	if want, ok := opt.Refused[engine]; ok {
		return nil, expectRefusal(ctx, cfg, engine, file, dir, want)
	}
	params := sortedParams(opt.Params)
	at, _ := opt.at() // checked by checkExample
	tracePath := filepath.Join(dir, engine+".trace.jsonl")
	switch engine {
	case "local":
		// --isolate: each attempt gets a private /tmp, as a pod on the other
		// engines has, so no example passes by sharing the host's.
		args := []string{"run", "--local", "--isolate", file, "--trace", tracePath, "--state-dir", filepath.Join(dir, "state")}
		if !at.IsZero() {
			args = append(args, "--date", local.LogicalDate(p, at))
		}
		for _, kv := range params {
			args = append(args, "--param", kv)
		}
		// A failed run exits 1 and is still a result to compare.
		if out, err := command(ctx, dir, cfg.dagc, args...); err != nil && exitCode(err) != 1 {
			return nil, cell{detail: "dagc run: " + lastLine(out, err)}
		}
	case "airflow":
		python := filepath.Join(cfg.cache, "airflow-venv", "bin", "python")
		if !exists(python) {
			return nil, cell{skip: "Airflow venv missing: run scripts/setup-tools.sh"}
		}
		out := filepath.Join(dir, "airflow")
		if o, err := command(ctx, dir, cfg.dagc, "generate", "airflow", file, "-o", out); err != nil {
			return nil, cell{detail: "generate: " + lastLine(o, err)}
		}
		if err := mutate(cfg, engine, filepath.Join(out, p.Name+".py"), filepath.Join(out, "dagc_runtime.py")); err != nil {
			return nil, cell{detail: err.Error()}
		}
		args := []string{filepath.Join(cfg.root, "conformance", "airflow", "run_dag.py"), filepath.Join(out, p.Name+".py"), "--trace", tracePath}
		for _, kv := range params {
			args = append(args, "--param", kv)
		}
		if !at.IsZero() {
			args = append(args, "--at", at.Format(time.RFC3339))
		}
		var env []string
		if p.UsesArtifacts() {
			storage, conn := airflow.StorageOf(p)
			if err := exec.Command(python, "-c", "import airflow.providers.amazon.aws.fs.s3, s3fs").Run(); err != nil {
				return nil, cell{skip: "the Airflow venv has no amazon provider and s3fs: run scripts/setup-tools.sh"}
			}
			var c cell
			var ok bool
			if env, c, ok = cfg.storageEnv(p, storage); !ok {
				return nil, c
			}
			env = append(env, cfg.s3.AirflowConn(conn))
		}
		if o, err := commandEnv(ctx, dir, env, python, args...); err != nil && exitCode(err) != 1 {
			return nil, cell{detail: "airflow: " + lastLine(o, err)}
		}
	case "stepfunctions":
		if !at.IsZero() {
			// run.date is $$.Execution.StartTime there, which
			// aws-local-stepfunctions takes from the clock.
			return nil, cell{detail: "the suite cannot start a Step Functions run at a given instant (\"at\" in testdata/conformance.json); expect a refusal or drop \"at\""}
		}
		node := filepath.Join(cfg.cache, "node", "node_modules")
		if !exists(node) {
			return nil, cell{skip: "npm tools missing: run scripts/setup-tools.sh"}
		}
		out := filepath.Join(dir, "stepfunctions")
		if o, err := command(ctx, dir, cfg.dagc, "generate", "stepfunctions", file, "-o", out); err != nil {
			return nil, cell{detail: "generate: " + lastLine(o, err)}
		}
		if err := mutate(cfg, engine, filepath.Join(out, p.Name+".asl.json")); err != nil {
			return nil, cell{detail: err.Error()}
		}
		input := map[string]string{}
		for _, kv := range params {
			k, v, _ := strings.Cut(kv, "=")
			input[k] = v
		}
		inJSON, _ := json.Marshal(input)
		// What run.js needs to map Task states to task instances comes
		// from the IR, into the suite's own directory: the generated
		// files carry no test metadata.
		idx, diags := stepfunctions.TestIndex(p)
		if diags.HasErrors() {
			return nil, cell{detail: "test index: " + diags[0].Error()}
		}
		index := filepath.Join(dir, "stepfunctions.index.json")
		if err := os.WriteFile(index, idx, 0o644); err != nil {
			return nil, cell{detail: err.Error()}
		}
		args := []string{filepath.Join(cfg.root, "conformance", "stepfunctions", "run.js"), filepath.Join(out, p.Name+".asl.json"), "--index", index, "--exec", cfg.dagc, "--trace", tracePath, "--input", string(inJSON)}
		var env []string
		if p.UsesArtifacts() {
			var c cell
			var ok bool
			if env, c, ok = cfg.storageEnv(p, stepfunctions.StorageOf(p)); !ok {
				return nil, c
			}
		}
		if o, err := commandEnv(ctx, dir, env, "node", args...); err != nil && exitCode(err) != 1 {
			return nil, cell{detail: "local-sfn: " + lastLine(o, err)}
		}
	case "argo":
		lint := filepath.Join(cfg.cache, "bin", "argolint")
		if !exists(lint) {
			return nil, cell{skip: "argolint missing: run scripts/setup-tools.sh"}
		}
		out := filepath.Join(dir, "argo")
		if o, err := command(ctx, dir, cfg.dagc, "generate", "argo", file, "-o", out); err != nil {
			return nil, cell{detail: "generate: " + lastLine(o, err)}
		}
		manifests, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
		if len(manifests) == 0 {
			return nil, cell{detail: "generate wrote no manifest"}
		}
		if err := mutate(cfg, engine, manifests[0]); err != nil {
			return nil, cell{detail: err.Error()}
		}
		if o, err := command(ctx, dir, lint, manifests...); err != nil {
			return nil, cell{detail: "argo lint: " + lastLine(o, err)}
		}
		// Lint passed: run the manifest under Argo's own controller
		// (conformance/argorun), which writes the trace.
		runner := filepath.Join(cfg.cache, "bin", "argorun")
		if !exists(runner) {
			return nil, cell{skip: "argorun missing: run scripts/setup-tools.sh"}
		}
		// What argorun needs to map nodes to task instances comes from the
		// IR, into the suite's own directory, as for Step Functions.
		idx, diags := argo.TestIndex(p)
		if diags.HasErrors() {
			return nil, cell{detail: "test index: " + diags[0].Error()}
		}
		index := filepath.Join(dir, "argo.index.json")
		if err := os.WriteFile(index, idx, 0o644); err != nil {
			return nil, cell{detail: err.Error()}
		}
		args := []string{"-index", index, "-trace", tracePath, "-work", filepath.Join(dir, "argo-pods"), "-timeout", cfg.timeout.String()}
		for _, kv := range params {
			args = append(args, "-param", kv)
		}
		if !at.IsZero() {
			args = append(args, "-created", at.Format(time.RFC3339))
		}
		args = append(args, manifests[0])
		// A failed Workflow exits 1 and is still a result to compare.
		if o, err := command(ctx, dir, runner, args...); err != nil && exitCode(err) != 1 {
			return nil, cell{detail: "argorun: " + lastLine(o, err)}
		}
	default:
		return nil, cell{detail: "the suite has no way to run backend " + engine + " yet (conformance/suite runEngine)"}
	}
	f, err := os.Open(tracePath)
	if err != nil {
		return nil, cell{detail: "no trace written: " + err.Error()}
	}
	defer f.Close()
	recs, state, err := trace.Read(f)
	if err != nil {
		return nil, cell{detail: err.Error()}
	}
	return &conformance.Run{Engine: engine, Records: recs, State: state}, cell{ok: true}
}

// expectRefusal checks that dagc generate refuses the example for engine
// with a message holding want.
func expectRefusal(ctx context.Context, cfg *config, engine, file, dir, want string) cell {
	if engine == reference {
		return cell{detail: "the reference engine cannot be expected to refuse an example (testdata/conformance.json)"}
	}
	out, err := command(ctx, dir, cfg.dagc, "generate", engine, file, "-o", filepath.Join(dir, engine))
	if err == nil {
		return cell{detail: fmt.Sprintf("expected a refusal holding %q, but generate %s succeeded", want, engine)}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, want) {
			return cell{skip: "refused as expected: " + strings.TrimSpace(line)}
		}
	}
	return cell{detail: fmt.Sprintf("refused, but not with %q: %s", want, lastLine(out, err))}
}

func command(ctx context.Context, dir, name string, args ...string) (string, error) {
	return commandEnv(ctx, dir, nil, name, args...)
}

// commandEnv is command with env added to the suite's environment.
func commandEnv(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	os.WriteFile(filepath.Join(dir, filepath.Base(name)+".log"), buf.Bytes(), 0o644)
	if ctx.Err() != nil {
		return buf.String(), fmt.Errorf("timed out: %w", ctx.Err())
	}
	return buf.String(), err
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func lastLine(out string, err error) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return err.Error()
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func printTable(w io.Writer, cfg *config, results map[string]map[string]cell) {
	var engines []string
	for _, e := range engineOrder {
		if cfg.engines[e] {
			engines = append(engines, e)
		}
	}
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "| example | %s |\n|---|%s\n", strings.Join(engines, " | "), strings.Repeat("---|", len(engines)))
	var notes []string
	for _, n := range names {
		cells := make([]string, len(engines))
		for i, e := range engines {
			c := results[n][e]
			switch {
			case c.skip != "":
				cells[i] = "–"
				notes = append(notes, fmt.Sprintf("%s / %s: skipped: %s", n, e, c.skip))
			case c.ok:
				cells[i] = fmt.Sprintf("✓ %.1fs", c.dur.Seconds())
			default:
				cells[i] = "✗"
				notes = append(notes, fmt.Sprintf("%s / %s: %s", n, e, c.detail))
			}
		}
		fmt.Fprintf(w, "| %s | %s |\n", n, strings.Join(cells, " | "))
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
}

// mutate applies the -mutate replacement for engine to the first of the
// generated files that holds it (Airflow: the DAG, then the runtime module
// it imports). A mutation that matches nothing is an error, so a test that
// means to break an engine can never pass by accident.
func mutate(cfg *config, engine string, paths ...string) error {
	m, ok := cfg.mutations[engine]
	if !ok {
		return nil
	}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(m[0])) {
			return os.WriteFile(path, bytes.Replace(b, []byte(m[0]), []byte(m[1]), 1), 0o644)
		}
	}
	return fmt.Errorf("-mutate: %q not found in %s", m[0], filepath.Base(paths[0]))
}

// unescape turns \n in a -mutate argument into a newline, so multi-line
// snippets can be given on a command line.
func unescape(s string) string { return strings.ReplaceAll(s, `\n`, "\n") }
