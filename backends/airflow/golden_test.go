package airflow

import (
	"github.com/dagc-dev/dagc/internal/golden"
	"path/filepath"
	"strings"
	"testing"
)

const goldenDir = repoRoot + "/testdata/golden/airflow"

// TestGolden renders every example and compares it with its golden file
// (<name>.py, or <name>.err holding the diagnostics when the backend
// rejects the example). Golden files without an example fail the test.
// Every rendered file is parsed back with Python's ast.
func TestGolden(t *testing.T) {
	names, pipes := examples(t)
	want := map[string]bool{}
	var rendered []string
	for _, name := range names {
		data, diags := render(pipes[name])
		if diags.HasErrors() {
			var b strings.Builder
			for _, d := range diags {
				b.WriteString(strings.ReplaceAll(d.Error(), repoRoot+"/", "") + "\n")
			}
			want[name+".err"] = true
			checkGolden(t, filepath.Join(goldenDir, name+".err"), []byte(b.String()))
			continue
		}
		want[name+".py"] = true
		path := filepath.Join(goldenDir, name+".py")
		checkGolden(t, path, data)
		if pools := renderPools(pipes[name]); pools != nil {
			want[name+".pools.json"] = true
			checkGolden(t, filepath.Join(goldenDir, name+".pools.json"), pools)
		}
		rendered = append(rendered, path)
	}
	// The runtime module and the ignore file are the same for every DAG.
	want[RuntimeFile], want[".airflowignore"] = true, true
	checkGolden(t, filepath.Join(goldenDir, RuntimeFile), runtimeModule.data)
	checkGolden(t, filepath.Join(goldenDir, ".airflowignore"), []byte(airflowIgnore))
	rendered = append(rendered, filepath.Join(goldenDir, RuntimeFile))
	golden.CheckOrphans(t, goldenDir, want, "go test ./backends/airflow -update")
	t.Run("python_ast", func(t *testing.T) {
		py := python3(t)
		runPython(t, py, "import ast, sys\nfor f in sys.argv[1:]:\n    ast.parse(open(f, encoding='utf-8').read(), f)\n", rendered...)
	})
}

// TestDeterministic renders each example twice.
func TestDeterministic(t *testing.T) {
	names, pipes := examples(t)
	for _, name := range names {
		a, _ := render(pipes[name])
		b, _ := render(pipes[name])
		if string(a) != string(b) {
			t.Errorf("%s: two renders differ", name)
		}
	}
}
