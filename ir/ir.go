// Package ir is the whole meaning of a pipeline: tasks, edges, run-time
// references, conditions, fan-out, retries, schedule and parameters.
//
// It holds plain Go values only (no HCL or cty types) so that every backend
// can be written against it without knowing the source language. A Pipeline
// produced by the parser has been validated (see Validate) and its Tasks are
// in a stable topological order: upstream before downstream, ties broken by
// name. Backends may rely on both.
package ir

import (
	"math"
	"slices"
	"time"
)

// Pipeline is one compiled *.dag.hcl file.
type Pipeline struct {
	Name        string
	Description string
	// Schedule is a 5-field cron expression or one of @hourly, @daily,
	// @weekly, @monthly, @yearly. Empty means the pipeline is only run by hand.
	Schedule string
	// Timezone is an IANA name; the parser fills in "UTC" when omitted.
	Timezone string
	// StartDate is "YYYY-MM-DD", empty when not given.
	StartDate string
	Catchup   bool
	// Concurrency caps tasks running at once within one run; 0 = no cap.
	Concurrency int
	// Timeout limits the whole run; 0 = none.
	Timeout time.Duration
	Tags    []string
	// Storage is the URI under which tasks' artifacts live (DESIGN 2.6):
	// s3://BUCKET/PREFIX or file:///PATH; "" leaves it to the engine (a run
	// folder locally, the cluster's artifact repository on Argo). A
	// backend's settings may override it.
	Storage      string `json:",omitempty"`
	StorageRange Range  `json:"-"`

	// Params are the run-time inputs, sorted by name.
	Params []*Param
	// Tasks in topological order, ties by name.
	Tasks []*Task

	// Settings are the per-backend blocks written inside `pipeline` and
	// its `defaults`, in source order; each backend decodes its own.
	Settings []*Settings `json:",omitempty"`

	// File is the source file the pipeline came from.
	File  string
	Range Range
}

// ParamType is the type of a run-time param.
type ParamType string

const (
	ParamString ParamType = "string"
	ParamNumber ParamType = "number"
	ParamBool   ParamType = "bool"
	// ParamList is list(string): its value is the JSON text of an array of
	// strings, so every engine carries it as one string; a for_each over it
	// reads the items at run time (DESIGN 2.5).
	ParamList ParamType = "list(string)"
)

// Param is a run-time input (`param "n" {}`).
type Param struct {
	Name        string
	Type        ParamType
	Description string
	// Default is the canonical text of the default value: numbers as the
	// shortest decimal that round-trips ("3", "0.5"), bools as "true"/"false".
	Default    string
	HasDefault bool
	Range      Range
}

// Trigger decides when a task may run given the final states of its
// upstream tasks (DESIGN 2.4).
type Trigger string

const (
	AllSuccess Trigger = "all_success"
	AllDone    Trigger = "all_done"
	OneFailed  Trigger = "one_failed"
	AllFailed  Trigger = "all_failed"
)

// State is the final state of a task instance or run, with Airflow's names.
type State string

const (
	Success        State = "success"
	Failed         State = "failed"
	Skipped        State = "skipped"
	UpstreamFailed State = "upstream_failed"
)

// Task is one step of the pipeline.
type Task struct {
	Name string

	// Run is what the task runs: for a task without for_each its only
	// instance; for a for_each task the one template of every instance,
	// whose strings may hold each references (RefEachKey, RefEachValue,
	// RefEachField, RefEachExpr). Instances expands it.
	Run Template
	// ForEach is the task's item source; nil for a task without for_each.
	ForEach *ForEach

	// Edges are the tasks this one waits for (explicit depends_on plus
	// implicit edges from task.X.outputs.Y references), each with where in
	// the source the dependency came from; Validate sorts them by name and
	// keeps one per upstream task. A dependency on a for_each task waits
	// for every instance of it. Upstream gives the names.
	Edges []Edge

	Retry Retry
	// Timeout is the per-attempt limit; 0 = none.
	Timeout   time.Duration
	Resources Resources
	// Outputs are the names of the small string values this task publishes
	// (DESIGN 2.3), in declaration order.
	Outputs []string
	// OutputRanges, when the parser knows them, is the source range of
	// each name in Outputs, so a diagnostic about one output points at it.
	// Not part of the IR's meaning: left out of goldens.
	OutputRanges []Range `json:"-"`
	// Artifacts are the names of the files or directories this task writes
	// under $DAGC_ARTIFACTS (DESIGN 2.6), in declaration order.
	Artifacts      []string `json:",omitempty"`
	ArtifactRanges []Range  `json:"-"`
	// Inputs are the artifacts of upstream tasks this one receives under
	// $DAGC_INPUTS, sorted by Name.
	Inputs []Input `json:",omitempty"`
	// When is the run-time condition; nil means always.
	When    *Cond
	Trigger Trigger
	// AllowFailure: the task may end failed without failing the run; its
	// dependents still see it failed (DESIGN 2.4, ir.RunState).
	AllowFailure bool
	// Final marks an exit handler (DESIGN 2.1): it waits for every task that
	// is not final, whatever their states (its Trigger is all_done), and may
	// read run.status and run.failed_tasks. It has no Edges, no ForEach,
	// and no task waits for it. Validate orders final tasks last.
	Final bool `json:",omitempty"`

	// Settings are the task's own per-backend blocks; a backend merges them
	// over the pipeline's (backends/settings).
	Settings []*Settings `json:",omitempty"`

	Range Range
}

