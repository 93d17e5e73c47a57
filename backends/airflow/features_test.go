package airflow

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// featurePipeline uses every setting the Airflow backend renders, with
// hand-built IR so the test does not depend on the parser.
func featurePipeline() *ir.Pipeline {
	prep := plainTask("prep", "sh", "-c", "echo 1 > \"$DAGC_OUTPUTS/n\"")
	prep.Outputs = []string{"n"}
	prep.Retry = ir.Retry{Attempts: 3, Delay: 30 * time.Second, Backoff: 2, MaxDelay: 10 * time.Minute}
	prep.Timeout = 90 * time.Minute
	prep.Settings = []*ir.Settings{settings.Block("airflow", ir.LevelTask, map[string]any{"pool": "etl", "queue": "fast", "priority_weight": 7, "owner": "data-team"})}
	prep.Run.Workdir = ir.Lit("scripts")
	prep.Run.Env = []ir.EnvVar{{Name: "MODE", Value: ir.Str{Parts: []ir.Part{{Lit: "run "}, {Ref: &ir.Ref{Kind: ir.RefRunID}}}}}}

	pod := plainTask("pod", "python", "train.py")
	pod.Settings = []*ir.Settings{settings.Block("airflow", ir.LevelTask, map[string]any{"operator": "kubernetes", "namespace": "ml"})}
	pod.Resources = ir.Resources{CPU: "2", Memory: "4Gi", GPU: 1}
	pod.Edges = ir.EdgesFrom("prep")
	pod.Run = ir.Template{Image: ir.Lit("python:3.12-slim"),
		Command: []ir.Str{ir.Lit("python"), ir.Lit("train.py"), ir.EachKey(), {Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefOutput, Task: "prep", Name: "n"}}}}},
		Env:     []ir.EnvVar{{Name: "MODEL", Value: ir.EachKey()}}}
	pod.ForEach = ir.StringItems("xgb", "rf")

	gate := plainTask("gate", "true")
	gate.Edges = ir.EdgesFrom("pod")
	gate.Trigger = ir.AllDone
	gate.When = &ir.Cond{Op: ir.CondAnd, Args: []*ir.Cond{
		{Op: ir.CondCompare, Cmp: ir.Ge, Numeric: true, Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "limit"}}, Right: ir.Operand{Lit: "0.5", LitKind: ir.LitNumber}},
		{Op: ir.CondNot, Args: []*ir.Cond{{Op: ir.CondCompare, Cmp: ir.Eq, Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "dry-run"}}, Right: ir.Operand{Lit: "true", LitKind: ir.LitBool}}}},
	}}
	return &ir.Pipeline{
		Name: "features", Description: "All the settings", Schedule: "0 3 * * *", Timezone: "Europe/Berlin",
		StartDate: "2026-01-02", Catchup: true, Concurrency: 4, Timeout: 6 * time.Hour, Tags: []string{"ml", "nightly"},
		Params: []*ir.Param{
			{Name: "dry-run", Type: ir.ParamBool, Default: "false", HasDefault: true},
			{Name: "limit", Type: ir.ParamNumber, Default: "0.75", HasDefault: true, Description: "cut-off"},
			{Name: "target", Type: ir.ParamString, Default: "{{ x }}", HasDefault: true},
		},
		Tasks: []*ir.Task{prep, pod, gate},
	}
}

// TestFeaturesInAirflow imports the rendered feature pipeline in a real
// Airflow DagBag and reads back what Airflow made of every setting.
func TestFeaturesInAirflow(t *testing.T) {
	py := venvPython()
	if py == "" {
		t.Skip("Airflow venv not found (scripts/setup-airflow.sh installs it): skipping the DagBag import check")
	}
	if testing.Short() {
		t.Skip("-short: skipping the DagBag import check")
	}
	p := featurePipeline()
	data, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "features.py")
	writeDAG(t, file, data)
	prog := `import json, os, sys, tempfile
home = tempfile.mkdtemp()
os.environ.update({"AIRFLOW_HOME": home, "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite:///" + home + "/db", "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR"})
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
if bag.import_errors:
    sys.exit(str(bag.import_errors))
dag = bag.dags["features"]
out = {"timetable": type(dag.timetable).__name__, "tz": str(dag.timezone), "start": dag.start_date.isoformat(),
    "catchup": dag.catchup, "max_active_tasks": dag.max_active_tasks, "dagrun_timeout": dag.dagrun_timeout.total_seconds(),
    "tags": sorted(dag.tags), "description": dag.description,
    "params": {k: [dag.params.get_param(k).value if dag.params.get_param(k).has_value else None, dag.params.get_param(k).schema.get("type")] for k in dag.params},
    "tasks": {}}
for t in dag.tasks:
    d = {"type": type(t).__name__, "trigger_rule": getattr(t.trigger_rule, "value", t.trigger_rule), "retries": t.retries,
        "upstream": sorted(t.upstream_task_ids), "downstream": sorted(t.downstream_task_ids)}
    if t.task_id == "prep":
        d.update(retry_delay=t.retry_delay.total_seconds(), backoff=t.retry_exponential_backoff,
            max_retry_delay=t.max_retry_delay.total_seconds(), timeout=t.execution_timeout.total_seconds(),
            pool=t.pool, queue=t.queue, priority_weight=t.priority_weight, owner=t.owner, cwd=t.cwd)
    out["tasks"][t.task_id] = d
print(json.dumps(out))`
	var got struct {
		Timetable, Tz, Start, Description string
		Catchup                           bool
		MaxActiveTasks                    int     `json:"max_active_tasks"`
		DagrunTimeout                     float64 `json:"dagrun_timeout"`
		Tags                              []string
		Params                            map[string][]any
		Tasks                             map[string]map[string]any
	}
	if err := json.Unmarshal(runPython(t, py, prog, file), &got); err != nil {
		t.Fatal(err)
	}
	check := func(what string, g, w any) {
		t.Helper()
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if string(gb) != string(wb) {
			t.Errorf("%s = %s, want %s", what, gb, wb)
		}
	}
	check("timetable", got.Timetable, "CronTriggerTimetable")
	check("timezone", got.Tz, "Europe/Berlin")
	// Airflow keeps start_date in UTC: midnight in Berlin.
	check("start_date", got.Start, "2026-01-01T23:00:00+00:00")
	check("catchup", got.Catchup, true)
	check("max_active_tasks", got.MaxActiveTasks, 4)
	check("dagrun_timeout", got.DagrunTimeout, 6*3600.0)
	check("tags", got.Tags, []string{"ml", "nightly"})
	check("description", got.Description, "All the settings")
	check("params", got.Params, map[string][]any{"dry-run": {false, "boolean"}, "limit": {0.75, "number"}, "target": {"{{ x }}", "string"}})
	prep := got.Tasks["prep"]
	for k, w := range map[string]any{"type": "BashOperator", "retries": 3, "retry_delay": 30.0, "backoff": 2.0, "max_retry_delay": 600.0,
		"timeout": 5400.0, "pool": "etl", "queue": "fast", "priority_weight": 7, "owner": "data-team"} {
		check("prep."+k, prep[k], w)
	}
	if cwd, _ := prep["cwd"].(string); !strings.HasSuffix(cwd, "/scripts") {
		t.Errorf("prep.cwd = %q, want the DAG folder's scripts", cwd)
	}
	check("pod.type", got.Tasks["pod"]["type"], "MappedOperator")
	check("gate.trigger_rule", got.Tasks["gate"]["trigger_rule"], "all_done")
	check("watcher.trigger_rule", got.Tasks[watcherTaskID]["trigger_rule"], "all_done")
	check("watcher.upstream", got.Tasks[watcherTaskID]["upstream"], []string{"gate", "pod", "prep"})
	check("gate.upstream", got.Tasks["gate"]["upstream"], []string{"pod"})
}

