package airflow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dagc_bash gives the task its command twice: as the env the wrapper reads
// and as doc_md, which the Airflow UI shows.
func TestRuntimeBashShowsTheCommand(t *testing.T) {
	py := venvPython()
	if py == "" {
		t.Skip("Airflow venv not installed (scripts/setup-tools.sh installs it)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, RuntimeFile), runtimeModule.data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := string(runPython(t, py, `import sys
sys.path.insert(0, sys.argv[1])
import dagc_runtime
kw = dagc_runtime.dagc_bash(["sh", "-c", "echo {{ ds }}"], {"A": "b"}, outputs=["rows"])
print(kw["doc_md"])
print(kw["env"]["DAGC_ARG_2"], kw["env"]["A"], kw["env"]["DAGC_ARGC"], kw["env"]["SHLVL"], kw["skip_on_exit_code"])
`, dir))
	for _, want := range []string{"['sh', '-c', 'echo {{ ds }}']", "echo {{ ds }} b 3 1 None"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