// Edge records one dependency of a task and the source range that caused
// it (the depends_on element or the task.X.outputs.Y reference).
type Edge struct {
	From  string
	Range Range
}

// Template is what every instance of a task runs (DESIGN 1: fan-out is a
// node, not a copy). Its strings are Strs whose parts may be each
// references; Image, Workdir and Shell are compile-time values and may hold
// only each references, never run-time ones.
type Template struct {
	// Exactly one of Command (exec form) and Script is set.
	Command []Str
	Script  *Str
	// Shell runs Script: the script text is appended as the last argument.
	// Defaults to ["sh", "-euc"].
	Shell []Str

	// Image is the container image; empty when neither the task nor the
	// defaults give one.
	Image   Str
	Env     []EnvVar // sorted by Name
	Workdir Str
}

// IsScript reports whether the template runs a script rather than a command.
func (tp *Template) IsScript() bool { return tp.Script != nil }

// Argv returns the process argument vector of the template: the command,
// or the shell followed by the script.
func (tp *Template) Argv() []Str {
	if tp.Script == nil {
		return tp.Command
	}
	argv := make([]Str, 0, len(tp.Shell)+1)
	argv = append(argv, tp.Shell...)
	return append(argv, *tp.Script)
}

// Strs calls fn for every string of the template that may hold a
// reference: the argv (command, or shell and script), the environment
// values, the image and the workdir.
func (tp *Template) Strs(fn func(Str)) {
	for _, a := range tp.Argv() {
		fn(a)
	}
	for _, e := range tp.Env {
		fn(e.Value)
	}
	fn(tp.Image)
	fn(tp.Workdir)
}

// Instance is one concrete execution of a task, its template with every
// each reference replaced by the item's text (see Task.Instances): the
// only instance of a plain task, or one item of a static for_each.
type Instance struct {
	// Key is each.key ("" for a task without for_each). For a list it is the
	// element's index in decimal, for a set the element, for a map the key.
	Key string
	// Value is each.value rendered as text: a string as is, a number in
	// canonical form, anything else as its JSON encoding.
	Value string

	// Exactly one of Command (exec form) and Script is set.
	Command []Str
	Script  *Str
	// Shell runs Script: the script text is appended as the last argument.
	Shell []string

	// Image is the container image; "" when neither the task nor the
	// defaults give one.
	Image   string
	Env     []EnvVar // sorted by Name
	Workdir string
}

// IsScript reports whether the instance runs a script rather than a command.
func (in *Instance) IsScript() bool { return in.Script != nil }

// Argv returns the process argument vector for the instance with run-time
// references still as parts: the command, or the shell followed by the
// script.
func (in *Instance) Argv() []Str {
	if in.Script == nil {
		return in.Command
	}
	argv := make([]Str, 0, len(in.Shell)+1)
	for _, s := range in.Shell {
		argv = append(argv, Lit(s))
	}
	return append(argv, *in.Script)
}

// EnvVar is one environment variable of a task.
type EnvVar struct {
	Name  string
	Value Str
}

