// Package local runs a pipeline on this machine. It is the reference
// behaviour of dagc (DESIGN 2.3, 2.4): every other engine is compared with
// the traces it writes.
//
// The scheduler follows ninja's build loop: a ready queue, at most Jobs
// attempts running at once, and one goroutine (the caller of Run) that
// owns all state and collects every attempt's result from one channel.
// Each attempt runs in its own process group so that a timeout or an
// interrupt can end everything the task started.
package local

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

// Clock is the time source for retry delays, so tests can check backoff
// without waiting for it.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d; stop cancels it and
	// reports whether it did.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Options control one run.
type Options struct {
	// Jobs caps attempts running at once; 0 means runtime.NumCPU(). The
	// pipeline's concurrency lowers it further.
	Jobs int
	// Params are the resolved run-time params (see ResolveParams).
	Params map[string]string
	// RunID names the run; empty means a new id. With Resume it is the run
	// to continue.
	RunID  string
	Resume bool
	// Date is run.date; empty means today in the pipeline's timezone.
	Date string
	// StateDir holds runs/<id>/ (default ".dagc").
	StateDir string
	// FailFast stops starting tasks after the first task fails. By default
	// the run goes on with everything the trigger rules allow, as Airflow
	// does.
	FailFast bool
	// Trace receives one trace.Record per attempt, and the run state last.
	Trace io.Writer
	// Out receives task output lines, progress and the summary.
	Out io.Writer
	// Progress draws a one-line status (for a terminal) instead of a line
	// per started task.
	Progress bool
	// Grace is how long a process group has between SIGTERM and SIGKILL
	// (default 5s).
	Grace time.Duration
	// Kill, when closed, makes every running group get SIGKILL at once
	// (a second Ctrl-C).
	Kill <-chan struct{}
	// Environ is the environment tasks inherit (default os.Environ()).
	Environ []string
	// BaseDir is where a relative workdir starts (default: the directory
	// of the pipeline file, so a workdir means the same wherever dagc runs).
	BaseDir string
	// Dir is the working directory of tasks without a workdir (default:
	// dagc's own current directory, like make and ninja).
	Dir   string
	Clock Clock
	// Vars and VarFiles are recorded in the run's meta for --resume.
	Vars, VarFiles []string
	// Isolate gives each attempt a private /tmp (docs/local.md, "Private
	// /tmp").
	Isolate bool
}

// InstanceResult is how one task instance ended.
type InstanceResult struct {
	Task, Instance string
	// State is "" when the instance never finished (the run was
	// interrupted or stopped first).
	State    ir.State
	Attempts int
	Start    time.Time
	End      time.Time
	Outputs  map[string]string
	Error    string
	// Kept is true when a resumed run kept the instance's earlier success.
	Kept bool
}

// Result is the outcome of a run.
type Result struct {
	RunID string
	// State is Success or Failed.
	State       ir.State
	Interrupted bool
	TimedOut    bool
	Instances   []InstanceResult
	Dir         string
	Elapsed     time.Duration
}

type taskNode struct {
	t          *ir.Task
	insts      []*instNode
	up, down   []*taskNode
	waiting    int // upstream tasks not finished yet
	unfinished int // own instances not finished yet
	readied    bool
	// running counts attempts in flight; with max_parallel, instances
	// dequeued while it is at the cap wait in held until one ends.
	running int
	held    []*instNode
	// expanded is set once a run-time fan-out has its instances.
	expanded bool
}

type instNode struct {
	task *taskNode
	in   *ir.Instance
	// item is the instance's for_each item (nil without for_each): its
	// when is evaluated with it.
	item *ir.Item
	// whole stands for a run-time fan-out before its items are known: the
	// task's only node until it expands, and its record when it never does
	// (skipped, upstream_failed, zero items, a malformed value).
	whole bool
	name  string // trace.Key
	// file is name made safe for a file name.
	file        string
	state       ir.State
	attempts    int // attempts started in this invocation
	attemptBase int // attempts made by earlier invocations (resume)
	start, end  time.Time
	outputs     map[string]string
	err         string
	kept        bool
	spec        *spec
}

// spec is what every attempt of an instance runs, references resolved
// (run.attempt as 1: see attemptSpec).
type spec struct {
	argv []string
	env  []string
	dir  string
	// attempt is set when the command or env uses run.attempt, so later
	// attempts resolve it again.
	attempt bool
}

