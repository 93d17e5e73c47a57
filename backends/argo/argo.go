// Package argo renders a pipeline as an Argo Workflows manifest: a Workflow,
// a CronWorkflow (pipelines with a schedule) or a WorkflowTemplate, with one
// dag template as the entrypoint and one container template per task.
// docs/argo.md explains every mapping.
package argo

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/templates"
)

// Kind is the Argo object a pipeline becomes.
type Kind string

const (
	// KindAuto is a Workflow, or a CronWorkflow when the pipeline has a schedule.
	KindAuto             Kind = ""
	KindWorkflow         Kind = "workflow"
	KindCronWorkflow     Kind = "cronworkflow"
	KindWorkflowTemplate Kind = "workflowtemplate"
)

// ParseKind parses the --kind flag.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(strings.ToLower(s)); k {
	case KindAuto, KindWorkflow, KindCronWorkflow, KindWorkflowTemplate:
		return k, nil
	}
	return "", fmt.Errorf("unknown kind %q: use workflow, cronworkflow or workflowtemplate", s)
}

const (
	backendName = "argo"
	// outputsDir is $DAGC_OUTPUTS in every container: an emptyDir volume, so
	// it exists and is writable without a wrapper.
	outputsDir    = "/tmp/dagc-outputs"
	outputsVolume = "dagc-outputs"
	// startingDeadline lets a CronWorkflow start a run the controller missed
	// by up to this much (a restart, a slow leader election).
	startingDeadline = 300
)

// Renderer renders pipelines for Argo Workflows.
type Renderer struct {
	Kind Kind
}

// New returns a renderer for kind.
func New(kind Kind) *Renderer { return &Renderer{Kind: kind} }

// Name implements backends.Renderer.
func (*Renderer) Name() string { return backendName }

// Check implements backends.Renderer: it reports every feature this backend
// cannot express.
func (r *Renderer) Check(p *ir.Pipeline) ir.Diagnostics {
	_, diags := r.build(p)
	return diags
}

// Render implements backends.Renderer.
func (r *Renderer) Render(p *ir.Pipeline) ([]backends.File, ir.Diagnostics) {
	v, diags := r.build(p)
	if diags.HasErrors() {
		return nil, diags
	}
	var buf bytes.Buffer
	if err := manifestTemplate.ExecuteTemplate(&buf, "argo.yaml.tmpl", v); err != nil {
		diags = append(diags, ir.Diagnostic{Severity: ir.Error, Summary: "internal error rendering the Argo manifest", Detail: err.Error()})
		return nil, diags
	}
	// Warnings were reported by Check, which always runs first.
	return []backends.File{{Path: v.FileName, Data: buf.Bytes()}}, nil
}

