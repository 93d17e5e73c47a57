// Package airflow renders a pipeline as an Airflow 3 DAG file (DESIGN 3).
//
// Every task runs a fixed bash wrapper (BashOperator) or its argv directly
// (KubernetesPodOperator). User text never becomes part of bash_command:
// the argv travels in environment variables whose values are Jinja
// templates built here, where literals are escaped (jinjaLit) and run-time
// references are Jinja expressions this package writes itself. Python
// string literals all come from pyStr.
package airflow

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/templates"
)

const backendName = "airflow"

// skipExitCode is the exit status by which the wrapper tells BashOperator
// that `when` is false; a user command exiting with it is made to fail.
const skipExitCode = 99

// bashTemplateExt is BashOperator.template_ext: a templated string ending
// so is read as a template file.
var bashTemplateExt = []string{".sh", ".bash"}

// Renderer is the Airflow backend.
type Renderer struct{}

// New returns the Airflow renderer.
func New() *Renderer { return &Renderer{} }

// Name implements backends.Renderer.
func (*Renderer) Name() string { return backendName }

// Check implements backends.Renderer: it reports what Airflow cannot
// express and every name that collides after mapping.
func (r *Renderer) Check(p *ir.Pipeline) ir.Diagnostics {
	_, diags := build(p)
	return diags
}

// Render implements backends.Renderer: one <pipeline>.py file. Warnings
// are Check's to report; Render returns only errors, so callers that run
// both do not print a warning twice.
func (r *Renderer) Render(p *ir.Pipeline) ([]backends.File, ir.Diagnostics) {
	v, diags := build(p)
	if diags.HasErrors() {
		return nil, diags
	}
	var buf bytes.Buffer
	if err := fileTemplate.ExecuteTemplate(&buf, "airflow.py.tmpl", v); err != nil {
		return nil, ir.Diagnostics{{Severity: ir.Error, Summary: "internal error rendering the Airflow DAG", Detail: err.Error()}}
	}
	files := []backends.File{
		{Path: p.Name + ".py", Data: buf.Bytes()},
		{Path: RuntimeFile, Data: runtimeModule.data},
		{Path: ".airflowignore", Data: []byte(airflowIgnore), Lines: true},
	}
	if v.Pools != nil {
		files = append(files, backends.File{Path: poolsFileName(p), Data: v.Pools})
	}
	return files, nil // Check reported the warnings
}

// RuntimeFile is dagc's runtime module, written beside every DAG file
// (templates/airflow_runtime.py.tmpl): the helpers the DAGs import, once per
// folder instead of a copy in every file.
const RuntimeFile = "dagc_runtime.py"

// airflowIgnore keeps the runtime module out of DAG parsing: it imports
// from airflow, which makes the DAG processor try it as a DAG file.
const airflowIgnore = "# Written by dagc generate airflow: dagc_runtime.py is the module the DAGs import, not a DAG.\n" + RuntimeFile + "\n"

type runtimeView struct {
	Version          string
	SkipExitCode     int
	WordsArgc        string
	SkipTrigger      string
	MaxOutputBytes   int
	NumberSyntax     string
	NumberBlanks     string
	WrapperLines     []string
	ItemsPreview     int
	FailedStates     string
	AttemptTemplate  string
	MapIndexTemplate string
}

// runtimeModule is the runtime module, rendered once. Its VERSION is a hash
// of its own text, so a DAG refuses a runtime that differs in any byte.
var runtimeModule = func() (m struct {
	data    []byte
	version string
}) {
	v := runtimeView{
		SkipExitCode: skipExitCode, WordsArgc: wordsArgc, SkipTrigger: skipTrigger, MaxOutputBytes: ir.MaxOutputBytes,
		NumberSyntax: ir.NumberSyntax, NumberBlanks: ir.NumberBlanks, WrapperLines: wrapperLines,
		ItemsPreview: ir.MaxItemsPreview, FailedStates: pyStates(ir.Failing),
		AttemptTemplate: attemptTemplate(bashTemplateExt), MapIndexTemplate: "{{ task.env['DAGC_EACH_KEY'] }}",
	}
	render := func() []byte {
		var buf bytes.Buffer
		if err := fileTemplate.ExecuteTemplate(&buf, "airflow_runtime.py.tmpl", v); err != nil {
			panic(err) // a broken template: every test fails
		}
		return buf.Bytes()
	}
	sum := sha256.Sum256(render())
	v.Version = "dagc-runtime-" + hex.EncodeToString(sum[:8])
	m.data, m.version = render(), v.Version
	return m
}()

var fileTemplate = template.Must(template.New("airflow").Option("missingkey=error").Funcs(template.FuncMap{
	"pyStr": pyStr,
	"join":  func(xs []string) string { return strings.Join(xs, ", ") },
}).ParseFS(templates.FS, "airflow*.tmpl"))

// dagView is what the template renders.
type dagView struct {
	Source   string
	Pipeline string
	// Pools is the pools file, when tasks need pools of their own.
	Pools       []byte
	DagArgs     []kwarg
	Tasks       []*taskView
	WatchedVars []string
	// Watcher is the watcher's task id, "" when the DAG has none
	// (needsWatcher).
	Watcher string
	// AllowedFailure are the task ids (Python string literals) of the
	// tasks with allow_failure, which the watcher does not judge.
	AllowedFailure []string
	UsesK8s        bool
	UsesBash       bool
	UsesPython     bool // the watcher or an items task
	UsesCron       bool
	// RuntimeVersion is the VERSION of the runtime module the DAG needs,
	// RuntimeNames what it imports from it.
	RuntimeVersion string
	RuntimeNames   []string
	CheckRun       string // the watcher's python_callable
	UsesTimedelta  bool
	UsesParams     bool
	Timezone       string
	Description    string
	// RunTasks are what final tasks judge the run by (DESIGN 2.4): every
	// task that is not final, in pipeline order; nil without final tasks.
	RunTasks []runTaskView
	// ToleratedNames are the instance names (Python literals) of the
	// tasks with allow_failure among RunTasks: run.status leaves them out.
	ToleratedNames []string
}

// runTaskView is one task a final task sees: its task id and its
// instances' names as run.failed_tasks lists them (Python literals).
type runTaskView struct {
	ID     string
	Names  string // a Python list of strings
	Mapped bool
}

// wordsArgc is DAGC_ARGC for a command of plain words (plainWord): then
// DAGC_ARG_0 holds the words joined by single spaces, and the wrapper
// splits it there (read -r with IFS a space: no quote, backslash or glob
// is read, and a plain word holds none of them, nor a space or a line
// break). Four env entries instead of three plus one per argument.
const wordsArgc = "words"