type runner struct {
	p        *ir.Pipeline
	o        Options
	clock    Clock
	dir      string
	baseDir  string
	jobs     int
	tasks    []*taskNode
	byName   map[string]*taskNode
	insts    []*instNode
	queue    []*instNode
	results  chan attemptResult
	retryCh  chan *instNode
	retrying map[*instNode]func() bool
	stopCh   chan struct{}
	stopping bool
	reason   stopReason
	running  int
	finished int
	con      *console
	tr       *bufio.Writer
	// attempts is the run directory's own trace (AttemptsFile): every
	// attempt, appended across resumes, for `dagc report`.
	attempts *os.File
	jr       *journal
	baseEnv  []string
	devNull  *os.File // every task's stdin
	lock     *os.File // holds the run directory's flock while the run lives
	procs    *procs
	tmpMode  tmpMode
	tmpRoot  string         // with --isolate: <run>/tmp, absolute
	tmpClean sync.WaitGroup // attempts' private directories being removed
	paths    sync.Map       // program name -> path found in PATH
	started  time.Time
	// artRoot is the folder of this run's artifacts (artifactRoot), found
	// once when the pipeline has any.
	artRoot string
	// resumed holds the journal and logged attempts of the run being
	// resumed, for the instances a run-time fan-out creates later.
	resumed *resumeState
}

type resumeState struct {
	recs  map[string]journalRecord
	prior map[string]int
}

type stopReason int

const (
	notStopped stopReason = iota
	stopInterrupt
	stopTimeout
	stopFailFast
)

// Run runs the pipeline until every instance has finished or the run is
// stopped: ctx cancelled (Ctrl-C: running groups get SIGTERM, then SIGKILL
// after the grace period) or the pipeline's timeout reached. The error is
// only for problems of dagc itself (cannot write the state directory); a
// failed run is a Result with State Failed.
func Run(ctx context.Context, p *ir.Pipeline, o Options) (*Result, error) {
	r, err := newRunner(p, o)
	if err != nil {
		return nil, err
	}
	defer r.lock.Close()
	defer r.closeTmp()
	defer r.procs.close()
	defer r.jr.close()
	defer r.attempts.Close()
	defer r.devNull.Close()
	return r.run(ctx)
}

// AttemptsFile is the trace a run keeps in its directory: one
// trace.Record per attempt and per instance that never started, in the
// order they ended, appended to by --resume.
const AttemptsFile = "attempts.jsonl"

// AttemptLog is the log file of one attempt of instance key (the idx-th
// item of its task; "" without for_each) in run directory dir.
func AttemptLog(dir, task, key string, idx, attempt int) string {
	return filepath.Join(dir, "logs", fileStem(task, key, idx)+"."+strconv.Itoa(attempt)+".log")
}

func newRunner(p *ir.Pipeline, o Options) (_ *runner, err error) {
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.StateDir == "" {
		o.StateDir = ".dagc"
	}
	if o.Grace <= 0 {
		o.Grace = 5 * time.Second
	}
	if o.Environ == nil {
		o.Environ = os.Environ()
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	now := o.Clock.Now()
	if o.RunID == "" {
		if o.Resume {
			return nil, usagef("resume needs a run id")
		}
		o.RunID = NewRunID(now)
	}
	if o.Date == "" {
		o.Date = LogicalDate(p, now)
	}
	jobs := o.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	if p.Concurrency > 0 && p.Concurrency < jobs {
		jobs = p.Concurrency
	}
	r := &runner{
		p: p, o: o, clock: o.Clock, jobs: jobs,
		dir:      RunDir(o.StateDir, o.RunID),
		byName:   map[string]*taskNode{},
		retrying: map[*instNode]func() bool{},
		stopCh:   make(chan struct{}),
		started:  now,
	}
	if p.UsesArtifacts() {
		r.artRoot = r.artifactRoot()
	}
	r.baseDir = o.BaseDir
	if r.baseDir == "" && p.File != "" {
		abs, err := filepath.Abs(p.File)
		if err != nil {
			return nil, err
		}
		r.baseDir = filepath.Dir(abs)
	}
	if err := os.MkdirAll(filepath.Join(r.dir, "logs"), 0o755); err != nil {
		return nil, err
	}
	lock, err := lockRun(r.dir, o.RunID)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lock.Close()
		}
	}()
	r.lock = lock
	if !o.Resume {
		file := p.File
		if file != "" {
			file, _ = filepath.Abs(file)
		}
		m := &Meta{RunID: o.RunID, Pipeline: p.Name, File: file, Vars: o.Vars, VarFiles: o.VarFiles,
			Params: o.Params, Date: o.Date, Started: now.UTC()}
		if err := writeMeta(r.dir, m); err != nil {
			return nil, err
		}
	}
	r.build()
	jr, err := openJournal(r.dir)
	if err != nil {
		return nil, err
	}
	r.jr = jr
	if r.attempts, err = os.OpenFile(filepath.Join(r.dir, AttemptsFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
		jr.close()
		return nil, err
	}
	if r.devNull, err = os.Open(os.DevNull); err != nil {
		jr.close()
		r.attempts.Close()
		return nil, err
	}
	r.results = make(chan attemptResult, len(r.insts))
	r.retryCh = make(chan *instNode, len(r.insts))
	r.baseEnv = o.Environ
	if o.Trace != nil {
		r.tr = bufio.NewWriter(o.Trace)
	}
	r.con = newConsole(o.Out, o.Progress, r.insts)
	if err := r.chooseTmpMode(); err != nil {
		jr.close()
		r.attempts.Close()
		r.devNull.Close()
		return nil, err
	}
	r.procs = newProcs(o.RunID, r.con.printf)
	if r.tmpMode != tmpShared {
		r.procs.cleanOnDeath(r.tmpRoot)
	}
	return r, nil
}