// Retry says how often and how a failed attempt is retried.
type Retry struct {
	// Attempts after the first; 0 = no retry.
	Attempts int
	// Delay before the first retry. The parser fills in 1s when Attempts > 0
	// and no delay is given.
	Delay time.Duration
	// Backoff multiplies the delay after each retry; 1 = constant.
	Backoff float64
	// MaxDelay caps the delay; 0 = no cap.
	MaxDelay time.Duration
	// OnExitCodes, when set, are the only exit codes a failed attempt is
	// retried for (sorted, 1–255); any other failure (another code, a
	// signal, a timeout, a missing output) is final.
	OnExitCodes []int `json:",omitempty"`
}

// MaxExitCode is the largest exit status a process can report.
const MaxExitCode = 255

// Retries reports whether an attempt that failed with this exit code (-1:
// none, the attempt failed otherwise) may be retried, attempts left aside.
func (r Retry) Retries(exitCode int) bool {
	if len(r.OnExitCodes) == 0 {
		return true
	}
	return slices.Contains(r.OnExitCodes, exitCode)
}

// MaxRetryDelay is where a growing retry delay saturates when the task
// gives no max_delay (DESIGN 2.1).
const MaxRetryDelay = 24 * time.Hour

// DelayCap returns the largest wait between attempts: MaxDelay when set;
// else, when the delay grows (Backoff > 1), MaxRetryDelay, or Delay itself
// if that is longer; else 0, as a constant delay needs no cap. Backends
// render it as their own cap, so the delay saturates alike everywhere.
func (r Retry) DelayCap() time.Duration {
	switch {
	case r.MaxDelay > 0:
		return r.MaxDelay
	case r.Backoff > 1:
		return max(MaxRetryDelay, r.Delay)
	}
	return 0
}

// DelayBefore returns the wait before retry number n (1-based):
// Delay × Backoff^(n-1), saturating at DelayCap. It never overflows, however
// large the backoff or n.
func (r Retry) DelayBefore(n int) time.Duration {
	limit := r.DelayCap()
	d := float64(r.Delay)
	if n > 1 && r.Backoff > 1 {
		// math.Pow goes to +Inf rather than wrapping around.
		d *= math.Pow(r.Backoff, float64(n-1))
	}
	if limit > 0 && !(d < float64(limit)) {
		return limit
	}
	return time.Duration(d)
}

// Resources are requests for container backends.
type Resources struct {
	CPU    string // Kubernetes quantity, e.g. "2" or "500m"; "" = unset
	Memory string // Kubernetes quantity, e.g. "4Gi"; "" = unset
	GPU    int
}

// IsZero reports whether no resource was requested.
func (r Resources) IsZero() bool { return r.CPU == "" && r.Memory == "" && r.GPU == 0 }

// Range is a span of source text. Lines and columns are 1-based; columns
// count Unicode characters; Byte offsets are 0-based.
type Range struct {
	Filename string
	Start    Pos
	End      Pos
}

// Pos is a position in a source file.
type Pos struct {
	Line, Column, Byte int
}

// Task returns the task with the given name, or nil.
func (p *Pipeline) Task(name string) *Task {
	for _, t := range p.Tasks {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Param returns the param with the given name, or nil.
func (p *Pipeline) Param(name string) *Param {
	for _, pa := range p.Params {
		if pa.Name == name {
			return pa
		}
	}
	return nil
}

// Upstream returns the names of the tasks t waits for, in the order of
// Edges (sorted and deduplicated once validated). It is derived from Edges,
// never stored.
func (t *Task) Upstream() []string {
	if len(t.Edges) == 0 {
		return nil
	}
	up := make([]string, len(t.Edges))
	for k, e := range t.Edges {
		up[k] = e.From
	}
	return up
}

// EdgesFrom returns edges from the named tasks without source ranges, for
// pipelines built by hand.
func EdgesFrom(names ...string) []Edge {
	if len(names) == 0 {
		return nil
	}
	edges := make([]Edge, len(names))
	for k, n := range names {
		edges[k] = Edge{From: n}
	}
	return edges
}

// Downstream returns, for each task name, the names of the tasks that list
// it as upstream, in the pipeline's task order.
func (p *Pipeline) Downstream() map[string][]string {
	down := make(map[string][]string, len(p.Tasks))
	for _, t := range p.Tasks {
		for _, e := range t.Edges {
			down[e.From] = append(down[e.From], t.Name)
		}
	}
	return down
}

// OutputRange is where output k was written, else the task's range.
func (t *Task) OutputRange(k int) Range {
	if k < len(t.OutputRanges) && t.OutputRanges[k] != (Range{}) {
		return t.OutputRanges[k]
	}
	return t.Range
}