// wrapperLines is the bash script every BashOperator task runs (see the
// comment above DAGC_RUN in the template). It must never contain Jinja
// syntax nor end in a template extension: tests check both.
var wrapperLines = []string{
	`dagc_argv=()`,
	`if [ "$DAGC_ARGC" = ` + wordsArgc + ` ]; then`,
	`  IFS=' ' read -r -a dagc_argv <<< "$DAGC_ARG_0"`,
	`  unset DAGC_ARG_0`,
	`else`,
	`  for ((dagc_i = 0; dagc_i < DAGC_ARGC; dagc_i++)); do`,
	`    dagc_var="DAGC_ARG_$dagc_i"`,
	`    dagc_argv+=("${!dagc_var}")`,
	`    unset "$dagc_var"`,
	`  done`,
	`fi`,
	`unset DAGC_ARGC DAGC_EACH_KEY`,
	`if [ "${DAGC_WHEN-true}" != true ]; then`,
	`  if [ "$DAGC_WHEN" = ` + skipTrigger + ` ]; then`,
	`    echo "dagc: no upstream task failed (trigger one_failed), skipping the task"`,
	`  else`,
	`    echo "dagc: when is false, skipping the task"`,
	`  fi`,
	`  exit ` + strconv.Itoa(skipExitCode),
	`fi`,
	`unset DAGC_WHEN`,
	`if [ -n "${DAGC_OUTPUTS+set}" ]; then`,
	`  DAGC_OUTPUTS=$(mktemp -d) || exit 1`,
	`  export DAGC_OUTPUTS`,
	`fi`,
	`"${dagc_argv[@]}"`,
	`dagc_rc=$?`,
	`if [ "$dagc_rc" -eq ` + strconv.Itoa(skipExitCode) + ` ]; then`,
	`  echo "dagc: the command exited with ` + strconv.Itoa(skipExitCode) + `, the code reserved for skipping; failing the task" >&2`,
	`  dagc_rc=1`,
	`fi`,
	`if [ "$dagc_rc" -ne 0 ]; then`,
	`  if [ -n "${DAGC_OUTPUTS-}" ]; then rm -rf -- "$DAGC_OUTPUTS"; fi`,
	`  exit "$dagc_rc"`,
	`fi`,
	`if [ -n "${DAGC_OUTPUTS-}" ]; then printf '\ndagc-outputs:%s\n' "$DAGC_OUTPUTS"; fi`,
}

// kwarg is one keyword argument, its value already a Python expression.
type kwarg struct {
	Name string
	Expr string
}

type taskView struct {
	Name     string
	Var      string
	Operator string
	Mapped   bool
	Kwargs   []kwarg
	// Expand is the Python expression passed to expand_kwargs for a
	// mapped task: one dict of per-instance arguments per instance.
	Expand string
	// Items is the items task of a run-time fan-out (itemsTask).
	Items *taskView
	// Edges are the task's upstream edges, written right after it: Airflow
	// hashes the whole DAG (every task id) for each task an edge names, so
	// an edge set while the DAG holds the tasks up to this one costs half
	// of one set after all tasks, on average.
	Edges []edgeView
}

type edgeView struct {
	Up   []string // variables
	Down string
}

type builder struct {
	p     *ir.Pipeline
	opts  *settings.Decoded[Options]
	diags ir.Diagnostics
	vars  map[string]string // task name -> python variable
	ids   map[string]string // task name -> task id
	tasks map[string]*ir.Task
	// guard is the Jinja condition under which the task being built runs
	// its command ("" when it always does); see strTemplate.
	guard string
	// failedUpstreamCheck is set while building a task whose trigger is
	// rendered as all_done plus the failed-upstream check (see
	// checksFailedUpstream).
	failedUpstreamCheck bool
	// item is the for_each item of the instance being rendered (nil
	// outside one): a per-instance when reads its each references from it
	// (DESIGN 2.5), and the guard is that instance's.
	item *ir.Item
	// dynamic is set while a run-time fan-out's template is rendered: each
	// references become placeholders its items task fills (eachMark).
	dynamic bool
	// pools maps each pool the tasks name, other than default_pool, to
	// those tasks, in pipeline order.
	pools map[string][]string
}

// failedUpstreamExpr is the Jinja expression of the failed-upstream check:
// the (non-empty, so true) list of failed upstream instances, or [].
const failedUpstreamExpr = "dagc_failed_upstream(ti)"

// skipTrigger is the value of DAGC_WHEN (and of the KubernetesPodOperator
// gate) when the trigger rule does not hold; "false" means `when` is false.
const skipTrigger = "trigger"

func build(p *ir.Pipeline) (*dagView, ir.Diagnostics) {
	opts, diags := Schema.Decode(p)
	b := &builder{p: p, opts: opts, diags: diags, vars: map[string]string{}, ids: map[string]string{}, tasks: map[string]*ir.Task{}}
	b.names()
	v := &dagView{
		Source:   path.Base(strings.ReplaceAll(p.File, "\\", "/")),
		Pipeline: p.Name,
		Timezone: p.Timezone,

		Description: p.Description,
	}
	if p.File == "" {
		v.Source = p.Name
	}
	var ignored, nonFinal []string
	hasFinal := p.HasFinal() // once: it scans every task
	for _, t := range p.Tasks {
		if hasFinal && !t.Final {
			var names []string
			for _, e := range ir.FailedTaskOrder(&ir.Pipeline{Tasks: []*ir.Task{t}}) {
				names = append(names, pyStr(e.Name))
			}
			list := "[" + strings.Join(names, ", ") + "]"
			if t.IsDynamic() {
				// Its instances are named by map index at run time; its
				// items task failing is the task failing as a whole.
				list = pyStr(t.Name)
				names = []string{pyStr(t.Name)}
				v.RunTasks = append(v.RunTasks, runTaskView{ID: itemsTaskID(b.ids[t.Name]), Names: "[" + pyStr(t.Name) + "]"})
			}
			v.RunTasks = append(v.RunTasks, runTaskView{ID: b.ids[t.Name], Names: list, Mapped: t.ForEach != nil})
			if t.AllowFailure {
				v.ToleratedNames = append(v.ToleratedNames, names...)
			}
		}
		tv := b.task(t)
		if tv == nil {
			continue
		}
		if tv.Operator == "KubernetesPodOperator" {
			v.UsesK8s = true
		} else {
			v.UsesBash = true
			if b.templateInstances(t)[0].Image != "" || !t.Resources.IsZero() {
				ignored = append(ignored, t.Name)
			}
		}
		if tv.Items != nil {
			// A run-time fan-out's items task comes first, with the same
			// upstream and trigger; the task maps over what it returns.
			v.Tasks = append(v.Tasks, tv.Items)
			if len(t.Edges) > 0 {
				e := edgeView{Down: tv.Items.Var}
				for _, u := range t.Upstream() {
					e.Up = append(e.Up, b.vars[u])
				}
				tv.Items.Edges = append(tv.Items.Edges, e)
			}
			tv.Edges = append(tv.Edges, edgeView{Down: b.vars[t.Name], Up: []string{tv.Items.Var}})
			if t.AllowFailure {
				v.AllowedFailure = append(v.AllowedFailure, pyStr(itemsTaskID(b.ids[t.Name])))
			}
		}
		v.Tasks = append(v.Tasks, tv)
		if tv.Items != nil {
			v.WatchedVars = append(v.WatchedVars, tv.Items.Var)
		}
		if len(t.Edges) > 0 {
			e := edgeView{Down: b.vars[t.Name]}
			for _, u := range t.Upstream() {
				e.Up = append(e.Up, b.vars[u])
			}
			tv.Edges = append(tv.Edges, e)
		}
		if t.Final && len(nonFinal) > 0 {
			// An exit handler waits for every other task (they come first in
			// the pipeline's order) under all_done.
			tv.Edges = append(tv.Edges, edgeView{Down: b.vars[t.Name], Up: nonFinal})
		}
		if !t.Final {
			nonFinal = append(nonFinal, b.vars[t.Name])
		}
		v.WatchedVars = append(v.WatchedVars, b.vars[t.Name])
		if t.AllowFailure {
			v.AllowedFailure = append(v.AllowedFailure, pyStr(b.ids[t.Name]))
		}
	}
	if len(ignored) > 0 {
		b.diags = append(b.diags, ir.Diagnostic{
			Severity: ir.Warning,
			Summary:  "image and resources are not used by BashOperator",
			Detail: fmt.Sprintf("Tasks %s run with BashOperator on the Airflow worker, so their image and resources do not apply. "+
				"Set airflow { operator = \"kubernetes\" } to run them in containers.", quoteList(ignored)),
			Subject: p.Range,
		})
	}
	v.DagArgs = b.dagArgs(v) // after the tasks: the macros list the run's tasks
	names := map[string]bool{"dagc_macros": true}
	if needsWatcher(p) {
		v.Watcher = watcherTaskID
		v.CheckRun = "dagc_check_run()"
		if len(v.AllowedFailure) > 0 {
			v.CheckRun = "dagc_check_run(allowed=[" + strings.Join(v.AllowedFailure, ", ") + "])"
		}
		names["dagc_check_run"] = true
		v.UsesPython = true
	} else {
		v.WatchedVars = nil
	}
	v.RuntimeVersion = runtimeModule.version
	v.UsesParams = len(p.Params) > 0
	var text strings.Builder
	for _, a := range v.DagArgs {
		text.WriteString(a.Expr)
	}
	for _, tv := range v.Tasks {
		if tv.Operator == "PythonOperator" {
			v.UsesPython = true
		}
		text.WriteString(tv.Operator + tv.Expand)
		for _, a := range tv.Kwargs {
			text.WriteString(a.Expr)
		}
	}
	used := text.String()
	for _, n := range []string{"dagc_bash", "dagc_env", "dagc_gate", "dagc_items", "RetryCodesBashOperator", "ArtifactBashOperator"} {
		if strings.Contains(used, n) {
			names[n] = true
		}
	}
	v.RuntimeNames = slices.Sorted(maps.Keys(names))
	v.UsesTimedelta = strings.Contains(used, "timedelta(")
	if len(b.pools) > 0 {
		v.Pools = poolsFile(p, b.pools)
		names := slices.Sorted(maps.Keys(b.pools))
		b.diags = append(b.diags, ir.Diagnostic{
			Severity: ir.Warning,
			Summary:  "Airflow pools needed",
			Detail: fmt.Sprintf("The DAG's tasks use the pools %s. A pool that does not exist leaves its tasks in state scheduled until the run times out. "+
				"Create them before the first run: airflow pools import %s (%d slots each; edit the file to change that).", quoteList(names), poolsFileName(p), poolSlots),
			Subject: p.Range,
		})
	}
	return v, b.diags
}