func (r *runner) build() {
	for _, t := range r.p.Tasks {
		tn := &taskNode{t: t}
		r.byName[t.Name] = tn
		r.tasks = append(r.tasks, tn)
		if t.IsDynamic() {
			n := &instNode{task: tn, in: &ir.Instance{}, whole: true, name: trace.Key(t.Name, ""), file: fileStem(t.Name, "", 0)}
			tn.insts = []*instNode{n}
			r.insts = append(r.insts, n)
		}
		for i, in := range t.Instances() {
			key := in.Key
			if t.ForEach == nil {
				key = ""
			}
			n := &instNode{task: tn, in: in, name: trace.Key(t.Name, key), file: fileStem(t.Name, key, i)}
			if t.ForEach != nil {
				n.item = &t.ForEach.Items[i]
			}
			tn.insts = append(tn.insts, n)
			r.insts = append(r.insts, n)
		}
		tn.unfinished = len(tn.insts)
	}
	for _, tn := range r.tasks {
		for _, u := range tn.t.Upstream() {
			if un := r.byName[u]; un != nil {
				tn.up = append(tn.up, un)
				un.down = append(un.down, tn)
			}
		}
		if tn.t.Final {
			// An exit handler waits for every task that is not final; its
			// all_done trigger runs it whatever their states.
			for _, un := range r.tasks {
				if !un.t.Final {
					tn.up = append(tn.up, un)
					un.down = append(un.down, tn)
				}
			}
		}
		tn.waiting = len(tn.up)
	}
}

// ended lists every instance as ir.RunState, RunStatus and FailedTasks
// take them, in pipeline order; an instance not decided yet counts as
// failed (the run stopped before deciding it).
func (r *runner) ended() []ir.Ended {
	out := make([]ir.Ended, 0, len(r.insts))
	for _, i := range r.insts {
		st := i.state
		if st == "" {
			st = ir.Failed
		}
		out = append(out, ir.Ended{State: st, Name: ir.InstanceName(i.task.t.Name, i.in.Key, i.task.t.ForEach != nil && !i.whole), Final: i.task.t.Final, FailureTolerated: i.task.t.AllowFailure})
	}
	return out
}

// fileStem names an instance's logs and outputs: the task name, and the
// instance key when it is a safe file name, else its index.
func fileStem(task, key string, idx int) string {
	if key == "" {
		return task
	}
	safe := len(key) <= 64
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			safe = false
			break
		}
	}
	if safe && key != "." && key != ".." {
		return task + "[" + key + "]"
	}
	return task + "#" + strconv.Itoa(idx)
}