func TestScheduledParamNeedsDefault(t *testing.T) {
	p := &ir.Pipeline{Name: "s", Schedule: "@daily", Timezone: "UTC", Tasks: []*ir.Task{plainTask("a", "true")},
		Params: []*ir.Param{{Name: "target", Type: ir.ParamString}}}
	diags := New().Check(p)
	if !diags.HasErrors() || !strings.Contains(diags[0].Summary, `param "target" without a default in a scheduled pipeline is not supported by the airflow backend`) {
		t.Fatalf("want an unsupported diagnostic, got %v", diags)
	}
}

// TestTimezoneWithoutStartDate keeps the timezone in the timetable.
func TestTimezoneWithoutStartDate(t *testing.T) {
	p := &ir.Pipeline{Name: "tz", Schedule: "@daily", Timezone: "Asia/Tokyo", Tasks: []*ir.Task{plainTask("a", "true")}}
	data, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !strings.Contains(string(data), `schedule=CronTriggerTimetable("@daily", timezone="Asia/Tokyo")`) {
		t.Errorf("timezone lost:\n%s", data)
	}
}

func TestKubernetesQuantities(t *testing.T) {
	p := featurePipeline()
	// The quantity grammar is ir's; the backend trusts a validated pipeline.
	p.Task("pod").Resources.Memory = "{{ 4Gi }}"
	ir.Normalize(p)
	if diags := ir.Validate(p); !diags.HasErrors() {
		t.Fatal("a memory that is not a quantity must be rejected by validation")
	}
	p.Task("pod").Resources.Memory = "512Mi"
	ir.Normalize(p)
	if diags := ir.Validate(p); diags.HasErrors() {
		t.Fatal(diags)
	}
	data, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, want := range []string{
		"pod = KubernetesPodOperator.partial(",
		`container_resources=k8s.V1ResourceRequirements(requests={"cpu": "2", "memory": "512Mi", "nvidia.com/gpu": "1"}, limits={"memory": "512Mi", "nvidia.com/gpu": "1"}),`,
		`"image": "python:3.12-slim",`,
		`"cmds": ["python", "train.py", "rf", "{{ dagc_output(ti.xcom_pull(task_ids='prep', key='n'), 'task.prep.outputs.n') }}"],`,
		`namespace="ml",`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("rendered file lacks %s", want)
		}
	}
}

// Item 20 of the hardening issue: the BashOperator image warning names a
// few tasks and counts the rest, whatever the pipeline's size.
func TestHardening20ImageWarningStaysShort(t *testing.T) {
	p := &ir.Pipeline{Name: "many", Timezone: "UTC"}
	for i := range 1000 {
		tk := plainTask(fmt.Sprintf("t%04d", i), "true")
		tk.Run.Image = ir.Lit("alpine:3.20")
		p.Tasks = append(p.Tasks, tk)
	}
	_, diags := render(p)
	var warning *ir.Diagnostic
	for i := range diags {
		if diags[i].Summary == "image and resources are not used by BashOperator" {
			warning = &diags[i]
		}
	}
	if warning == nil {
		t.Fatalf("no image warning in %v", diags)
	}
	if !strings.Contains(warning.Detail, `"t0000", "t0001", "t0002", "t0003", "t0004" and 995 more`) || len(warning.Detail) > 400 {
		t.Fatalf("warning detail (%d bytes): %s", len(warning.Detail), warning.Detail)
	}
}