// needsWatcher tells whether Airflow, which judges a run by its leaf tasks
// once every task has ended (failed if one of them is failed or
// upstream_failed), would judge p's runs differently from DESIGN 2.4
// (failed if any task failed without allow_failure). It would not when no
// task has allow_failure or is final and every task with upstream tasks
// has a rule that ends it upstream_failed exactly when an upstream
// instance is failed or upstream_failed (all_success, none_failed,
// none_failed_min_one_success; ir.Rule.FailsExactlyOnFailure): then a
// failure reaches every leaf below it as upstream_failed, and a leaf is
// upstream_failed only below a failure. Such a DAG needs no watcher, as a
// hand-written one has none; any other rule (one that runs over a failure,
// or skips over one) keeps it. A run-time fan-out's items task and mapped
// task take the task's rule.
func needsWatcher(p *ir.Pipeline) bool {
	for _, t := range p.Tasks {
		if t.AllowFailure || t.Final {
			return true
		}
		if r, ok := ir.RuleOf(t.Trigger); len(t.Edges) > 0 && (!ok || !r.FailsExactlyOnFailure()) {
			return true
		}
	}
	return false
}

// defaultPool is the pool every Airflow deployment has.
const defaultPool = "default_pool"

// poolSlots is the size given to each pool in the pools file: Airflow's
// own default_pool size.
const poolSlots = 128

func poolsFileName(p *ir.Pipeline) string { return p.Name + ".pools.json" }

// poolsFile is the JSON `airflow pools import` reads: pool name →
// slots, description, include_deferred.
func poolsFile(p *ir.Pipeline, pools map[string][]string) []byte {
	type pool struct {
		Slots           int    `json:"slots"`
		Description     string `json:"description"`
		IncludeDeferred bool   `json:"include_deferred"`
	}
	out := make(map[string]pool, len(pools))
	for name, tasks := range pools {
		out[name] = pool{Slots: poolSlots, Description: fmt.Sprintf("Needed by the dagc pipeline %s (tasks %s).", p.Name, quoteList(tasks))}
	}
	data, _ := json.MarshalIndent(out, "", "  ") // map keys come out sorted
	return append(data, '\n')
}

// listedNames is how many task names a diagnostic spells out before it
// counts the rest: a warning about 100,000 tasks must stay readable.
const listedNames = 5