func (r *runner) run(ctx context.Context) (*Result, error) {
	r.con.header(r)
	if r.o.Resume {
		if err := r.restore(); err != nil {
			return nil, err
		}
	}
	for _, tn := range r.tasks {
		if tn.unfinished == 0 {
			for _, d := range tn.down {
				d.waiting--
			}
		}
	}
	for _, tn := range r.tasks {
		if tn.waiting == 0 && tn.unfinished > 0 && !tn.readied {
			r.ready(tn)
		}
	}

	var timeoutC <-chan time.Time
	if r.p.Timeout > 0 {
		t := time.NewTimer(r.p.Timeout - r.clock.Now().Sub(r.started))
		defer t.Stop()
		timeoutC = t.C
	}
	var tickC <-chan time.Time
	if r.o.Progress {
		tk := time.NewTicker(500 * time.Millisecond)
		defer tk.Stop()
		tickC = tk.C
	}
	done := ctx.Done()
	for {
		for !r.stopping && r.running < r.jobs && len(r.queue) > 0 {
			i := r.queue[0]
			r.queue = r.queue[1:]
			if tn := i.task; tn.t.ForEach != nil && tn.t.ForEach.MaxParallel > 0 && tn.running >= tn.t.ForEach.MaxParallel {
				tn.held = append(tn.held, i)
				continue
			}
			r.launch(i)
		}
		r.con.status(r.finished, r.running, len(r.insts)-r.finished-r.running, r.clock.Now().Sub(r.started))
		if r.running == 0 && len(r.retrying) == 0 && (r.stopping || len(r.queue) == 0) {
			break
		}
		select {
		case res := <-r.results:
			r.running--
			tn := res.a.inst.task
			tn.running--
			if len(tn.held) > 0 {
				r.queue = append(r.queue, tn.held[0])
				tn.held = tn.held[1:]
			}
			r.collect(res)
		case i := <-r.retryCh:
			if _, ok := r.retrying[i]; ok {
				delete(r.retrying, i)
				r.queue = append(r.queue, i)
			}
		case <-done:
			done = nil
			r.stop(stopInterrupt)
		case <-timeoutC:
			timeoutC = nil
			r.stop(stopTimeout)
		case <-tickC:
		}
	}
	return r.finish()
}

// stop ends scheduling. On an interrupt or the run timeout every running
// group is terminated; on fail-fast running tasks finish on their own.
func (r *runner) stop(why stopReason) {
	// Fail-fast lets running tasks finish; an interrupt or the run timeout
	// after it still terminates them.
	if r.stopping && !(r.reason == stopFailFast && why != stopFailFast) {
		return
	}
	r.stopping, r.reason = true, why
	switch why {
	case stopInterrupt:
		r.con.printf("dagc: interrupted: stopping running tasks (Ctrl-C again to kill them at once)")
	case stopTimeout:
		r.con.printf("dagc: run timeout of %s reached: stopping running tasks", r.p.Timeout)
	case stopFailFast:
		r.con.printf("dagc: a task failed: starting no more tasks (fail-fast)")
	}
	if why != stopFailFast {
		close(r.stopCh)
	}
	for i, cancel := range r.retrying {
		cancel()
		delete(r.retrying, i)
		if why != stopInterrupt {
			if why == stopTimeout {
				// The timeout decided this instance: say so in the trace
				// (its last attempt's record was written without the mark).
				r.writeTrace(trace.Record{Task: i.task.t.Name, Instance: instanceKey(i), Attempt: i.attemptBase + i.attempts,
					State: string(ir.Failed), TimedOut: true})
			}
			// The last attempt failed and no retry will come: that is final.
			r.complete(i, ir.Failed, i.err+" (no retry: run stopped)", false)
		}
	}
}

func (r *runner) finish() (*Result, error) {
	if r.reason == stopTimeout {
		// DESIGN 2.4: what never started ends upstream_failed, even an
		// all_done or final task: the run is over.
		for _, tn := range r.tasks {
			for _, i := range tn.insts {
				if i.state == "" && i.attempts == 0 {
					r.completeTimedOut(i)
				}
			}
		}
	}
	res := &Result{RunID: r.o.RunID, Dir: r.dir, Elapsed: r.clock.Now().Sub(r.started),
		Interrupted: r.reason == stopInterrupt, TimedOut: r.reason == stopTimeout}
	for _, i := range r.insts {
		res.Instances = append(res.Instances, InstanceResult{
			Task: i.task.t.Name, Instance: instanceKey(i), State: i.state, Attempts: i.attemptBase + i.attempts,
			Start: i.start, End: i.end, Outputs: i.outputs, Error: i.err, Kept: i.kept,
		})
	}
	res.State = ir.RunState(r.ended())
	if res.TimedOut {
		// An expired run timeout fails the run (DESIGN 2.4), even when
		// the attempts it cut have allow_failure.
		res.State = ir.Failed
	}
	var err error
	if r.tr != nil {
		trace.WriteRunState(r.tr, string(res.State))
		err = r.tr.Flush()
	}
	r.con.summary(r, res)
	return res, err
}

