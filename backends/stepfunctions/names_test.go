package stepfunctions

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

// lookalikes is a pipeline whose tasks are named like the words of the
// run's own states (Initialize_Run, Run, Parallel, run-status, Check, Any,
// Set, Collect, a param Invalid) and of a task's states (failed), and
// start and stage_1, with params, triggers, a for_each, parallel
// branches and a final task reading run.failed_tasks: every kind of
// state the backend names.
const lookalikes = `
pipeline "lookalikes" {}
param "stage" {
  default = "prod"
}
param "Invalid" {
  type = number
}
task "start" {
  command = ["true"]
}
task "Initialize_Run" {
  command = ["true"]
}
task "Run" {
  depends_on = [task.start]
  command    = ["true"]
}
task "Parallel" {
  depends_on = [task.start]
  for_each   = ["a", "b"]
  command    = ["echo", each.value]
}
task "stage_1" {
  depends_on = [task.Run, task.Parallel]
  trigger    = "one_failed"
  command    = ["true"]
}
task "Check" {
  depends_on = [task.Run]
  when       = param.stage == "prod"
  command    = ["true"]
}
task "run-status" {
  depends_on = [task.Check]
  command    = ["true"]
}
task "Any" {
  command = ["true"]
}
task "failed" {
  depends_on = [task.Any]
  command    = ["true"]
}
task "Set" {
  final   = true
  command = ["echo", run.status, run.failed_tasks]
}
task "Collect" {
  final   = true
  command = ["true"]
}
`

// TestStateNameKinds: every state name of every example, and of a
// pipeline whose tasks are named like the run's own states, is unique, at
// most 80 characters, and of one of two kinds that cannot be confused
// (taskName): a task's (its first word is the base of one of the
// pipeline's tasks) or the run's own (never of a task's form). No state is
// named after dagc.
func TestStateNameKinds(t *testing.T) {
	check := func(where string, files []File, bases map[string]bool) {
		own := 0
		for _, f := range files {
			if !strings.HasSuffix(f.Path, ".asl.json") {
				continue
			}
			var def any
			if err := json.Unmarshal(f.Data, &def); err != nil {
				t.Fatal(err)
			}
			names := map[string]int{}
			countStates(def, names)
			for n, c := range names {
				switch first, _, _ := strings.Cut(n, " "); {
				case c > 1:
					t.Errorf("%s: %d states named %q", f.Path, c, n)
				case len(n) > maxStateName:
					t.Errorf("%s: state name %q is over %d characters", f.Path, n, maxStateName)
				case !taskName(n) && strings.HasPrefix(strings.ToLower(n), "dagc "):
					t.Errorf("%s: state %q is named after dagc", f.Path, n)
				case taskName(n) && !bases[first]:
					t.Errorf("%s: state %q has the form of a task's state, but no task has the base %q", f.Path, n, first)
				case !taskName(n):
					own++
				}
			}
		}
		if own == 0 {
			t.Errorf("%s: no state of the run's own: the check is broken", where)
		}
	}
	for _, file := range examples(t) {
		p := parseExample(t, file)
		files, _ := render(p)
		if files == nil {
			continue
		}
		bases := map[string]bool{}
		for _, tk := range p.Tasks {
			bases[stateBase(tk.Name)] = true
		}
		check(file, files, bases)
	}
	p, diags := parser.New().ParseFile("lookalikes.dag.hcl", []byte(lookalikes), parser.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, diags := render(p)
	if files == nil {
		t.Fatalf("rejected: %s", diagText(diags))
	}
	bases := map[string]bool{}
	for _, tk := range p.Tasks {
		bases[stateBase(tk.Name)] = true
	}
	check("lookalikes", files, bases)
	if len(bases) != len(p.Tasks) {
		t.Fatalf("bases %v", bases)
	}
	// The parser allows only letters, digits, _ and - in a task name; a
	// pipeline built otherwise (the IR has no such rule) with tasks named
	// exactly like the run's own states still renders, each task's states
	// under its base.
	ip := &ir.Pipeline{Name: "own", Timezone: "UTC", Params: []*ir.Param{{Name: "x", Type: ir.ParamString, Default: "y", HasDefault: true}}}
	prev := ""
	for _, n := range []string{stateDefaults, stateInit, stateParams, stateRunState, stateRunFailed, stateRunSucceed, "Parallel: a, b", partStateName(1), badParamName("x")} {
		if prev == "" {
			ip.Tasks = append(ip.Tasks, task(n))
		} else {
			ip.Tasks = append(ip.Tasks, task(n, prev), task(n+" 2", prev))
		}
		prev = n
	}
	files, diags = render(ip)
	if files == nil {
		t.Fatalf("rejected: %s", diagText(diags))
	}
	bases = map[string]bool{}
	for _, tk := range ip.Tasks {
		bases[stateBase(tk.Name)] = true
	}
	check("own", files, bases)
}

// countStates counts the states of every name in the machine and its
// branches and iterators.
func countStates(v any, out map[string]int) {
	switch x := v.(type) {
	case map[string]any:
		if ss, ok := x["States"].(map[string]any); ok {
			for name := range ss {
				out[name]++
			}
		}
		for _, e := range x {
			countStates(e, out)
		}
	case []any:
		for _, e := range x {
			countStates(e, out)
		}
	}
}

// TestParallelNames: a Parallel is named after the first task of each
// branch, cut with a count of the rest, and two Parallels that start with
// the same task keep different names.
func TestParallelNames(t *testing.T) {
	long := strings.Repeat("x", 30)
	var src strings.Builder
	src.WriteString("task \"a\" {\n  command = [\"true\"]\n}\n")
	for _, n := range []string{"b", long + "1", long + "2", long + "3", long + "4"} {
		src.WriteString("task \"" + n + "\" {\n  depends_on = [task.a]\n  command = [\"true\"]\n}\n")
	}
	p, diags := parser.New().ParseFile("wide.dag.hcl", []byte(src.String()), parser.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, diags := render(p)
	if files == nil {
		t.Fatalf("rejected: %s", diagText(diags))
	}
	want := "Parallel: b, " + long + "1 +3 more"
	if !strings.Contains(string(files[0].Data), `"`+want+`"`) {
		t.Errorf("no Parallel named %q in\n%s", want, files[0].Data)
	}
	// Names too long for even the first two are cut and hashed.
	huge := strings.Repeat("y", 200)
	n1, n2 := fitName("Parallel: "+stateBase(huge+"1")+", "+stateBase(huge+"2")), fitName("Parallel: "+stateBase(huge+"1")+", "+stateBase(huge+"3"))
	if n1 == n2 || len(n1) > maxStateName || !strings.HasPrefix(n1, "Parallel: ") {
		t.Errorf("fitName: %q, %q", n1, n2)
	}
}