func quoteList(names []string) string {
	shown := names[:min(len(names), listedNames)]
	q := make([]string, len(shown))
	for i, n := range shown {
		q[i] = strconv.Quote(n)
	}
	s := strings.Join(q, ", ")
	if more := len(names) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// names maps task names to Airflow task ids and Python variables and
// reports collisions.
func (b *builder) names() {
	byID := map[string]string{}
	byVar := map[string]string{}
	for _, t := range b.p.Tasks {
		b.tasks[t.Name] = t
		id, v := taskID(t.Name), pyVar(t.Name)
		b.ids[t.Name], b.vars[t.Name] = id, v
		if len(id) > maxTaskIDLen {
			b.diags.Errorf(t.Range, "task name too long for Airflow", "Task %q is %d characters long; Airflow task ids are at most %d.", t.Name, len(id), maxTaskIDLen)
		}
		if other, ok := byID[id]; ok {
			b.diags.Errorf(t.Range, "task names collide in Airflow", "%s", nameCollision("task id", other, t.Name, id))
		}
		byID[id] = t.Name
		if t.IsDynamic() {
			if other, ok := byID[itemsTaskID(id)]; ok {
				b.diags.Errorf(t.Range, "task names collide in Airflow", "%s", nameCollision("task id", other, t.Name+"'s items task", itemsTaskID(id)))
			}
			byID[itemsTaskID(id)] = t.Name + "'s items task"
		}
		if other, ok := byVar[v]; ok && taskID(other) != id {
			b.diags.Errorf(t.Range, "task names collide in Airflow", "%s", nameCollision("variable", other, t.Name, v))
		}
		byVar[v] = t.Name
	}
}

func (b *builder) dagArgs(v *dagView) []kwarg {
	p := b.p
	if taskID(p.Name) != p.Name || len(p.Name) > maxTaskIDLen {
		b.unsupported(fmt.Sprintf("pipeline name %q", p.Name), nil,
			"dagc writes Airflow dag ids of at most 250 letters, digits, '_' and '-'; rename the pipeline.")
	}
	args := []kwarg{{"dag_id", pyStr(p.Name)}}
	if p.Description != "" {
		args = append(args, kwarg{"description", pyStr(p.Description)})
	}
	tz := v.Timezone
	switch {
	case p.Schedule == "":
		args = append(args, kwarg{"schedule", "None"})
	case p.StartDate == "" && tz != "UTC":
		// Without a start_date nothing carries the timezone but the timetable.
		v.UsesCron = true
		args = append(args, kwarg{"schedule", fmt.Sprintf("CronTriggerTimetable(%s, timezone=%s)", pyStr(p.Schedule), pyStr(tz))})
	default:
		args = append(args, kwarg{"schedule", pyStr(p.Schedule)})
	}
	if p.StartDate != "" {
		d, err := time.Parse("2006-01-02", p.StartDate)
		if err != nil {
			b.diags.Errorf(p.Range, "invalid start_date", "start_date %q is not a YYYY-MM-DD date.", p.StartDate)
		} else {
			args = append(args, kwarg{"start_date", fmt.Sprintf("pendulum.datetime(%d, %d, %d, tz=%s)", d.Year(), int(d.Month()), d.Day(), pyStr(tz))})
		}
	}
	args = append(args, kwarg{"catchup", pyBool(p.Catchup)})
	if p.Concurrency > 0 {
		args = append(args, kwarg{"max_active_tasks", strconv.Itoa(p.Concurrency)})
	}
	if p.Timeout > 0 {
		args = append(args, kwarg{"dagrun_timeout", pyTimedelta(p.Timeout)})
	}
	if len(p.Tags) > 0 {
		tags := make([]string, len(p.Tags))
		for i, t := range p.Tags {
			tags[i] = pyStr(t)
		}
		args = append(args, kwarg{"tags", "[" + strings.Join(tags, ", ") + "]"})
	}
	for _, pa := range p.Params {
		if p.Schedule != "" && !pa.HasDefault {
			d := ir.Unsupported(backendName, fmt.Sprintf("param %q without a default in a scheduled pipeline", pa.Name), nil,
				"Airflow refuses a schedule when a param has no default (scheduled runs have no one to give it). Give the param a default or remove the schedule.")
			d.Subject = pa.Range
			b.diags = append(b.diags, d)
		}
	}
	if len(p.Params) > 0 {
		var lines []string
		for _, pa := range p.Params {
			lines = append(lines, pyStr(pa.Name)+": "+b.param(pa)+",")
		}
		args = append(args, kwarg{"params", "{\n" + indentLines(lines, 8) + "    }"})
	}
	macros := "dagc_macros(" + pyStr(tz)
	if len(v.RunTasks) > 0 {
		var rows []string
		for _, rt := range v.RunTasks {
			rows = append(rows, "("+pyStr(rt.ID)+", "+rt.Names+", "+pyBool(rt.Mapped)+"),")
		}
		macros += ",\n        run_tasks=[\n" + indentLines(rows, 12) + "        ],\n        tolerated=[" + strings.Join(v.ToleratedNames, ", ") + "],\n    "
	}
	args = append(args, kwarg{"user_defined_macros", macros + ")"})
	return args
}

func (b *builder) param(pa *ir.Param) string {
	var args []string
	if pa.HasDefault {
		switch pa.Type {
		case ir.ParamNumber:
			if _, err := strconv.ParseFloat(pa.Default, 64); err != nil || !isPyNumber(pa.Default) {
				b.diags.Errorf(pa.Range, "invalid param default", "param %q: default %q is not a number.", pa.Name, pa.Default)
				return "None"
			}
			args = append(args, pa.Default)
		case ir.ParamBool:
			args = append(args, pyBool(pa.Default == "true"))
		default:
			args = append(args, pyStr(pa.Default))
		}
	}
	switch pa.Type {
	case ir.ParamNumber:
		args = append(args, `type="number"`)
	case ir.ParamBool:
		args = append(args, `type="boolean"`)
	default:
		args = append(args, `type="string"`)
	}
	if pa.Description != "" {
		args = append(args, "description="+pyStr(pa.Description))
	}
	return "Param(" + strings.Join(args, ", ") + ")"
}

// isPyNumber accepts the canonical number texts the parser produces, which
// are also valid Python literals.
func isPyNumber(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == 'e' || r == 'E' || r == '+' || (r == '-' && (i == 0 || s[i-1] == 'e' || s[i-1] == 'E'))) {
			return false
		}
	}
	return s[len(s)-1] >= '0' && s[len(s)-1] <= '9' && s[0] != '.' && !(len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9')
}

func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

// pyTimedelta renders d as a timedelta in the largest unit that divides it.
func pyTimedelta(d time.Duration) string {
	units := []struct {
		name string
		d    time.Duration
	}{{"days", 24 * time.Hour}, {"hours", time.Hour}, {"minutes", time.Minute}, {"seconds", time.Second}, {"milliseconds", time.Millisecond}, {"microseconds", time.Microsecond}}
	for _, u := range units {
		if d%u.d == 0 {
			return fmt.Sprintf("timedelta(%s=%d)", u.name, d/u.d)
		}
	}
	return fmt.Sprintf("timedelta(microseconds=%d)", d/time.Microsecond)
}

func indentLines(lines []string, n int) string {
	pad := strings.Repeat(" ", n)
	var s strings.Builder
	for _, l := range lines {
		s.WriteString(pad + l + "\n")
	}
	return s.String()
}

func (b *builder) unsupported(feature string, t *ir.Task, detail string) {
	b.diags = append(b.diags, ir.Unsupported(backendName, feature, t, detail))
}

// reservedEnv are the variables the wrapper uses to receive its input.
func isReservedEnv(name string) bool {
	return name == "DAGC_ARGC" || name == "DAGC_WHEN" || name == "DAGC_ATTEMPT" || name == "DAGC_OUTPUTS" || name == "DAGC_EACH_KEY" || strings.HasPrefix(name, "DAGC_ARG_")
}