// ready is called once all upstream tasks of tn have finished: it applies
// the trigger rule, then `when` per instance, and queues what runs.
func (r *runner) ready(tn *taskNode) {
	tn.readied = true
	var states []ir.State
	for _, u := range tn.up {
		for _, ui := range u.insts {
			states = append(states, ui.state)
		}
	}
	if tn.t.IsDynamic() && !tn.expanded && !r.expand(tn, states) {
		return
	}
	for _, i := range tn.insts {
		if i.state != "" {
			continue // kept by resume
		}
		// when is evaluated only once the trigger holds; evaluated tells a
		// false when from a trigger that does not hold.
		var when func() (bool, error)
		evaluated := false
		if c := tn.t.When; c != nil {
			when = func() (bool, error) {
				evaluated = true
				if err := r.available(c.Refs()); err != nil {
					return false, fmt.Errorf("when: %w", err)
				}
				return c.EvalItem(i.item, r.lookup)
			}
		}
		d, err := ir.Decide(tn.t.Trigger, states, when)
		switch {
		case err != nil:
			r.complete(i, ir.Failed, err.Error(), true)
			continue
		case d == ir.Run:
		case evaluated && d == ir.Skip:
			r.complete(i, ir.Skipped, "when is false: "+tn.t.When.String(), true)
			continue
		default:
			r.complete(i, d.State(), "", true)
			continue
		}
		sp, err := r.resolve(i, 1)
		if err != nil {
			r.complete(i, ir.Failed, err.Error(), true)
			continue
		}
		i.spec = sp
		r.queue = append(r.queue, i)
	}
}

// expand gives a run-time fan-out its instances, once its trigger holds
// (DESIGN 2.5): the items are read from the source's value now. It returns
// false when the task ends as a whole instead (its trigger does not hold,
// the value is malformed, or there are no items: skipped).
func (r *runner) expand(tn *taskNode, states []ir.State) bool {
	whole := tn.insts[0]
	if d, _ := ir.Decide(tn.t.Trigger, states, nil); d != ir.Run {
		r.complete(whole, d.State(), "", true)
		return false
	}
	src := tn.t.ForEach.Source
	if err := r.available([]*ir.Ref{src}); err != nil {
		r.complete(whole, ir.Failed, "for_each: "+err.Error(), true)
		return false
	}
	items, err := ir.DecodeItems(r.lookup(src))
	if err == nil {
		err = ir.CheckItemRefs(tn.t, items)
	}
	if err != nil {
		r.complete(whole, ir.Failed, fmt.Sprintf("%s (from %s)", err, src), true)
		return false
	}
	if len(items) == 0 {
		r.complete(whole, ir.Skipped, fmt.Sprintf("for_each over %s has no items", src), true)
		return false
	}
	upKept := tn.upstreamKept()
	nodes := make([]*instNode, len(items))
	tn.unfinished = len(items)
	for k, in := range tn.t.InstancesOf(items) {
		n := &instNode{task: tn, in: in, item: &items[k], name: trace.Key(tn.t.Name, in.Key), file: fileStem(tn.t.Name, in.Key, k)}
		if r.resumed != nil {
			r.keep(n, r.resumed, upKept)
		}
		nodes[k] = n
	}
	at := slices.Index(r.insts, whole)
	r.insts = slices.Replace(r.insts, at, at+1, nodes...)
	tn.insts = nodes
	tn.expanded = true
	if tn.unfinished == 0 {
		r.taskDone(tn) // every instance kept by resume
	}
	return true
}

// resolve substitutes the run-time references of an instance's command,
// script and environment, run.attempt as attempt.
func (r *runner) resolve(i *instNode, attempt int) (*spec, error) {
	argvS := i.in.Argv()
	var refs []*ir.Ref
	for _, s := range argvS {
		refs = append(refs, s.Refs()...)
	}
	for _, e := range i.in.Env {
		refs = append(refs, e.Value.Refs()...)
	}
	if err := r.available(refs); err != nil {
		return nil, err
	}
	if len(argvS) == 0 {
		return nil, fmt.Errorf("nothing to run: the command is empty")
	}
	sp := &spec{argv: make([]string, len(argvS))}
	for _, ref := range refs {
		sp.attempt = sp.attempt || ref.Kind == ir.RefRunAttempt
	}
	lookup := r.lookup
	if sp.attempt {
		lookup = func(ref *ir.Ref) string {
			if ref.Kind == ir.RefRunAttempt {
				return strconv.Itoa(attempt)
			}
			return r.lookup(ref)
		}
	}
	for k, s := range argvS {
		sp.argv[k] = s.Resolve(lookup)
		if strings.IndexByte(sp.argv[k], 0) >= 0 {
			return nil, nulError(s, lookup, fmt.Sprintf("argument %d of the command", k))
		}
	}
	if sp.argv[0] == "" {
		return nil, fmt.Errorf("nothing to run: the program name is empty")
	}
	sp.env = make([]string, 0, len(i.in.Env)+3)
	for _, e := range i.in.Env {
		v := e.Value.Resolve(lookup)
		if strings.IndexByte(v, 0) >= 0 {
			return nil, nulError(e.Value, lookup, "env "+e.Name)
		}
		sp.env = append(sp.env, e.Name+"="+v)
	}
	key := instanceKey(i)
	sp.env = append(sp.env, "DAGC_RUN_ID="+r.o.RunID, "DAGC_TASK="+i.task.t.Name, "DAGC_INSTANCE="+key)
	sp.dir = r.o.Dir
	if wd := i.in.Workdir; wd != "" {
		if filepath.IsAbs(wd) {
			sp.dir = wd
		} else {
			sp.dir = filepath.Join(r.baseDir, wd)
		}
	}
	return sp, nil
}