var manifestTemplate = func() *template.Template {
	t := template.New("argo").Option("missingkey=error")
	// include renders a named template to a string, so that callers can
	// indent it (the same block sits at different depths).
	include := func(name string, data any) (string, error) {
		var b strings.Builder
		err := t.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
	return template.Must(t.Funcs(template.FuncMap{"yamlStr": yamlStr, "indent": indent, "include": include}).
		ParseFS(templates.FS, "argo*.tmpl"))
}()

// indent prefixes every line but the first with n spaces.
func indent(n int, s string) string {
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
}

// kv is one key/value pair of a YAML map, in output order.
type kv struct{ Key, Value string }

func sortedKV(m map[string]string) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// The view is the manifest with every value already in Argo's syntax; the
// template only lays it out and quotes it with yamlStr.
type view struct {
	FileName     string
	Source       string
	Kind         string
	Name         string
	GenerateName bool
	Namespace    string
	Labels       []kv
	Annotations  []kv
	Cron         *cronView
	Spec         specView
}

type cronView struct {
	Schedule          string
	Timezone          string
	StartingDeadline  int64
	ConcurrencyPolicy string
}

type specView struct {
	Entrypoint       string
	Params           []paramView
	Parallelism      int
	ActiveDeadline   int64
	ServiceAccount   string
	NodeSelector     []kv
	Tolerations      [][]kv
	ImagePullSecrets []string
	PodGC            string
	TTL              *ttlView
	// Volumes are the emptyDir volumes of the Workflow: dagc-outputs,
	// dagc-artifacts, dagc-inputs, as used.
	Volumes []string
	Target  string
	Tasks   []dagTaskView
	// ExitTasks are the final tasks: the dag template "dagc-exit", the
	// Workflow's onExit handler.
	ExitTasks []dagTaskView
	Templates []leafView
}

type paramView struct {
	Name, Value, Description string
	HasValue                 bool
	Enum                     []string
}

type ttlView struct{ AfterCompletion, AfterSuccess, AfterFailure int64 }

type dagTaskView struct {
	Name, Template, Depends, When string
	Args                          []kv
	Items                         []string // withItems: JSON object texts (itemText)
	WithParam                     string   // withParam of a run-time fan-out
}

type leafView struct {
	// Wrapper, when set, is the dag template that runs this leaf's
	// withItems task under a parallelism of its own (max_parallel),
	// rendered just before the leaf.
	Wrapper        *wrapperView
	Name           string
	Inputs         []string
	Labels         []kv
	Annotations    []kv
	NodeSelector   []kv
	Tolerations    [][]kv
	ServiceAccount string
	Image          string
	Command        []string
	Env            []kv
	Workdir        string
	Requests       []kv
	Limits         []kv
	Outputs        []kv // name, path
	Mounts         []kv // volume, mount path
	// Repo is the template's archiveLocation (nil: the cluster's default
	// repository); InArtifacts and OutArtifacts are key-only (artifacts.go).
	Repo           *s3View
	InArtifacts    []artifactView
	OutArtifacts   []artifactView
	Retry          *retryView
	ActiveDeadline int64
}

// wrapperView is a dag template whose only task is a for_each task's
// withItems loop: Argo's parallelism is a template field, so the cap of one
// task needs a template around it. It passes its inputs through and
// publishes the loop's aggregated outputs as its own.
type wrapperView struct {
	Name        string
	Parallelism int
	Inputs      []string
	Task        dagTaskView
	Outputs     []kv // name, the inner task's parameter
}

type retryView struct {
	Limit                 int
	Duration, Factor, Cap string
	// Expression is retryStrategy.expression, "" for none.
	Expression string
}

// renderer holds the state of one build.
type renderer struct {
	p        *ir.Pipeline
	opts     *settings.Decoded[Options]
	kind     Kind
	taskName map[string]string // dagc task name → Argo task/template name
	diags    ir.Diagnostics
	// byName and order index p.Tasks, built on first use: Pipeline.Task
	// is a linear search, which made rendering quadratic.
	byName map[string]*ir.Task
	order  map[string]int
	ufMemo map[string]bx // upstreamFailedTest per task (expr.go)
	// current is the task whose depends is being rendered.
	current *ir.Task
	// While a per-instance when is rendered (expr.go), each references
	// read the withItems task's item (whenItems) or one item's literal
	// text (whenItem).
	whenItems *taskCtx
	whenItem  *ir.Item
	// whenDyn: each references are the element # of an all() over a
	// run-time fan-out's source (skipGuards).
	whenDyn bool
	failed  string // failedTasksExpr, built once
	// repo is the S3 repository of the storage (nil: the cluster's
	// default) and runKey the key of the run's folder in it ("" when the
	// storage cannot be used), set by repository.
	repo   *s3View
	runKey string
}

// taskByName returns the task called name.
func (r *renderer) taskByName(name string) *ir.Task {
	if r.byName == nil {
		r.byName = make(map[string]*ir.Task, len(r.p.Tasks))
		r.order = make(map[string]int, len(r.p.Tasks))
		for i, t := range r.p.Tasks {
			r.byName[t.Name] = t
			r.order[t.Name] = i
		}
	}
	return r.byName[name]
}

func (r *renderer) unsupported(feature string, t *ir.Task, detail string) {
	r.diags = append(r.diags, ir.Unsupported(backendName, feature, t, detail))
}

func (r *renderer) errorf(subject ir.Range, summary, format string, args ...any) {
	r.diags.Errorf(subject, summary, format, args...)
}

func (rr *Renderer) build(p *ir.Pipeline) (*view, ir.Diagnostics) {
	opts, diags := Schema.Decode(p)
	r := &renderer{p: p, opts: opts, diags: diags, kind: rr.Kind, taskName: map[string]string{}}
	kind := rr.Kind
	if kind == KindAuto {
		kind = KindWorkflow
		if p.Schedule != "" {
			kind = KindCronWorkflow
		}
	}
	v := &view{FileName: p.Name + ".yaml", Source: filepath.Base(p.File)}
	r.mapNames()
	r.repository()
	r.metadata(v, kind)
	r.spec(v)
	return v, r.diags
}

// mapNames gives every task a DNS-1123 name and reports collisions.
func (r *renderer) mapNames() {
	owner := map[string]string{}
	for _, t := range r.p.Tasks {
		n := dnsName(t.Name)
		if prev, ok := owner[n]; ok {
			r.errorf(t.Range, "Task names collide in Argo",
				"tasks %q and %q both become %q as DNS-1123 labels (lower case letters, digits and '-', at most 63 characters), which the argo backend needs for task and template names; rename one of them.", prev, t.Name, n)
		}
		if n == "main" {
			// "main" is the entrypoint dag template.
			r.errorf(t.Range, "Task name reserved in Argo", "task %q becomes %q, the name of the entrypoint dag template of the argo backend; rename the task.", t.Name, n)
		}
		if n == exitTemplate && r.p.HasFinal() {
			r.errorf(t.Range, "Task name reserved in Argo", "task %q becomes %q, the name of the exit handler dag template that holds the final tasks in the argo backend; rename the task.", t.Name, n)
		}
		owner[n] = t.Name
		r.taskName[t.Name] = n
	}
}

func (r *renderer) metadata(v *view, kind Kind) {
	p := r.p
	name := dnsName(p.Name)
	v.Name = name
	v.Namespace = r.opts.Run.Namespace
	switch kind {
	case KindWorkflow:
		v.Kind = "Workflow"
		v.GenerateName = true
	case KindCronWorkflow:
		v.Kind = "CronWorkflow"
		if p.Schedule == "" {
			r.errorf(p.Range, "CronWorkflow needs a schedule", "--kind cronworkflow renders a CronWorkflow, but pipeline %q has no schedule; set schedule or use --kind workflow.", p.Name)
		}
		v.Cron = &cronView{Schedule: p.Schedule, Timezone: p.Timezone, StartingDeadline: startingDeadline, ConcurrencyPolicy: "Allow"}
		if p.Catchup {
			r.diags = append(r.diags, ir.Diagnostic{Severity: ir.Warning, Subject: p.Range,
				Summary: "catchup = true is not rendered by the argo backend",
				Detail:  "A CronWorkflow does not backfill the schedule intervals it missed; only runs within startingDeadlineSeconds (300) of their time are started late. Backfill by submitting Workflows from the rendered WorkflowTemplate (--kind workflowtemplate)."})
		}
	case KindWorkflowTemplate:
		v.Kind = "WorkflowTemplate"
	}
	labels := map[string]string{}
	for k, val := range r.opts.Run.Labels {
		labels[k] = val
	}
	// Every tag is kept exactly in the dagc.dev/tags annotation; tags that
	// are label names are also labels, so `argo list -l` can select them.
	for _, tag := range p.Tags {
		if isLabelName(tag) {
			labels["tags.dagc.dev/"+tag] = "true"
		}
	}
	v.Labels = sortedKV(labels)
	ann := map[string]string{}
	for k, val := range r.opts.Run.Annotations {
		ann[k] = val
	}
	if len(p.Tags) > 0 {
		ann["dagc.dev/tags"] = jsonNoBraces(p.Tags)
	}
	if p.Description != "" {
		ann["workflows.argoproj.io/description"] = safeText(p.Description)
	}
	if p.StartDate != "" && p.Schedule != "" {
		ann["dagc.dev/start-date"] = p.StartDate
	}
	v.Annotations = sortedKV(ann)
	for _, l := range append(append([]kv{}, v.Labels...), v.Annotations...) {
		if hazard(l.Key) || hazard(l.Value) {
			r.errorf(p.Range, "Argo template syntax in metadata", "label or annotation %q holds \"{{\" or \"}}\", which Argo would substitute; remove them.", l.Key)
		}
	}
}

// isLabelName reports whether s is a Kubernetes label name (the part after
// an optional prefix).
func isLabelName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	if !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func seconds(d time.Duration) int64 {
	return int64(math.Ceil(d.Seconds()))
}

func (r *renderer) spec(v *view) {
	p := r.p
	s := &v.Spec
	s.Entrypoint = "main"
	s.Parallelism = p.Concurrency
	s.ActiveDeadline = seconds(p.Timeout)
	s.ServiceAccount = r.opts.Run.ServiceAccount
	s.NodeSelector = sortedKV(r.opts.Run.NodeSelector)
	s.Tolerations = tolerations(r.opts.Run.Tolerations)
	s.ImagePullSecrets = r.opts.Run.ImagePullSecrets
	s.PodGC = r.opts.Run.PodGC
	if a := r.opts.Run; a.TTLAfterCompletion > 0 || a.TTLAfterSuccess > 0 || a.TTLAfterFailure > 0 {
		s.TTL = &ttlView{seconds(a.TTLAfterCompletion), seconds(a.TTLAfterSuccess), seconds(a.TTLAfterFailure)}
	}
	for _, pa := range p.Params {
		if !isParamName(pa.Name) {
			r.errorf(pa.Range, "Param name not valid in Argo", "param %q: Argo parameter names are letters, digits, '-' and '_'.", pa.Name)
		}
		if hazard(pa.Default) {
			r.unsupported("\"{{\" in a param default", nil, fmt.Sprintf("The default of param %q holds \"{{\" or \"}}\", which Argo would read as template syntax; there is no escape for it in a parameter value.", pa.Name))
		}
		pv := paramView{Name: pa.Name, Value: pa.Default, HasValue: pa.HasDefault, Description: safeText(pa.Description)}
		if pa.Type == ir.ParamBool {
			pv.Enum = []string{"true", "false"}
		}
		s.Params = append(s.Params, pv)
	}
	var target []string
	tolerated := false
	for _, t := range p.Tasks {
		if !t.Final {
			target = append(target, r.taskName[t.Name])
		}
		r.task(s, t)
		tolerated = tolerated || t.AllowFailure
	}
	// Argo judges a dag by its target tasks (by default its leaves). With
	// every task a target and failFast off, the run fails exactly when some
	// task ended Failed or Errored, even when a one_failed or all_done
	// handler ran after it (DESIGN 2.4), and independent branches still run.
	s.Target = strings.Join(target, " ")
	if tolerated {
		r.runStateTask(s)
	}
}

// Names of the run-state task the argo backend adds when a task has
// allow_failure, and the image it runs (a shell and nothing else).
const (
	runStateName  = "dagc-run-state"
	runStateImage = "busybox:1.36"
)

// runStateScript fails when any "task=phase" argument names a phase in
// which dagc counts the task failed.
const runStateScript = `f=0; for a in "$@"; do case "${a#*=}" in Failed|Error) echo "dagc: task ${a%%=*} ended ${a#*=}" >&2; f=1;; esac; done; exit $f`

// runStateTask judges the run when some task has allow_failure (DESIGN
// 2.4). Argo's continueOn cannot be used: validation rejects it on a dag
// task that uses depends. Nor would it be enough: an Omitted or Skipped
// target inherits the phase of its nearest completed ancestor, preferring
// Failed (assessDAGPhase in workflow/controller/dag.go), so an all_success
// task after a tolerated failure would still fail the dag. Instead the
// only target is this task: it runs once every task has ended (its depends
// names every leaf), reads the phase of every task without allow_failure
// through {{tasks.NAME.status}} and fails when one is Failed or Error, so
// the dag's phase is its own. Dependents of a tolerated task read it as
// Failed through their depends, as always.
func (r *renderer) runStateTask(s *specView) {
	for _, t := range r.p.Tasks {
		if r.taskName[t.Name] == runStateName {
			r.errorf(t.Range, "Task name reserved in Argo", "task %q becomes %q, the name of the task that judges the run when a task has allow_failure; rename the task.", t.Name, runStateName)
			return
		}
	}
	down := r.p.Downstream()
	var ends []string
	dt := dagTaskView{Name: runStateName, Template: runStateName}
	leaf := leafView{Name: runStateName, Image: runStateImage, Command: []string{"sh", "-c", runStateScript, runStateName}}
	for _, t := range r.p.Tasks {
		name := r.taskName[t.Name]
		if len(down[t.Name]) == 0 {
			ends = append(ends, "("+name+".Succeeded || "+name+".Failed || "+name+".Errored || "+name+".Skipped || "+name+".Omitted)")
		}
		if t.AllowFailure {
			continue
		}
		leaf.Inputs = append(leaf.Inputs, name)
		dt.Args = append(dt.Args, kv{name, "{{tasks." + name + ".status}}"})
		leaf.Command = append(leaf.Command, t.Name+"={{inputs.parameters."+name+"}}")
	}
	dt.Depends = strings.Join(ends, " && ")
	s.Tasks = append(s.Tasks, dt)
	s.Templates = append(s.Templates, leaf)
	s.Target = runStateName
}

// safeText makes free text (descriptions) safe for Argo's templater by
// breaking "{{" and "}}" with a space; it is not data a task reads.
func safeText(s string) string {
	for hazard(s) && strings.Contains(s, "{{") {
		s = strings.ReplaceAll(s, "{{", "{ {")
		s = strings.ReplaceAll(s, "}}", "} }")
	}
	return s
}

// tolerations lays tolerations out as YAML maps, leaving out empty fields.
func tolerations(ts []Toleration) [][]kv {
	var out [][]kv
	for _, t := range ts {
		var m []kv
		for _, f := range []kv{{"key", t.Key}, {"operator", t.Operator}, {"value", t.Value}, {"effect", t.Effect}} {
			if f.Value != "" {
				m = append(m, f)
			}
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// jsonNoBraces encodes v as JSON with every brace written as a \u escape:
// a JSON reader gets the exact strings back, and Argo's templater never sees
// "{{" or "}}".
func jsonNoBraces(v any) string {
	b, _ := json.Marshal(v)
	s := strings.ReplaceAll(string(b), "{", `\u007b`)
	return strings.ReplaceAll(s, "}", `\u007d`)
}

// storageOf is the storage of the run: the argo block's, else the
// pipeline's.
func storageOf(p *ir.Pipeline, o Options) string { return p.StorageWith(o.Storage) }

// StorageOf is the storage the pipeline's Argo pods use: the argo block's,
// else the pipeline's ("" when neither is set or the block does not
// decode).
func StorageOf(p *ir.Pipeline) string {
	return settings.RunStorage(Schema, p, func(o Options) string { return o.Storage })
}

// AddFlags implements backends.FlagAdder: --kind picks the Argo object.
// A bad value fails when flags are parsed, before any file is read.
func (r *Renderer) AddFlags(fs *flag.FlagSet) {
	fs.Var(kindFlag{r}, "kind", "Argo object to render: workflow, cronworkflow or workflowtemplate (default: Workflow, or CronWorkflow for a pipeline with a schedule)")
}

type kindFlag struct{ r *Renderer }

func (f kindFlag) String() string {
	if f.r == nil {
		return ""
	}
	return string(f.r.Kind)
}

// Type names the flag's value in help text.
func (kindFlag) Type() string { return "kind" }

func (f kindFlag) Set(s string) error {
	k, err := ParseKind(s)
	if err == nil {
		f.r.Kind = k
	}
	return err
}