func (b *builder) task(t *ir.Task) *taskView {
	// Schema holds operator to "bash" or "kubernetes".
	op := b.opts.Task(t).Operator
	if op == "" {
		op = "bash"
	}
	if t.IsDynamic() {
		if op == "kubernetes" {
			b.unsupported("for_each over a run-time value with operator \"kubernetes\"", t, "The items task fills the BashOperator wrapper's environment; use the default operator.")
			return nil
		}
		if checksFailedUpstream(t) {
			b.unsupported(fmt.Sprintf("trigger %s on a for_each over a run-time value", t.Trigger), t, "Airflow starts such a task before every upstream has ended, and its items task would have to wait the same way; use all_success, all_done, none_failed, none_failed_min_one_success, none_skipped or all_failed.")
			return nil
		}
		b.dynamic = true
		defer func() { b.dynamic = false }()
	} else if t.NumInstances() == 0 {
		b.diags.Errorf(t.Range, "task has no instance", "task %q has no instance to run.", t.Name)
		return nil
	}
	if len(t.Artifacts) > 0 || len(t.Inputs) > 0 {
		switch st := storageOf(b.p, b.opts.Task(t)); {
		case op == "kubernetes":
			b.unsupported("artifacts with operator \"kubernetes\"", t, "ObjectStoragePath moves artifacts on the worker, around a BashOperator's command; use the default operator.")
			return nil
		case st == "":
			b.unsupported("artifacts without storage", t, "Airflow's workers share no folder: set storage = \"s3://BUCKET/PREFIX\" (or file:// on storage every worker mounts) on the pipeline or in its airflow block, and storage_conn_id for the connection.")
			return nil
		}
	}
	for k, o := range t.Outputs {
		if o == "return_value" {
			d := ir.Unsupported(backendName, `an output named "return_value"`, t, "Airflow reserves that XCom key; rename the output.")
			d.Subject = t.OutputRange(k)
			b.diags = append(b.diags, d)
		}
	}
	for _, in := range b.templateInstances(t) {
		if len(in.Argv()) == 0 {
			b.diags.Errorf(t.Range, "empty command", "task %q has an empty command.", t.Name)
			return nil
		}
		for _, e := range in.Env {
			if isReservedEnv(e.Name) {
				b.unsupported(fmt.Sprintf("environment variable %s", e.Name), t, "dagc uses DAGC_ARGC, DAGC_ARG_<n>, DAGC_WHEN, DAGC_EACH_KEY, DAGC_ATTEMPT and DAGC_OUTPUTS itself.")
			}
		}
	}
	b.failedUpstreamCheck = checksFailedUpstream(t)
	// A when over each has a guard per instance (forInstance); until the
	// instances are rendered, the first one's says that there is a guard.
	b.item = nil
	b.forInstance(t, 0)
	b.setGuard(t)
	defer func() { b.guard, b.failedUpstreamCheck, b.item = "", false, nil }()
	if op == "kubernetes" {
		if t.When != nil && t.When.UsesEach() {
			// The gate is a pre_execute hook shared by every mapped
			// instance; it cannot tell them apart.
			b.unsupported("a when that uses each with operator \"kubernetes\"", t, "The KubernetesPodOperator gate is the same for every instance; use the default operator, whose wrapper decides per instance.")
			return nil
		}
		return b.k8sTask(t)
	}
	return b.bashTask(t)
}

// setGuard sets b.guard for the task being built and, for a for_each
// task, the instance b.item: its when decides per instance.
func (b *builder) setGuard(t *ir.Task) {
	gate, _, _ := triggerGate(t.Trigger)
	b.guard = ""
	switch {
	case b.failedUpstreamCheck && t.When != nil:
		b.guard = gate + " and (" + b.whenExpr(t.When) + ")"
	case b.failedUpstreamCheck:
		b.guard = gate
	case t.When != nil:
		b.guard = b.whenExpr(t.When)
	}
}

// forInstance makes the k-th instance of t the one being rendered.
func (b *builder) forInstance(t *ir.Task, k int) {
	if t.ForEach == nil || k >= len(t.ForEach.Items) {
		return
	}
	b.item = &t.ForEach.Items[k]
	b.setGuard(t)
}

// common are the arguments every operator takes the same way.
func (b *builder) common(t *ir.Task) []kwarg {
	args := []kwarg{{"task_id", pyStr(b.ids[t.Name])}}
	if t.Retry.Attempts > 0 {
		args = append(args, kwarg{"retries", strconv.Itoa(t.Retry.Attempts)})
		args = append(args, kwarg{"retry_delay", pyTimedelta(t.Retry.Delay)})
		if t.Retry.Backoff != 0 && t.Retry.Backoff != 1 {
			args = append(args, kwarg{"retry_exponential_backoff", strconv.FormatFloat(t.Retry.Backoff, 'f', -1, 64)})
		}
		if t.Retry.MaxDelay > 0 {
			args = append(args, kwarg{"max_retry_delay", pyTimedelta(t.Retry.MaxDelay)})
		}
	}
	if t.Timeout > 0 {
		args = append(args, kwarg{"execution_timeout", pyTimedelta(t.Timeout)})
	}
	if rule := b.triggerRule(t); rule != "" {
		args = append(args, kwarg{"trigger_rule", pyStr(rule)})
	}
	if t.ForEach != nil && t.ForEach.MaxParallel > 0 {
		// Per run, like max_parallel; max_active_tis_per_dag would count
		// every run of the DAG together.
		args = append(args, kwarg{"max_active_tis_per_dagrun", strconv.Itoa(t.ForEach.MaxParallel)})
	}
	a := b.opts.Task(t)
	if a.Pool != "" {
		args = append(args, kwarg{"pool", pyStr(a.Pool)})
		if a.Pool != defaultPool {
			if b.pools == nil {
				b.pools = map[string][]string{}
			}
			b.pools[a.Pool] = append(b.pools[a.Pool], t.Name)
		}
	}
	if a.Queue != "" {
		args = append(args, kwarg{"queue", pyStr(a.Queue)})
	}
	if a.PriorityWeight != 0 {
		args = append(args, kwarg{"priority_weight", strconv.Itoa(a.PriorityWeight)})
	}
	if a.Owner != "" {
		args = append(args, kwarg{"owner", pyStr(a.Owner)})
	}
	return args
}

// startsEarly are the Airflow rules that start a task as soon as one
// upstream instance satisfies them, while others may still run. Every
// Airflow rule ends in the state dagc's rule of the same name decides once
// all upstream instances have ended (TestTruthTable checks it over the
// whole table), but dagc decides only then (DESIGN 2.4). Both rules test
// "some upstream instance is ...", which stays true once true, so an early
// start always means "run" in the end; only the command must wait.
var startsEarly = map[ir.Trigger]bool{ir.OneFailed: true, ir.OneSuccess: true}

// gateTests are the Jinja expressions of the rule tests the gate knows:
// the helper named returns the matching upstream instances.
var gateTests = map[ir.Test]string{
	{Q: ir.Any, In: ir.Failing}: failedUpstreamExpr,
}

// waitUpstreamExpr is true once every upstream instance has ended, and
// reschedules the task (its command not started) until then.
const waitUpstreamExpr = "dagc_wait_upstream(ti)"

// checksFailedUpstream tells whether t's trigger gets a gate (see
// startsEarly). Without upstream Airflow runs the task whatever its rule,
// as dagc does.
func checksFailedUpstream(t *ir.Task) bool {
	return startsEarly[t.Trigger] && len(t.Edges) > 0
}

// triggerGate is how a rule of startsEarly is rendered. A rule that only
// ever skips the task waits under all_done (native is false) and the gate
// is the conjunction of its tests (one_failed). A rule that may end the
// task upstream_failed keeps Airflow's rule, which decides that state, and
// the gate waits for the other upstream instances (one_success). ok is
// false when neither applies.
func triggerGate(tr ir.Trigger) (expr string, native, ok bool) {
	r, _ := ir.RuleOf(tr)
	if r.UpstreamFailed != nil {
		return waitUpstreamExpr, true, true
	}
	parts := make([]string, 0, len(r.Run))
	for _, test := range r.Run {
		e, ok := gateTests[test]
		if !ok {
			return "", false, false
		}
		parts = append(parts, e)
	}
	return strings.Join(parts, " and "), false, len(parts) > 0
}