// nulError names the run-time value that brought a NUL byte into what
// would be passed to execve, where it cannot go.
func nulError(s ir.Str, lookup func(*ir.Ref) string, where string) error {
	for _, p := range s.Parts {
		if p.Ref != nil && strings.IndexByte(lookup(p.Ref), 0) >= 0 {
			return fmt.Errorf("%s holds a NUL byte, from %s; a process argument or environment variable ends at the first NUL, so it cannot be passed", where, p.Ref)
		}
	}
	return fmt.Errorf("%s holds a NUL byte; a process argument or environment variable ends at the first NUL, so it cannot be passed", where)
}

// available checks that every output reference can be resolved: the
// producing task's instances all succeeded. A reference to a task that was
// skipped or failed (possible under all_done, one_failed, all_failed)
// fails the consumer with this error rather than passing an empty value.
func (r *runner) available(refs []*ir.Ref) error {
	for _, ref := range refs {
		switch ref.Kind {
		case ir.RefOutput:
			tn := r.byName[ref.Task]
			if tn == nil {
				return fmt.Errorf("%s: no task %q", ref, ref.Task)
			}
			for _, ui := range tn.insts {
				if tn.t.ForEach != nil && ui.state == ir.Skipped {
					continue // left out of the array (see lookup)
				}
				if ui.state != ir.Success {
					st := string(ui.state)
					if st == "" {
						st = "not finished"
					}
					return fmt.Errorf("%s is not available: %s ended %s", ref, ui.name, st)
				}
				if _, ok := ui.outputs[ref.Name]; !ok {
					return fmt.Errorf("%s is not available: %s did not publish it", ref, ui.name)
				}
			}
		case ir.RefParam:
			if _, ok := r.o.Params[ref.Name]; !ok {
				return fmt.Errorf("%s has no value", ref)
			}
		}
	}
	return nil
}

func (r *runner) lookup(ref *ir.Ref) string {
	switch ref.Kind {
	case ir.RefParam:
		return r.o.Params[ref.Name]
	case ir.RefRunID:
		return r.o.RunID
	case ir.RefRunDate:
		return r.o.Date
	case ir.RefRunAttempt:
		return "1" // resolve substitutes each attempt's number
	case ir.RefRunStatus:
		// Only final tasks read it, once every other instance has ended.
		return string(ir.RunStatus(r.ended()))
	case ir.RefRunFailedTasks:
		return jsonArray(ir.FailedTasks(r.ended()))
	case ir.RefOutput:
		tn := r.byName[ref.Task]
		if tn.t.ForEach == nil {
			return tn.insts[0].outputs[ref.Name]
		}
		// One rule on every engine (docs/language.md): an instance that
		// ended skipped, by its when or its trigger, published nothing and
		// is left out; the others keep instance order.
		vals := make([]string, 0, len(tn.insts))
		for _, ui := range tn.insts {
			if ui.state != ir.Skipped {
				vals = append(vals, ui.outputs[ref.Name])
			}
		}
		return jsonArray(vals)
	}
	return ""
}

// jsonArray encodes values as a JSON array without HTML escaping, so "<",
// ">" and "&" reach the consumer as written.
func jsonArray(vals []string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(vals)
	return strings.TrimSuffix(b.String(), "\n")
}

