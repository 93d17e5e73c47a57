package stepfunctions

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dagc-dev/dagc/trace"
)

// motoPython returns the Python of moto's venv, or skips the test when
// scripts/setup-moto.sh has not installed it.
func motoPython(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("DAGC_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "dagc")
	}
	py := filepath.Join(cache, "moto-venv", "bin", "python")
	for _, need := range []string{py, filepath.Join(cache, "moto-venv", "bin", "moto_server")} {
		if _, err := os.Stat(need); err != nil {
			t.Skipf("moto not installed (%s missing): run scripts/setup-moto.sh", need)
		}
	}
	return py
}

// motoEngine runs definitions in moto's Step Functions interpreter
// (conformance/stepfunctions/moto_run.py), keeping its work files —
// history.json, the root execution's event history — in keep.
func motoEngine(py, keep string) sfnEngine {
	return func(t *testing.T, def, index, input, tracePath, dir string) (string, int) {
		return runTool(t, py, filepath.Join(conformanceDir, "moto_run.py"), def, "--index", index, "--exec", dagcBinary(t), "--trace", tracePath, "--input", input, "--keep", keep, "--timeout", "240")
	}
}

// historyCounts counts the event types of the root execution's history
// that moto_run.py kept in keep.
func historyCounts(t *testing.T, keep string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(keep, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var events []struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &events); err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range events {
		n[e.Type]++
	}
	return n
}

// TestMotoEngine runs generated definitions in moto's Step Functions
// interpreter (derived from LocalStack's), which executes distributed Maps
// as Map Runs of child workflows, and compares each trace with the local
// runner's, as TestLocalEngine does for aws-local-stepfunctions. Every
// state, path, intrinsic, Choice, Retry and Catch is moto's; only the Task
// states' integrations are shimmed (moto runs no containers): each becomes
// an SQS sendMessage.waitForTaskToken, and the harness runs the real
// dagc exec, which reports to moto's SendTaskSuccess / SendTaskFailure.
// What moto gets wrong and the harness fixes in memory is listed in
// moto_run.py and docs/stepfunctions.md.
//
// dynamic_fanout must run its six Maps (three fan-outs and their shape
// checks) as Map Runs: the parent's history holds MapRunStarted events and
// no iteration of theirs; dynamic_malformed one, the shape check that
// fails from_mixed. fanout_distributed is fanout with the inline
// budget lowered, so that its static for_each is distributed too.
func TestMotoEngine(t *testing.T) {
	py := motoPython(t)
	if testing.Short() {
		t.Skip("runs examples in moto and the local runner; skipped with -short")
	}
	var options map[string]struct {
		Params map[string]string `json:"params"`
	}
	if b, err := os.ReadFile(filepath.Join(examplesDir, "conformance.json")); err == nil {
		json.Unmarshal(b, &options)
	}
	for _, name := range []string{"dynamic_fanout", "dynamic_malformed", "each_when", "fanout", "fanout_distributed"} {
		t.Run(name, func(t *testing.T) {
			example := name
			if name == "fanout_distributed" {
				example = "fanout"
				defer func(b int) { inlineHistoryBudget = b }(inlineHistoryBudget)
				inlineHistoryBudget = 1
			}
			p := parseExample(t, filepath.Join(examplesDir, example+".dag.hcl"))
			given := options[example].Params
			if given == nil {
				given = map[string]string{}
			}
			keep := t.TempDir()
			got := runBothIn(t, p, given, motoEngine(py, keep))
			if want := expectedRunState[example]; want != "" && got.State != want {
				t.Errorf("run ended %s, want %s", got.State, want)
			}
			final := trace.Final(got.Records)
			for k, want := range expectedStates[example] {
				if final[k].State != string(want) {
					t.Errorf("%s ended %q, want %s", k, final[k].State, want)
				}
			}
			events := historyCounts(t, keep)
			// dynamic_malformed: only from_mixed gets to its shape check (a
			// distributed Map), which fails it before its instances' Map.
			wantRuns := map[string]int{"dynamic_fanout": 6, "dynamic_malformed": 1, "fanout_distributed": 1}[name]
			if events["MapRunStarted"] != wantRuns {
				t.Errorf("%d MapRunStarted events in the parent's history, want %d (distributed Maps run)", events["MapRunStarted"], wantRuns)
			}
			if wantRuns > 0 && events["MapIterationStarted"] != 0 {
				t.Errorf("%d MapIterationStarted events in the parent's history: a distributed Map's iterations belong to its child executions", events["MapIterationStarted"])
			}
			t.Logf("parent history: %d events, %d Map Runs", total(events), events["MapRunStarted"])
		})
	}
}

func total(n map[string]int) int {
	s := 0
	for _, v := range n {
		s += v
	}
	return s
}