// pyStates renders a set of states as a Python tuple of their names.
func pyStates(s ir.StateSet) string {
	var names []string
	for _, st := range s.States() {
		names = append(names, pyStr(string(st)))
	}
	if len(names) == 1 {
		return "(" + names[0] + ",)"
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// triggerRule is the trigger_rule argument of t ("" for the default).
// Airflow's rules carry dagc's names.
func (b *builder) triggerRule(t *ir.Task) string {
	if _, ok := ir.RuleOf(t.Trigger); !ok {
		b.unsupported(fmt.Sprintf("trigger %q", t.Trigger), t, "")
		return ""
	}
	switch {
	case t.Trigger == ir.AllSuccess:
		return ""
	case checksFailedUpstream(t):
		_, native, ok := triggerGate(t.Trigger)
		if !ok {
			b.unsupported(fmt.Sprintf("trigger %q", t.Trigger), t, "Airflow's rule starts the task before every upstream task has ended, and dagc's gate cannot express it.")
		}
		if !native {
			return string(ir.AllDone)
		}
	}
	return string(t.Trigger)
}

// gateTemplate is the Jinja template that renders "true" when the task
// runs its command, "false" when its `when` is false and "trigger" when
// the failed-upstream check does not hold; "" when the task has neither.
// The check comes first: a task whose trigger does not hold is skipped
// without evaluating `when`, as on every dagc engine.
func (b *builder) gateTemplate(t *ir.Task) string {
	gate, _, _ := triggerGate(t.Trigger)
	switch {
	case b.failedUpstreamCheck && t.When != nil:
		return "{{ ('true' if " + b.whenExpr(t.When) + " else 'false') if " + gate + " else '" + skipTrigger + "' }}"
	case b.failedUpstreamCheck:
		return "{{ 'true' if " + gate + " else '" + skipTrigger + "' }}"
	case t.When != nil:
		return "{{ 'true' if " + b.whenExpr(t.When) + " else 'false' }}"
	}
	return ""
}

// strTemplate renders an ir.Str as a Jinja template for a templated field.
func (b *builder) strTemplate(s ir.Str, ext []string) string {
	parts := make([]templatePart, 0, len(s.Parts))
	for _, p := range s.Parts {
		if p.Ref == nil {
			parts = append(parts, templatePart{lit: p.Lit})
			continue
		}
		if b.dynamic && p.Ref.Kind.IsEach() {
			parts = append(parts, templatePart{lit: eachMark(p.Ref, true), raw: true})
			continue
		}
		expr := b.refText(p.Ref)
		if b.guard != "" {
			// Like the local runner, a trigger that does not hold or a false
			// `when` skips the task before its command's references are
			// looked at: Airflow renders every field first, so each
			// reference waits for the condition.
			expr = "(" + expr + ") if " + b.guard + " else ''"
		}
		parts = append(parts, templatePart{expr: expr, isEx: true})
	}
	return jinjaTemplate(parts, ext)
}

// refText returns a Jinja expression giving a reference's value as text,
// the same text the local runner substitutes.
func (b *builder) refText(r *ir.Ref) string {
	switch r.Kind {
	case ir.RefParam:
		pa := b.p.Param(r.Name)
		if pa != nil && pa.Type == ir.ParamString {
			return jinjaParam(r.Name)
		}
		return "dagc_text(" + jinjaParam(r.Name) + ")"
	case ir.RefRunID:
		return "run_id"
	case ir.RefRunDate:
		return "dagc_date(dag_run)"
	case ir.RefEachKey, ir.RefEachValue, ir.RefEachField, ir.RefEachExpr:
		// Only a when holds each references by now (Instances substituted
		// the rest): the instance's text, as a literal of its own gate.
		if b.item != nil {
			if text, ok := b.item.Text(r); ok {
				return jinjaStrLit(text)
			}
		}
		if b.dynamic {
			return eachMark(r, false)
		}
		b.diags.Errorf(r.Range, "unknown reference", "reference %s has no item here.", r.String())
		return "''"
	case ir.RefRunAttempt:
		// try_number counts this task instance's attempts from 1.
		return "ti.try_number"
	case ir.RefRunStatus:
		return "dagc_run_status(ti)"
	case ir.RefRunFailedTasks:
		return "dagc_failed_tasks(ti)"
	case ir.RefOutput:
		up := b.tasks[r.Task]
		if up == nil {
			b.diags.Errorf(r.Range, "unknown task", "reference to unknown task %q.", r.Task)
			return "''"
		}
		what := jinjaStrLit(r.String())
		pull := fmt.Sprintf("ti.xcom_pull(task_ids=%s, key=%s", jinjaStrLit(b.ids[r.Task]), jinjaStrLit(r.Name))
		if up.IsDynamic() {
			return fmt.Sprintf("dagc_dynamic_output(ti, %s, %s, %s)", jinjaStrLit(b.ids[r.Task]), jinjaStrLit(r.Name), what)
		}
		if up.ForEach != nil {
			idx := make([]string, up.NumInstances())
			for i := range idx {
				idx[i] = strconv.Itoa(i)
			}
			return fmt.Sprintf("dagc_output_list(ti, %s, %s, map_indexes=[%s]), %s)", jinjaStrLit(b.ids[r.Task]), pull, strings.Join(idx, ", "), what)
		}
		return fmt.Sprintf("dagc_output(%s), %s)", pull, what)
	}
	b.diags.Errorf(r.Range, "unknown reference", "reference %s is not known to the airflow backend.", r.String())
	return "''"
}

// whenExpr renders a condition as a Jinja expression.
func (b *builder) whenExpr(c *ir.Cond) string {
	switch c.Op {
	case ir.CondConst:
		return strconv.FormatBool(c.Const)
	case ir.CondNot:
		return "(not " + b.whenExpr(c.Args[0]) + ")"
	case ir.CondAnd, ir.CondOr:
		op := " and "
		if c.Op == ir.CondOr {
			op = " or "
		}
		parts := make([]string, len(c.Args))
		for i, a := range c.Args {
			parts[i] = b.whenExpr(a)
		}
		return "(" + strings.Join(parts, op) + ")"
	case ir.CondCompare:
		var cmp string
		switch c.Cmp {
		case ir.Eq, ir.Ne, ir.Lt, ir.Le, ir.Gt, ir.Ge:
			cmp = string(c.Cmp)
		default:
			b.diags.Errorf(c.Range, "unknown comparison", "comparison %q is not known to the airflow backend.", c.Cmp)
			return "false"
		}
		return b.operand(c.Left, c.Numeric) + " " + cmp + " " + b.operand(c.Right, c.Numeric)
	}
	b.diags.Errorf(c.Range, "unknown condition", "condition %q is not known to the airflow backend.", c.Op)
	return "false"
}

func (b *builder) operand(o ir.Operand, numeric bool) string {
	if numeric && o.Ref == nil && plainNumber.MatchString(o.Lit) {
		return o.Lit // a Jinja number literal reads better than dagc_num('0.9')
	}
	var text string
	if o.Ref != nil {
		text = b.refText(o.Ref)
	} else {
		text = jinjaStrLit(o.Lit)
	}
	if !numeric {
		return text
	}
	return "dagc_num(" + text + ", " + jinjaStrLit(o.String()) + ")"
}

type envEntry struct{ name, value string }

// attemptTemplate is the value of DAGC_ATTEMPT (run.attempt), this
// attempt's number from 1.
func attemptTemplate(ext []string) string {
	return jinjaTemplate([]templatePart{{expr: "ti.try_number", isEx: true}}, ext)
}

func pyDict(entries []envEntry, indent int) string {
	if len(entries) == 0 {
		return "{}"
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = pyStr(e.name) + ": " + pyStr(e.value) + ","
	}
	return "{\n" + indentLines(lines, indent+4) + strings.Repeat(" ", indent) + "}"
}

func (b *builder) workdir(in *ir.Instance, ext []string) string {
	if in.Workdir == "" {
		return ""
	}
	if strings.HasPrefix(in.Workdir, "/") {
		return jinjaTemplate([]templatePart{{lit: in.Workdir}}, ext)
	}
	// Relative workdirs start at the folder of the DAG file.
	return jinjaTemplate([]templatePart{{expr: "task.dag.folder", isEx: true}, {lit: "/" + in.Workdir}}, ext)
}

// artifactArgs are ArtifactBashOperator's arguments (DESIGN 2.6): the
// declared artifacts, where each input comes from, and the storage.
func (b *builder) artifactArgs(t *ir.Task) []kwarg {
	var args []kwarg
	if len(t.Artifacts) > 0 {
		names := make([]string, len(t.Artifacts))
		for i, a := range t.Artifacts {
			names[i] = pyStr(a)
		}
		args = append(args, kwarg{"artifacts", "[" + strings.Join(names, ", ") + "]"})
	}
	if len(t.Inputs) > 0 {
		items := make([]string, len(t.Inputs))
		for i, in := range t.Inputs {
			src := in.Task + "/" + in.Artifact
			if prod := b.p.Task(in.Task); prod != nil && prod.ForEach != nil {
				src = in.Task + "/*/" + in.Artifact
			}
			items[i] = pyStr(in.Name) + ": " + pyStr(src)
		}
		args = append(args, kwarg{"inputs", "{" + strings.Join(items, ", ") + "}"})
	}
	st, conn := storageAndConn(b.p, b.opts.Task(t))
	args = append(args, kwarg{"storage", pyStr(st)})
	if conn != "" {
		args = append(args, kwarg{"storage_conn_id", pyStr(conn)})
	}
	return args
}

// defaultS3ConnID is the connection an s3:// storage is reached with when
// the airflow block names none.
const defaultS3ConnID = "aws_default"

// storageAndConn is the storage and the connection ObjectStoragePath
// reaches it with; an s3:// storage without storage_conn_id uses
// aws_default, what Airflow's own S3 hooks default to.
func storageAndConn(p *ir.Pipeline, o Options) (string, string) {
	st, conn := storageOf(p, o), o.StorageConnID
	if conn == "" && strings.HasPrefix(st, "s3://") {
		conn = defaultS3ConnID
	}
	return st, conn
}

// StorageOf is the storage and connection id the pipeline's Airflow tasks
// use, for test harnesses that serve it.
func StorageOf(p *ir.Pipeline) (storage, connID string) {
	opts, diags := Schema.Decode(p)
	if diags.HasErrors() {
		return p.Storage, ""
	}
	return storageAndConn(p, opts.Run)
}

// storageOf is the storage of the run: the airflow block's, else the
// pipeline's.
func storageOf(p *ir.Pipeline, o Options) string { return p.StorageWith(o.Storage) }

func (b *builder) bashTask(t *ir.Task) *taskView {
	tv := &taskView{Name: t.Name, Var: b.vars[t.Name], Operator: "BashOperator", Mapped: t.ForEach != nil}
	args := b.common(t)
	if len(t.Retry.OnExitCodes) > 0 && t.Retry.Attempts > 0 {
		tv.Operator = "RetryCodesBashOperator"
		codes := make([]string, len(t.Retry.OnExitCodes))
		for i, c := range t.Retry.OnExitCodes {
			codes[i] = strconv.Itoa(c)
		}
		args = append(args, kwarg{"retry_exit_codes", "[" + strings.Join(codes, ", ") + "]"})
	}
	if len(t.Artifacts) > 0 || len(t.Inputs) > 0 {
		args = append(args, b.artifactArgs(t)...)
		if tv.Operator == "BashOperator" {
			tv.Operator = "ArtifactBashOperator" // RetryCodesBashOperator is one too
		}
	}
	inst := b.templateInstances(t)
	var opts []string
	if len(t.Outputs) > 0 {
		names := make([]string, len(t.Outputs))
		for i, o := range t.Outputs {
			names[i] = pyStr(o)
		}
		opts = append(opts, "outputs=["+strings.Join(names, ", ")+"]")
	}
	if t.ForEach == nil {
		// The command as a Python list: what the task runs, as written
		// (Jinja only where a value is known at run time).
		call := "dagc_bash(" + b.envArgs(t, inst[0], "") + strings.Join(prefixAll(", ", opts), "")
		if wd := b.workdir(inst[0], bashTemplateExt); wd != "" {
			call += ", cwd=" + pyStr(wd)
		}
		tv.Kwargs = append(args, kwarg{"**", call + ")"})
		return tv
	}
	opts = append(opts, "mapped=True")
	if b.guard != "" {
		opts = append(opts, "gated=True")
	}
	tv.Kwargs = append(args, kwarg{"**", "dagc_bash(" + strings.Join(opts, ", ") + ")"})
	var items []string
	for k, in := range inst {
		b.forInstance(t, k)
		key := jinjaTemplate([]templatePart{{lit: in.Key}}, bashTemplateExt)
		if b.dynamic {
			key = eachMark(&ir.Ref{Kind: ir.RefEachKey}, true)
		}
		item := `{"env": dagc_env(` + b.envArgs(t, in, key) + ")"
		if wd := b.workdir(in, bashTemplateExt); wd != "" {
			item += `, "cwd": ` + pyStr(wd)
		}
		items = append(items, item+"},")
	}
	tv.Expand = "[\n" + indentLines(items, 8) + "    ]"
	if b.dynamic {
		tv.Items = b.itemsTask(t, inst[0])
		tv.Expand = tv.Items.Var + ".output"
	}
	return tv
}

func prefixAll(p string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

// envArgs are the arguments of dagc_env for one instance (dagc_bash takes
// the same first ones): the command as a Python list of Jinja templates,
// the task's own env, its gate, whether it publishes outputs, and a
// for_each instance's key (eachKey, "" for none).
func (b *builder) envArgs(t *ir.Task, in *ir.Instance, eachKey string) string {
	argv := in.Argv()
	elems := make([]string, len(argv))
	words := make([]string, len(argv))
	width, plain := 0, true
	for i, a := range argv {
		words[i] = b.strTemplate(a, bashTemplateExt)
		plain = plain && plainWord.MatchString(words[i])
		elems[i] = pyStr(words[i])
		width += len(elems[i]) + 2
	}
	list := "[" + strings.Join(elems, ", ") + "]"
	switch {
	case plain:
		// dagc_argv splits it on the spaces: a template of plain words is
		// rendered as itself, and no word holds a space.
		list = pyStr(strings.Join(words, " "))
	case width > 90:
		list = "[\n" + indentLines(suffixAll(elems, ","), 12) + "        ]"
	}
	out := list
	if len(in.Env) > 0 {
		var env []envEntry
		for _, e := range in.Env {
			env = append(env, envEntry{e.Name, b.strTemplate(e.Value, bashTemplateExt)})
		}
		out += ", " + pyDict(env, 8)
	}
	if gate := b.gateTemplate(t); gate != "" {
		out += ", when=" + pyStr(gate)
	}
	if eachKey != "" {
		if len(t.Outputs) > 0 {
			out += ", outputs=True"
		}
		out += ", each_key=" + pyStr(eachKey)
	}
	return out
}

// plainWord is an argument the DAG file may write as a word of a command
// string (dagc_argv): text no shell reads otherwise, with nothing Jinja
// reads as a template (no braces, %} needs one) and no space.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9@%+=:,./_-]+$`)

func suffixAll(xs []string, s string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x + s
	}
	return out
}

// templateInstances is what bashTask renders: the static instances, or
// for a run-time fan-out the template itself, whose each references the
// items task fills in per item.
func (b *builder) templateInstances(t *ir.Task) []*ir.Instance {
	if t.IsDynamic() {
		return []*ir.Instance{t.Template()}
	}
	return t.Instances()
}

// itemsTaskID is the task id of the items task of a run-time fan-out.
func itemsTaskID(id string) string { return id + "__items" }

// eachMark is the placeholder of an each reference in a run-time
// fan-out's template: NUL cannot occur in any text a user writes (the
// parser refuses it in commands and env), so the items task's replacement
// (dagc_items) can never hit user text. In template text (lit) it becomes
// a {{ '…' }} expression of the item's text, in an expression a string
// literal.
func eachMark(r *ir.Ref, lit bool) string {
	kind := "e"
	if lit {
		kind = "l"
	}
	return "\x00" + kind + ":" + eachField(r) + "\x00"
}

// eachField names an each reference as dagc_items reads it: key, value or
// field:NAME.
func eachField(r *ir.Ref) string {
	switch r.Kind {
	case ir.RefEachValue:
		return "value"
	case ir.RefEachField:
		return "field:" + r.Name
	}
	return "key"
}

// itemsTask is the items task of a run-time fan-out (DESIGN 2.5): it
// reads the source's value once the task's trigger holds (same upstream,
// same trigger rule), checks its shape with the rule of every engine
// (ir.DecodeItems, ir.CheckItemRefs), and returns one expand_kwargs entry
// per item: the task's environment with each reference filled in.
func (b *builder) itemsTask(t *ir.Task, tmpl *ir.Instance) *taskView {
	id := itemsTaskID(b.ids[t.Name])
	// The source is rendered as any reference, without the task's guard:
	// the items are read before any instance decides its when.
	guard := b.guard
	b.dynamic, b.guard = false, ""
	value := b.strTemplate(ir.Str{Parts: []ir.Part{{Ref: t.ForEach.Source}}}, nil)
	b.dynamic, b.guard = true, guard
	var reads []string
	for _, r := range t.ItemReads() {
		reads = append(reads, pyStr(eachField(r)))
	}
	in12 := strings.Repeat(" ", 12)
	env := `{"env": dagc_env(` + b.envArgs(t, tmpl, eachMark(&ir.Ref{Kind: ir.RefEachKey}, true)) + ")"
	if wd := b.workdir(tmpl, bashTemplateExt); wd != "" {
		env += `, "cwd": ` + pyStr(wd)
	}
	env += "}"
	args := []kwarg{
		{"task_id", pyStr(id)},
		{"python_callable", "dagc_items(\n" + in12 + pyStr(t.ForEach.Source.String()) + ",\n" +
			in12 + "[" + strings.Join(reads, ", ") + "],\n" + in12 + env + ",\n" + strings.Repeat(" ", 8) + ")"},
		{"op_kwargs", "{\"value\": " + pyStr(value) + "}"},
	}
	if rule := b.triggerRule(t); rule != "" {
		args = append(args, kwarg{"trigger_rule", pyStr(rule)})
	}
	return &taskView{Name: id, Var: b.vars[t.Name] + "__items", Operator: "PythonOperator", Kwargs: args}
}

func (b *builder) k8sTask(t *ir.Task) *taskView {
	tv := &taskView{Name: t.Name, Var: b.vars[t.Name], Operator: "KubernetesPodOperator", Mapped: t.ForEach != nil}
	if len(t.Outputs) > 0 {
		b.unsupported("outputs with operator \"kubernetes\"", t, "Outputs are carried by XCom only for BashOperator tasks; use the default operator.")
	}
	if len(t.Retry.OnExitCodes) > 0 && t.Retry.Attempts > 0 {
		b.unsupported("retry on_exit_codes with operator \"kubernetes\"", t, "KubernetesPodOperator does not tell the exit code of a failed pod to the retry decision; use the default operator.")
	}
	args := b.common(t)
	if gate := b.gateTemplate(t); gate != "" {
		// No wrapper runs in the pod, so trigger and condition are checked
		// before the pod starts: dagc_gate renders them with the task's
		// Jinja environment and raises AirflowSkipException unless "true".
		args = append(args, kwarg{"pre_execute", "dagc_gate(" + pyStr(gate) + ")"})
	}
	if ns := b.opts.Task(t).Namespace; ns != "" {
		args = append(args, kwarg{"namespace", pyStr(jinjaLit(ns))})
	}
	if !t.Resources.IsZero() {
		args = append(args, kwarg{"container_resources", k8sResources(t.Resources)})
	}
	args = append(args, kwarg{"do_xcom_push", "False"}, kwarg{"get_logs", "True"})
	var per []string
	for _, in := range t.Instances() {
		if in.Image == "" {
			b.unsupported("a task without image", t, "KubernetesPodOperator needs an image; set image on the task or in defaults.")
			return nil
		}
		if in.Workdir != "" {
			b.unsupported("workdir with operator \"kubernetes\"", t, "KubernetesPodOperator takes the image's working directory.")
			return nil
		}
		var argv []string
		for _, a := range in.Argv() {
			argv = append(argv, pyStr(b.strTemplate(a, nil)))
		}
		var env []string
		for _, e := range in.Env {
			env = append(env, pyStr(e.Name)+": "+pyStr(b.strTemplate(e.Value, nil)))
		}
		env = append(env, pyStr("DAGC_ATTEMPT")+": "+pyStr(attemptTemplate(nil)))
		fields := []kwarg{
			{"image", pyStr(jinjaLit(in.Image))},
			{"cmds", "[" + strings.Join(argv, ", ") + "]"},
		}
		if len(env) > 0 {
			fields = append(fields, kwarg{"env_vars", "{" + strings.Join(env, ", ") + "}"})
		}
		if t.ForEach == nil {
			args = append(args, fields...)
			break
		}
		item := "{\n"
		for _, f := range fields {
			item += strings.Repeat(" ", 12) + pyStr(f.Name) + ": " + f.Expr + ",\n"
		}
		per = append(per, item+strings.Repeat(" ", 8)+"},")
	}
	if t.ForEach != nil {
		tv.Expand = "[\n" + indentLines(per, 8) + "    ]"
	}
	tv.Kwargs = args
	return tv
}

// plainNumber matches number literals that Jinja reads as the same number.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

func k8sResources(r ir.Resources) string {
	req := map[string]string{}
	lim := map[string]string{}
	if r.CPU != "" {
		req["cpu"] = r.CPU
	}
	if r.Memory != "" {
		req["memory"] = r.Memory
		lim["memory"] = r.Memory
	}
	if r.GPU > 0 {
		req["nvidia.com/gpu"] = strconv.Itoa(r.GPU)
		lim["nvidia.com/gpu"] = strconv.Itoa(r.GPU)
	}
	dict := func(m map[string]string) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyStr(k) + ": " + pyStr(m[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	s := "k8s.V1ResourceRequirements(requests=" + dict(req)
	if len(lim) > 0 {
		s += ", limits=" + dict(lim)
	}
	return s + ")"
}