func (r *runner) launch(i *instNode) {
	i.attempts++
	n := i.attemptBase + i.attempts
	sp := i.spec
	if sp.attempt && n != 1 {
		// The references were available for the first attempt and are
		// the same now; only run.attempt differs.
		if again, err := r.resolve(i, n); err == nil {
			sp = again
		}
	}
	a := &attempt{
		inst:    i,
		number:  n,
		argv:    sp.argv,
		dir:     sp.dir,
		timeout: i.task.t.Timeout,
		outputs: i.task.t.Outputs,
		logPath: filepath.Join(r.dir, "logs", i.file+"."+strconv.Itoa(n)+".log"), // AttemptLog
	}
	env := make([]string, 0, len(r.baseEnv)+len(sp.env)+2)
	env = append(env, r.baseEnv...)
	env = append(env, sp.env...)
	env = append(env, "DAGC_ATTEMPT="+strconv.Itoa(n))
	if len(a.outputs) > 0 {
		a.outDir = filepath.Join(r.dir, "outputs", i.file, strconv.Itoa(n))
		abs, err := filepath.Abs(a.outDir)
		if err == nil {
			a.outDir = abs
		}
		env = append(env, "DAGC_OUTPUTS="+a.outDir)
	}
	if t := i.task.t; len(t.Inputs) > 0 {
		a.inputs = r.inputSources(i)
		a.inputsDir = r.absPath(filepath.Join(r.dir, "inputs", i.file, strconv.Itoa(n)))
		env = append(env, "DAGC_INPUTS="+a.inputsDir)
	}
	if t := i.task.t; len(t.Artifacts) > 0 {
		a.artifacts = t.Artifacts
		a.artifactsDir = r.instanceArtifacts(i)
		a.staging = filepath.Join(a.artifactsDir, ".attempt-"+strconv.Itoa(n))
		env = append(env, "DAGC_ARTIFACTS="+a.staging)
	}
	a.env = env
	a.marks = []string{"DAGC_RUN_ID=" + r.o.RunID, "DAGC_TASK=" + i.task.t.Name, "DAGC_INSTANCE=" + instanceKey(i)}
	r.running++
	i.task.running++
	if i.attempts == 1 {
		i.start = r.clock.Now()
	}
	r.con.started(i, n)
	go func() { r.results <- r.runAttempt(a) }()
}

func (r *runner) collect(res attemptResult) {
	i := res.a.inst
	i.end = res.end
	rec := trace.Record{Task: i.task.t.Name, Instance: instanceKey(i), Attempt: res.a.number,
		Start: res.start.UTC(), End: res.end.UTC()}
	if res.ok {
		rec.State = string(ir.Success)
		rec.Outputs = res.outputs
		r.writeTrace(rec)
		i.outputs = res.outputs
		r.complete(i, ir.Success, "", false)
		return
	}
	rec.State = string(ir.Failed)
	rec.TimedOut = res.stopped && r.reason == stopTimeout
	r.writeTrace(rec)
	i.err = res.err
	retry := i.task.t.Retry
	switch {
	case res.stopped && r.reason == stopInterrupt:
		// Left unfinished: not journaled, so --resume runs it again.
		r.con.failed(i, res.a.number, "interrupted: "+res.err, "")
	case res.stopped:
		r.complete(i, ir.Failed, "run timeout reached: "+res.err, false)
	case !r.stopping && i.attempts <= retry.Attempts && !retry.Retries(res.exitCode):
		// retry { on_exit_codes }: any other failure is final.
		why := "it did not exit by itself"
		if res.exitCode >= 0 {
			why = fmt.Sprintf("exit code %d is not", res.exitCode)
		}
		r.complete(i, ir.Failed, fmt.Sprintf("%s (not retried: %s in on_exit_codes %v)", res.err, why, retry.OnExitCodes), false)
		if r.o.FailFast {
			r.stop(stopFailFast)
		}
	case !r.stopping && i.attempts <= retry.Attempts:
		d := retry.DelayBefore(i.attempts)
		r.con.failed(i, res.a.number, res.err, fmt.Sprintf("retry %d of %d in %s", i.attempts, retry.Attempts, d))
		r.retrying[i] = r.clock.AfterFunc(d, func() { r.retryCh <- i })
	default:
		r.complete(i, ir.Failed, res.err, false)
		if r.o.FailFast {
			r.stop(stopFailFast)
		}
	}
}

// absPath makes p absolute, as tasks may run in another directory.
func (r *runner) absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func instanceKey(i *instNode) string {
	if i.task.t.ForEach == nil || i.whole {
		return ""
	}
	return i.in.Key
}

func (r *runner) writeTrace(rec trace.Record) {
	if r.tr != nil {
		trace.Write(r.tr, rec)
	}
	// Unbuffered: one write(2) per record, so a crash loses none.
	trace.Write(r.attempts, rec)
}

// complete records an instance's final state (journal, trace for those
// that never started, console) and, when it was the task's last instance,
// readies the downstream tasks whose upstream are now all finished.
func (r *runner) complete(i *instNode, st ir.State, msg string, neverStarted bool) {
	i.state = st
	if msg != "" {
		i.err = msg
	} else if st == ir.Success {
		i.err = ""
	}
	if neverStarted {
		// Never started: attempt 0 and zero times in the trace.
		r.writeTrace(trace.Record{Task: i.task.t.Name, Instance: instanceKey(i), Attempt: 0, State: string(st)})
	}
	r.finished++
	if err := r.jr.append(journalRecord{Task: i.task.t.Name, Instance: instanceKey(i), State: string(st),
		Attempts: i.attemptBase + i.attempts, Start: i.start.UTC(), End: i.end.UTC(), Outputs: i.outputs, Error: i.err}); err != nil {
		r.con.printf("dagc: cannot write the journal: %v", err)
	}
	r.con.finished(i, st, msg, i.attemptBase+i.attempts, r.durationOf(i))
	tn := i.task
	tn.unfinished--
	if tn.unfinished > 0 {
		return
	}
	r.taskDone(tn)
}

