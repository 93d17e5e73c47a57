package airflow

import (
	"bytes"
	"github.com/dagc-dev/dagc/internal/golden"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

const repoRoot = "../.."

// examples returns the example pipelines of testdata, parsed.
func examples(t *testing.T) (names []string, pipes map[string]*ir.Pipeline) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "testdata", "*.dag.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no example pipelines in testdata/")
	}
	pipes = map[string]*ir.Pipeline{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".dag.hcl")
		ps, diags := parser.New().ParsePaths([]string{f}, parser.Options{})
		if diags.HasErrors() || len(ps) != 1 {
			t.Fatalf("%s does not parse: %v", f, diags)
		}
		names = append(names, name)
		pipes[name] = ps[0]
	}
	return names, pipes
}

// render runs Check and Render as `dagc generate airflow` does.
func render(p *ir.Pipeline) ([]byte, ir.Diagnostics) {
	r := New()
	diags := r.Check(p)
	if diags.HasErrors() {
		return nil, diags
	}
	files, rd := r.Render(p)
	diags = append(diags, rd...)
	if diags.HasErrors() {
		return nil, diags
	}
	if files[0].Path != p.Name+".py" || files[1].Path != RuntimeFile || files[2].Path != ".airflowignore" || len(files) > 4 || len(files) == 4 && files[3].Path != p.Name+".pools.json" {
		panic("airflow renders <pipeline>.py, dagc_runtime.py, .airflowignore and, when tasks need pools, <pipeline>.pools.json")
	}
	return files[0].Data, diags
}

// renderPools returns the pools file Render writes beside the DAG, or nil.
func renderPools(p *ir.Pipeline) []byte {
	files, _ := New().Render(p)
	if len(files) == 4 {
		return files[3].Data
	}
	return nil
}

// writeDAG writes a DAG file and, beside it, the runtime module it imports.
func writeDAG(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), RuntimeFile), runtimeModule.data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// realAirflow returns the Airflow venv's interpreter, or skips a test that
// runs real Airflow (without the venv, or with -short).
func realAirflow(t *testing.T) string {
	t.Helper()
	py := venvPython()
	if py == "" {
		t.Skip("Airflow venv not found at $DAGC_CACHE/airflow-venv or ~/.cache/dagc/airflow-venv (scripts/setup-airflow.sh installs it): skipping the real-Airflow check")
	}
	if testing.Short() {
		t.Skip("-short: skipping the real-Airflow check")
	}
	return py
}

// runtimeDir returns the Airflow venv's interpreter and a folder holding
// the runtime module, or skips the test without the venv.
func runtimeDir(t *testing.T) (py, dir string) {
	t.Helper()
	if py = venvPython(); py == "" {
		t.Skip("Airflow venv not installed (scripts/setup-tools.sh installs it)")
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, RuntimeFile), runtimeModule.data, 0o644); err != nil {
		t.Fatal(err)
	}
	return py, dir
}

// python3 returns a Python 3 interpreter or skips the test.
func python3(t *testing.T) string {
	t.Helper()
	if py := venvPython(); py != "" {
		return py
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: skipping the Python checks of generated files")
	}
	return py
}

// venvPython is the Airflow virtualenv's interpreter made by
// scripts/setup-airflow.sh, or "".
func venvPython() string {
	var dirs []string
	if c := os.Getenv("DAGC_CACHE"); c != "" {
		dirs = append(dirs, c)
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".cache", "dagc"))
	}
	for _, d := range dirs {
		py := filepath.Join(d, "airflow-venv", "bin", "python")
		if _, err := os.Stat(py); err == nil {
			return py
		}
	}
	return ""
}

// runPython runs a Python program with args and returns its stdout.
func runPython(t *testing.T, py, program string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(py, append([]string{"-c", program}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return out
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, got, "go test ./backends/airflow -update")
}