// taskDone readies the downstream tasks of tn, whose instances have all
// finished, that now have every upstream finished.
func (r *runner) taskDone(tn *taskNode) {
	for _, d := range tn.down {
		d.waiting--
		if d.waiting == 0 && !d.readied && !(r.stopping && r.reason != stopFailFast) {
			r.ready(d)
		}
	}
}

// completeTimedOut ends an instance that had not started when the run
// timeout expired: upstream_failed, marked in the trace as the timeout's.
func (r *runner) completeTimedOut(i *instNode) {
	r.writeTrace(trace.Record{Task: i.task.t.Name, Instance: instanceKey(i), Attempt: 0, State: string(ir.UpstreamFailed), TimedOut: true})
	r.complete(i, ir.UpstreamFailed, "run timeout reached before it started", false)
}

func (r *runner) durationOf(i *instNode) time.Duration {
	if i.start.IsZero() || i.end.IsZero() {
		return 0
	}
	return i.end.Sub(i.start)
}

// restore marks as kept every instance whose last journal record is a
// success and whose upstream tasks are all kept too; everything else runs
// again.
func (r *runner) restore() error {
	recs, err := readJournal(r.dir)
	if err != nil {
		return err
	}
	rs := &resumeState{recs: recs, prior: priorAttempts(filepath.Join(r.dir, "logs"))}
	r.resumed = rs
	for _, tn := range r.topological() {
		upKept := tn.upstreamKept()
		for _, i := range tn.insts {
			if !i.whole {
				r.keep(i, rs, upKept)
			}
		}
	}
	return nil
}

// upstreamKept: every instance of tn's upstream tasks was kept by resume.
func (tn *taskNode) upstreamKept() bool {
	for _, u := range tn.up {
		for _, ui := range u.insts {
			if !ui.kept {
				return false
			}
		}
	}
	return true
}

// keep marks an instance kept when the run being resumed finished it with
// success and every output, and its upstream are all kept too.
func (r *runner) keep(i *instNode, rs *resumeState, upKept bool) {
	i.attemptBase = rs.prior[i.file]
	rec, ok := rs.recs[i.name]
	if ok && rec.Attempts > i.attemptBase {
		i.attemptBase = rec.Attempts
	}
	tn := i.task
	if !ok || rec.State != string(ir.Success) || !upKept || !outputsComplete(tn.t.Outputs, rec.Outputs) {
		return
	}
	i.kept, i.state, i.outputs = true, ir.Success, rec.Outputs
	i.start, i.end = rec.Start, rec.End
	i.attemptBase = rec.Attempts
	tn.unfinished--
	r.finished++
	r.writeTrace(trace.Record{Task: tn.t.Name, Instance: instanceKey(i), Attempt: rec.Attempts,
		State: rec.State, Start: rec.Start, End: rec.End, Outputs: rec.Outputs})
}

// topological returns the tasks upstream first. The IR promises this order
// already; computing it keeps resume correct for hand-built pipelines too.
func (r *runner) topological() []*taskNode {
	indeg := make(map[*taskNode]int, len(r.tasks))
	var order []*taskNode
	for _, tn := range r.tasks {
		indeg[tn] = len(tn.up)
		if len(tn.up) == 0 {
			order = append(order, tn)
		}
	}
	for k := 0; k < len(order); k++ {
		for _, d := range order[k].down {
			if indeg[d]--; indeg[d] == 0 {
				order = append(order, d)
			}
		}
	}
	return order
}

func outputsComplete(declared []string, got map[string]string) bool {
	for _, name := range declared {
		if _, ok := got[name]; !ok {
			return false
		}
	}
	return true
}

// priorAttempts reads the log directory of a run being resumed and returns,
// per instance file stem, the highest attempt number already logged, so new
// attempts never overwrite old logs.
func priorAttempts(dir string) map[string]int {
	out := map[string]int{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".log")
		dot := strings.LastIndexByte(name, '.')
		if dot < 0 {
			continue
		}
		n, err := strconv.Atoi(name[dot+1:])
		if err != nil {
			continue
		}
		if n > out[name[:dot]] {
			out[name[:dot]] = n
		}
	}
	return out
}
