package ir

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Validate checks a pipeline that Normalize has put in normal form, and
// changes nothing. It reports every problem it finds; the pipeline is
// usable by backends only when no error is returned, and backends trust
// what it guarantees (the defaults and order of Normalize, names, limits,
// references) without checking again. A pipeline that was not normalized
// gets one error saying so.
//
// Every step is linear in the size of the pipeline, and nothing recurses
// along dependency chains, so pipelines of 100,000 tasks in one chain
// validate without deep stacks.
func Validate(p *Pipeline) Diagnostics {
	v := &validator{p: p, suggest: NewSuggester()}
	if !v.normalized() {
		return v.diags
	}
	v.pipeline()
	v.storage()
	v.params()
	v.tasks()
	v.order()
	return dedupeDiagnostics(v.diags)
}

// normalized reports, as one error, what Normalize would have filled.
func (v *validator) normalized() bool {
	p := v.p
	var missing []string
	if p.Timezone == "" {
		missing = append(missing, "timezone")
	}
	if !slices.IsSortedFunc(p.Params, func(a, b *Param) int {
		if a == nil || b == nil {
			return boolCmp(a == nil, b == nil)
		}
		return strings.Compare(a.Name, b.Name)
	}) {
		missing = append(missing, "param order")
	}
	for _, pa := range p.Params {
		if pa != nil && pa.Type == "" {
			missing = append(missing, "param type of "+pa.Name)
			break
		}
	}
	for _, t := range p.Tasks {
		if t == nil {
			continue
		}
		switch {
		case t.Trigger == "":
			missing = append(missing, "trigger of "+t.Name)
		case t.Retry.Backoff == 0:
			missing = append(missing, "retry backoff of "+t.Name)
		case t.Run.Script != nil && len(t.Run.Shell) == 0:
			missing = append(missing, "shell of "+t.Name)
		case !slices.IsSortedFunc(t.Run.Env, cmpEnv):
			missing = append(missing, "env order of "+t.Name)
		case len(t.Edges) > 0 && !edgesNormal(t):
			missing = append(missing, "edges of "+t.Name)
		default:
			continue
		}
		break
	}
	if len(missing) == 0 {
		return true
	}
	v.errorf(p.Range, "Pipeline not normalized", "ir.Validate needs a pipeline that ir.Normalize has filled in; missing: %s.", strings.Join(missing, ", "))
	return false
}

type validator struct {
	p       *Pipeline
	diags   Diagnostics
	suggest *Suggester

	paramByName map[string]*Param
	paramNames  []string
	// taskIdx maps a name to the index in p.Tasks of its first declaration.
	taskIdx   map[string]int
	taskNames []string // for suggestions
	// outputs holds every (task index, output name) declared.
	outputs map[outputKey]bool
	// up[i][k] is the index of the task p.Tasks[i].Edges[k].From, or -1 for
	// an unknown name or the task itself: resolved once, so that ordering
	// and output references need no more map lookups.
	up [][]int
}

func (v *validator) errorf(subject Range, summary, format string, args ...any) {
	v.diags.Errorf(subject, summary, format, args...)
}

// narrow returns r when it is set, else the wider fallback.
func narrow(r, fallback Range) Range {
	if r == (Range{}) {
		return fallback
	}
	return r
}

func (v *validator) pipeline() {
	p := v.p
	if !ValidName(p.Name) {
		v.errorf(p.Range, "Invalid pipeline name", "The pipeline name must match %s: %s. Name the pipeline with a `pipeline \"name\"` block or rename the file.", nameRule, nameProblem(p.Name, nameRule))
	}
	if _, err := ParseSchedule(p.Schedule); err != nil {
		v.errorf(p.Range, "Invalid schedule", "%s", err)
	}
	if err := CheckTimezone(p.Timezone); err != nil {
		v.errorf(p.Range, "Invalid timezone", "%s", err)
	}
	if p.StartDate != "" {
		if err := CheckStartDate(p.StartDate); err != nil {
			v.errorf(p.Range, "Invalid start_date", "%s", err)
		}
	}
	if p.Concurrency < 0 {
		v.errorf(p.Range, "Invalid concurrency", "concurrency is %d; it must be 0 (no limit) or more.", p.Concurrency)
	}
	if p.Timeout < 0 {
		v.errorf(p.Range, "Invalid timeout", "The pipeline timeout is %s; it must not be negative.", p.Timeout)
	}
}

func (v *validator) params() {
	p := v.p
	v.paramByName = make(map[string]*Param, len(p.Params))
	for _, pa := range p.Params {
		if pa == nil {
			v.errorf(p.Range, "Invalid param", "The pipeline holds a nil param.")
			continue
		}
		if !ValidName(pa.Name) {
			v.errorf(pa.Range, "Invalid param name", "Param names must match %s: %s.", nameRule, nameProblem(pa.Name, nameRule))
		}
		if first, dup := v.paramByName[pa.Name]; dup {
			v.errorf(pa.Range, "Duplicate param name", "The param %q is already declared at %s.", pa.Name, pos(first.Range))
			continue
		}
		v.paramByName[pa.Name] = pa
		v.paramNames = append(v.paramNames, pa.Name)
		switch pa.Type {
		case ParamString, ParamNumber, ParamBool, ParamList:
		default:
			v.errorf(pa.Range, "Invalid param type", "The param %q has type %q; use string, number, bool or list(string).", pa.Name, pa.Type)
			continue
		}
		if pa.HasDefault {
			if err := checkParamValue(pa.Type, pa.Default); err != nil {
				v.errorf(pa.Range, "Invalid param default", "The default of param %q %s.", pa.Name, err)
			}
		}
	}
}

// checkParamValue reports whether s is a value of type t in canonical text.
func checkParamValue(t ParamType, s string) error {
	switch t {
	case ParamNumber:
		if _, ok := ParseNumber(s); !ok {
			return fmt.Errorf("is %q, which is not a number", s)
		}
	case ParamBool:
		if s != "true" && s != "false" {
			return fmt.Errorf("is %q, which is not true or false", s)
		}
	case ParamList:
		var l []string
		if err := json.Unmarshal([]byte(s), &l); err != nil || l == nil {
			return fmt.Errorf("is %s, which is not a JSON array of strings", ValuePreview(s))
		}
	}
	return nil
}

// CheckParamValue reports whether s is a value of param type t, for a
// value given when a run starts.
func CheckParamValue(t ParamType, s string) error { return checkParamValue(t, s) }

func (v *validator) tasks() {
	p := v.p
	v.taskIdx = make(map[string]int, len(p.Tasks))
	v.outputs = make(map[outputKey]bool)
	for i, t := range p.Tasks {
		if t == nil {
			v.errorf(p.Range, "Invalid task", "The pipeline holds a nil task.")
			continue
		}
		if !ValidName(t.Name) {
			v.errorf(t.Range, "Invalid task name", "Task names must match %s: %s.", nameRule, nameProblem(t.Name, nameRule))
		}
		if first, dup := v.taskIdx[t.Name]; dup {
			v.errorf(t.Range, "Duplicate task name", "The task %q is already declared at %s.", t.Name, pos(p.Tasks[first].Range))
		} else {
			v.taskIdx[t.Name] = i
			v.taskNames = append(v.taskNames, t.Name)
		}
		v.taskOutputs(i, t)
		v.taskSettings(t)
		v.instances(t)
	}

	// References need every task's outputs and upstream list.
	edges := 0
	for _, t := range p.Tasks {
		if t != nil {
			edges += len(t.Edges)
		}
	}
	flat := make([]int, 0, edges)
	v.up = make([][]int, len(p.Tasks))
	for i, t := range p.Tasks {
		if t == nil {
			continue
		}
		start := len(flat)
		flat = v.upstream(t, flat)
		v.up[i] = flat[start:len(flat):len(flat)]
		v.taskRefs(i, t)
		v.taskArtifacts(i, t)
	}
	v.finalTasks()
}

// finalTasks checks exit handlers (DESIGN 2.1): a final task waits for
// every other task implicitly, so it has no edges of its own and no
// for_each, and no task may wait for it.
func (v *validator) finalTasks() {
	// run.failed_tasks names instances from the items known at compile
	// time (FailedTaskOrder); a run-time fan-out's are not, so rather than
	// leave them out the pipeline is refused.
	var dynamic *Task
	for _, t := range v.p.Tasks {
		if t != nil && t.ForEach != nil && t.ForEach.Source != nil && !t.Final {
			dynamic = t
			break
		}
	}
	for i, t := range v.p.Tasks {
		if t == nil {
			continue // reported by tasks
		}
		if t.Final && dynamic != nil {
			var refs []*Ref
			t.Run.Strs(func(s Str) { refs = append(refs, s.Refs()...) })
			if t.When != nil {
				refs = append(refs, t.When.Refs()...)
			}
			for _, r := range refs {
				if r.Kind == RefRunFailedTasks {
					v.errorf(narrow(r.Range, t.Range), "run.failed_tasks with a run-time fan-out", "Task %q reads run.failed_tasks, but the instances of task %q are only known at run time, and run.failed_tasks lists instances known when the pipeline is compiled.", t.Name, dynamic.Name)
				}
			}
		}
		if t.Final {
			if len(t.Edges) > 0 {
				v.errorf(narrow(t.Edges[0].Range, t.Range), "Dependency of a final task", "Task %q is final: it already waits for every task that is not final, so it cannot depend on task %q.", t.Name, t.Edges[0].From)
			}
			if t.ForEach != nil {
				v.errorf(narrow(t.ForEach.Range, t.Range), "for_each on a final task", "Task %q is final; an exit handler runs once per run, so it cannot have for_each.", t.Name)
			}
		}
		for k, e := range t.Edges {
			if j := v.up[i][k]; j >= 0 && v.p.Tasks[j].Final {
				v.errorf(narrow(e.Range, t.Range), "Dependency on a final task", "Task %q depends on task %q, which is final: a final task runs after every other task, so nothing can wait for it.", t.Name, e.From)
			}
		}
	}
}

type outputKey struct {
	task int
	name string
}

// smallOutputs is how many outputs a task may declare before they go into
// a map; below it a linear scan is cheaper than hashing.
const smallOutputs = 8

func (v *validator) taskOutputs(i int, t *Task) {
	for k, o := range t.Outputs {
		if !ValidOutputName(o) {
			v.errorf(t.OutputRange(k), "Invalid output name", "Task %q declares output %q; output names must match %s: %s.", t.Name, o, outputRule, nameProblem(o, outputRule))
		}
		dup := false
		if len(t.Outputs) <= smallOutputs {
			dup = slices.Contains(t.Outputs[:k], o)
		} else {
			key := outputKey{i, o}
			dup = v.outputs[key]
			v.outputs[key] = true
		}
		if dup {
			v.errorf(t.OutputRange(k), "Duplicate output name", "Task %q declares output %q twice.", t.Name, o)
		}
	}
}

func (v *validator) declares(i int, output string) bool {
	if outs := v.p.Tasks[i].Outputs; len(outs) <= smallOutputs {
		return slices.Contains(outs, output)
	}
	return v.outputs[outputKey{i, output}]
}

func (v *validator) taskSettings(t *Task) {
	if t.Final && t.Trigger != AllDone {
		v.errorf(t.Range, "Trigger on a final task", "Task %q is final: it runs once every other task has ended, whatever their states (all_done), so trigger %q cannot apply.", t.Name, t.Trigger)
	} else if _, ok := RuleOf(t.Trigger); !ok {
		v.errorf(t.Range, "Invalid trigger", "Task %q has trigger %q; use one of %s.%s", t.Name, t.Trigger, TriggerNames(), SuggestTrigger(string(t.Trigger)))
	}
	r := &t.Retry
	if r.Attempts < 0 {
		v.errorf(t.Range, "Invalid retry", "Task %q has %d retry attempts; use 0 or more.", t.Name, r.Attempts)
	}
	if r.Delay < 0 || r.MaxDelay < 0 {
		v.errorf(t.Range, "Invalid retry", "Task %q has a negative retry delay.", t.Name)
	}
	if !validBackoff(r.Backoff) {
		v.errorf(t.Range, "Invalid retry", "Task %q has retry backoff %g; it must be 1 (constant delay) or more.", t.Name, r.Backoff)
	}
	if r.MaxDelay > 0 && r.MaxDelay < r.Delay {
		v.errorf(t.Range, "Invalid retry", "Task %q has max_delay %s below its delay %s.", t.Name, r.MaxDelay, r.Delay)
	}
	for k, c := range r.OnExitCodes {
		switch {
		case c < 1 || c > MaxExitCode:
			v.errorf(t.Range, "Invalid retry on_exit_codes", "Task %q retries on exit code %d; an exit code that fails a task is 1 to %d.", t.Name, c, MaxExitCode)
		case k > 0 && c <= r.OnExitCodes[k-1]:
			v.errorf(t.Range, "Invalid retry on_exit_codes", "Task %q: on_exit_codes must be sorted and hold each code once (%d after %d).", t.Name, c, r.OnExitCodes[k-1])
		}
	}
	if t.Timeout < 0 {
		v.errorf(t.Range, "Invalid timeout", "Task %q has timeout %s; it must not be negative.", t.Name, t.Timeout)
	}
	if t.Resources.GPU < 0 {
		v.errorf(t.Range, "Invalid resources", "Task %q requests %d GPUs; use 0 or more.", t.Name, t.Resources.GPU)
	}
	for _, q := range []struct{ name, value string }{{"cpu", t.Resources.CPU}, {"memory", t.Resources.Memory}} {
		if q.value != "" && !ValidQuantity(q.value) {
			v.errorf(t.Range, "Invalid resource quantity", "Task %q requests %s = %q, which is not a Kubernetes quantity such as \"2\", \"500m\" or \"4Gi\".", t.Name, q.name, q.value)
		}
	}
}

func (v *validator) instances(t *Task) {
	if f := t.ForEach; f != nil {
		switch {
		case f.Source != nil && len(f.Items) > 0:
			v.errorf(t.Range, "Invalid for_each", "Task %q has both static items and a run-time item source.", t.Name)
		case f.Source != nil:
			// checked with the other references (taskRefs: itemSource)
		case f.Source == nil && len(f.Items) == 0:
			v.errorf(t.Range, "for_each has no elements", "Task %q uses for_each over an empty collection, so it would never run; give it at least one element or remove the task.", t.Name)
			return
		}
		if f.MaxParallel < 0 {
			v.errorf(t.Range, "Invalid max_parallel", "Task %q has max_parallel %d; it must be 0 (no limit) or more.", t.Name, f.MaxParallel)
		}
		keys := make(map[string]bool, len(f.Items))
		for i := range f.Items {
			it := &f.Items[i]
			if keys[it.Key] {
				v.errorf(t.Range, "Duplicate for_each key", "Task %q has two instances with key %q.", t.Name, it.Key)
			}
			keys[it.Key] = true
			if len(it.Exprs) != len(f.Exprs) {
				v.errorf(t.Range, "Invalid for_each item", "Task %q: item %q has %d derived values, the template has %d.", t.Name, it.Key, len(it.Exprs), len(f.Exprs))
			}
		}
	}
	tp := &t.Run
	switch {
	case tp.Script != nil && tp.Command != nil:
		v.errorf(t.Range, "Both command and script", "Task %q sets both command and script; set exactly one.", t.Name)
	case tp.Script == nil && len(tp.Command) == 0:
		if tp.Command != nil {
			v.errorf(t.Range, "Empty command", "Task %q has an empty command; give at least the program to run.", t.Name)
		} else {
			v.errorf(t.Range, "Missing command or script", "Task %q sets neither command nor script; set exactly one.", t.Name)
		}
	}
	for _, e := range tp.Env {
		if !validEnvName(e.Name) {
			v.errorf(t.Range, "Invalid environment variable name", "Task %q sets %q; environment variable names must match %s.", t.Name, e.Name, outputRule)
		} else if strings.HasPrefix(e.Name, "DAGC_") {
			v.errorf(t.Range, "Reserved environment variable name", "Task %q sets %q; names starting with DAGC_ are set by dagc itself.", t.Name, e.Name)
		}
	}
	for k := 1; k < len(tp.Env); k++ {
		if tp.Env[k].Name == tp.Env[k-1].Name {
			v.errorf(t.Range, "Duplicate environment variable", "Task %q sets %q twice.", t.Name, tp.Env[k].Name)
		}
	}
	// Image, workdir and shell are compile-time values: only each
	// references may be parts of them.
	for _, s := range append([]Str{tp.Image, tp.Workdir}, tp.Shell...) {
		for _, r := range s.Refs() {
			if !r.Kind.IsEach() {
				v.errorf(narrow(r.Range, t.Range), "Run-time reference not allowed here", "Task %q uses %s in its image, workdir or shell, which are fixed when the task starts.", t.Name, r.String())
			}
		}
	}
}

// upstream checks t's dependencies and appends the index of each (-1 when
// unknown or t itself) to up.
func (v *validator) upstream(t *Task, up []int) []int {
	for _, e := range t.Edges {
		r := narrow(e.Range, t.Range)
		if e.From == t.Name {
			v.errorf(r, "Task depends on itself", "Task %q lists itself as a dependency; a task cannot wait for itself.", t.Name)
			up = append(up, -1)
			continue
		}
		j, ok := v.taskIdx[e.From]
		if !ok {
			v.errorf(r, "Reference to undeclared task", "Task %q depends on %q, which is not declared.%s", t.Name, e.From, v.suggest.Suggest(e.From, v.taskNames))
			j = -1
		}
		up = append(up, j)
	}
	return up
}

func (v *validator) taskRefs(i int, t *Task) {
	if t.IsDynamic() {
		v.itemSource(i, t, t.ForEach.Source)
	}
	t.Run.Strs(func(s Str) { v.strRefs(i, t, s) })
	if t.When != nil {
		v.cond(i, t, t.When)
	}
}

func (v *validator) strRefs(i int, t *Task, s Str) {
	for _, part := range s.Parts {
		if part.Ref != nil {
			v.ref(i, t, part.Ref)
		}
	}
}

// itemSource checks a run-time for_each source (DESIGN 2.5): a param of
// type list(string), or an output of a task this one waits for. The
// output's shape is only known at run time; DecodeItems checks it there.
func (v *validator) itemSource(i int, t *Task, r *Ref) {
	at := narrow(r.Range, t.Range)
	switch r.Kind {
	case RefParam:
		pa, ok := v.paramByName[r.Name]
		if ok && pa.Type != ParamList {
			v.errorf(at, "for_each over a param that is not a list", "Task %q fans out over param.%s, of type %s; a for_each over a param needs type = list(string).", t.Name, r.Name, pa.Type)
			return
		}
	case RefOutput:
	default:
		v.errorf(at, "Invalid for_each source", "Task %q fans out over %s; a run-time for_each takes task.NAME.outputs.NAME (a JSON array) or a param of type list(string).", t.Name, r.String())
		return
	}
	v.ref(i, t, r)
}

// eachRef checks a reference to the current item: only in a for_each
// task, and to something every static item has.
func (v *validator) eachRef(t *Task, r *Ref, at Range) {
	f := t.ForEach
	if f == nil {
		v.errorf(at, "Reference to each outside for_each", "Task %q has no for_each, so %s does not exist.", t.Name, r.String())
		return
	}
	if r.Kind == RefEachExpr && (r.Index < 0 || r.Index >= len(f.Exprs)) {
		v.errorf(at, "Invalid reference", "Task %q refers to derived value %d of for_each, which has %d.", t.Name, r.Index, len(f.Exprs))
		return
	}
	for i := range f.Items {
		if _, ok := f.Items[i].Text(r); !ok {
			v.errorf(at, "Invalid reference", "Task %q uses %s, but the for_each item %q has no such field.", t.Name, r.String(), f.Items[i].Key)
			return
		}
	}
}

// ref checks one run-time reference made by task t, p.Tasks[i].
func (v *validator) ref(i int, t *Task, r *Ref) {
	at := narrow(r.Range, t.Range)
	switch r.Kind {
	case RefRunID, RefRunDate, RefRunAttempt:
	case RefRunStatus, RefRunFailedTasks:
		if !t.Final {
			v.errorf(at, string(r.Kind)+" outside a final task", "Task %q is not final; %s is known only once every other task has ended, so only a task with final = true may read it.", t.Name, r.Kind)
		}
	case RefEachKey, RefEachValue, RefEachField, RefEachExpr:
		v.eachRef(t, r, at)
	case RefParam:
		if _, ok := v.paramByName[r.Name]; !ok {
			v.errorf(at, "Reference to undeclared param", "Task %q refers to param.%s, which is not declared.%s", t.Name, r.Name, v.suggest.Suggest(r.Name, v.paramNames))
		}
	case RefOutput:
		if r.Task == t.Name {
			v.errorf(at, "Task depends on itself", "Task %q refers to its own output %q; a task cannot wait for itself.", t.Name, r.Name)
			return
		}
		// Usually the producer is upstream: find it there, not in the map.
		idx, ok, upstream := -1, false, false
		if k := sort.Search(len(t.Edges), func(k int) bool { return t.Edges[k].From >= r.Task }); k < len(t.Edges) && t.Edges[k].From == r.Task {
			idx, upstream = v.up[i][k], true
			ok = idx >= 0
		}
		if !ok {
			idx, ok = v.taskIdx[r.Task]
		}
		if !ok {
			v.errorf(at, "Reference to undeclared task", "Task %q refers to task.%s.outputs.%s, but task %q is not declared.%s", t.Name, r.Task, r.Name, r.Task, v.suggest.Suggest(r.Task, v.taskNames))
			return
		}
		if !v.declares(idx, r.Name) {
			producer := v.p.Tasks[idx]
			declared := "it declares no outputs"
			if len(producer.Outputs) > 0 {
				declared = "it declares " + quoteList(producer.Outputs)
			}
			v.errorf(at, "Reference to undeclared output", "Task %q refers to output %q of task %q, but %s.%s", t.Name, r.Name, r.Task, declared, v.suggest.Suggest(r.Name, producer.Outputs))
		}
		if !upstream {
			v.errorf(at, "Reference to a task that is not upstream", "Task %q reads an output of task %q but does not depend on it; add task.%s to depends_on.", t.Name, r.Task, r.Task)
		}
	default:
		v.errorf(at, "Invalid reference", "Task %q holds a reference of unknown kind %q.", t.Name, r.Kind)
	}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// cond checks a `when` tree.
func (v *validator) cond(i int, t *Task, c *Cond) {
	// An explicit stack: a parser may build left-deep trees for long &&
	// chains.
	stack := []*Cond{c}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		at := narrow(c.Range, t.Range)
		switch c.Op {
		case CondConst:
		case CondAnd, CondOr, CondNot:
			if c.Op == CondNot && len(c.Args) != 1 {
				v.errorf(at, "Invalid condition", "Task %q: ! takes one operand, not %d.", t.Name, len(c.Args))
			} else if c.Op != CondNot && len(c.Args) < 2 {
				v.errorf(at, "Invalid condition", "Task %q: %s takes two or more operands, not %d.", t.Name, c.Op, len(c.Args))
			}
			for k := len(c.Args) - 1; k >= 0; k-- {
				if c.Args[k] == nil {
					v.errorf(at, "Invalid condition", "Task %q: condition has a nil operand.", t.Name)
					continue
				}
				stack = append(stack, c.Args[k])
			}
		case CondCompare:
			switch c.Cmp {
			case Eq, Ne, Lt, Le, Gt, Ge:
			default:
				v.errorf(at, "Invalid condition", "Task %q: unknown comparison %q.", t.Name, c.Cmp)
			}
			v.operand(i, t, c, c.Left)
			v.operand(i, t, c, c.Right)
			if c.Numeric != (v.numeric(c.Left) || v.numeric(c.Right)) {
				v.errorf(at, "Pipeline not normalized", "Task %q: a comparison's Numeric flag disagrees with its operands; call ir.Normalize before ir.Validate.", t.Name)
			}
			if c.Numeric {
				v.eachNumbers(t, c.Left)
				v.eachNumbers(t, c.Right)
			}
		default:
			v.errorf(at, "Invalid condition", "Task %q: unknown condition operator %q.", t.Name, c.Op)
		}
	}
}

func (v *validator) operand(i int, t *Task, c *Cond, o Operand) {
	if o.Ref != nil && o.Ref.Kind == RefRunAttempt {
		v.errorf(narrow(o.Ref.Range, t.Range), "run.attempt in when", "Task %q: when is decided once, before the first attempt starts, so run.attempt has no value there. Use it in the command, script or env.", t.Name)
		return
	}
	if o.Ref != nil {
		v.ref(i, t, o.Ref)
		return
	}
	at := narrow(c.Range, t.Range)
	switch o.LitKind {
	case LitString:
	case LitNumber, LitBool:
		if err := checkParamValue(ParamType(o.LitKind), o.Lit); err != nil {
			v.errorf(at, "Invalid condition", "Task %q: a %s literal %s.", t.Name, o.LitKind, err)
		}
	default:
		v.errorf(at, "Invalid condition", "Task %q: literal %q has unknown kind %q.", t.Name, o.Lit, o.LitKind)
	}
}

// eachNumbers checks an each operand of a numeric comparison: every static
// item's text is known, so one that is not a number would fail its
// instance on every run; that is reported here, at the comparison.
func (v *validator) eachNumbers(t *Task, o Operand) {
	if o.Ref == nil || !o.Ref.Kind.IsEach() || t.ForEach == nil {
		return
	}
	for i := range t.ForEach.Items {
		it := &t.ForEach.Items[i]
		text, ok := it.Text(o.Ref)
		if !ok {
			return // eachRef reports it
		}
		if _, num := ParseNumber(text); !num {
			v.errorf(narrow(o.Ref.Range, t.Range), "Item is not a number", "Task %q compares %s as a number, but for each.key = %q it is %q, which is not a number, so that instance would fail on every run.", t.Name, o.Ref.String(), it.Key, text)
			return
		}
	}
}

// numeric follows DESIGN 2.4: a comparison is numeric when either side is a
// number literal or a param of type number.
func (v *validator) numeric(o Operand) bool {
	if o.Ref == nil {
		return o.LitKind == LitNumber
	}
	if o.Ref.Kind == RefParam {
		pa := v.paramByName[o.Ref.Name]
		return pa != nil && pa.Type == ParamNumber
	}
	return false
}

// order checks that every task comes after its upstreams, as Normalize
// leaves them, and when not reports every cycle.
func (v *validator) order() {
	for i, up := range v.up {
		for _, j := range up {
			// Normalize puts final tasks last, after a task that wrongly
			// depends on one: that edge is reported by finalTasks.
			if j < i || v.p.Tasks[j] != nil && v.p.Tasks[j].Final {
				continue
			}
			g := newTaskGraph(v.p.Tasks)
			if !v.cycles(g) {
				v.errorf(v.p.Range, "Pipeline not normalized", "Task %q comes before its upstream %q; call ir.Normalize before ir.Validate.", v.p.Tasks[i].Name, v.p.Tasks[j].Name)
			}
			return
		}
	}
}

// cycles finds the strongly connected components among the tasks left by
// Kahn's algorithm (iterative Tarjan) and reports one cycle per component:
// the shortest one through the component's first task by name, found by a
// breadth-first search, so the report is deterministic.
func (v *validator) cycles(g *taskGraph) (found bool) {
	tasks := v.p.Tasks
	byName, down := g.byName, g.down
	n := len(tasks)
	const unvisited = -1
	index := make([]int, n)
	low := make([]int, n)
	comp := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i], comp[i] = unvisited, unvisited
	}
	type frame struct{ v, next int }
	var (
		frames []frame
		stack  []int
		next   int
		comps  [][]int // members of each non-trivial component
	)
	for _, root := range byName {
		if tasks[root] == nil || index[root] != unvisited {
			continue
		}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		frames = append(frames, frame{v: root})
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			u := f.v
			if f.next < len(down[u]) {
				w := down[u][f.next]
				f.next++
				if index[w] == unvisited {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					frames = append(frames, frame{v: w})
				} else if onStack[w] {
					low[u] = min(low[u], index[w])
				}
				continue
			}
			frames = frames[:len(frames)-1]
			if len(frames) > 0 {
				parent := frames[len(frames)-1].v
				low[parent] = min(low[parent], low[u])
			}
			if low[u] != index[u] {
				continue
			}
			id := len(comps)
			var members []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = id
				members = append(members, w)
				if w == u {
					break
				}
			}
			comps = append(comps, members)
		}
	}

	// Report components in the order of their first task by name.
	reported := make([]bool, len(comps))
	parent := make([]int, n)
	for _, s := range byName {
		c := comp[s]
		if c == unvisited || reported[c] || len(comps[c]) < 2 {
			continue
		}
		reported[c] = true
		v.reportCycle(s, c, comp, down, parent)
		found = true
	}
	return found
}

// reportCycle finds the shortest cycle through s inside component c and
// reports it, pointing at the dependency of s that closes it.
func (v *validator) reportCycle(s, c int, comp []int, down [][]int, parent []int) {
	tasks := v.p.Tasks
	parent[s] = -1
	queue := []int{s}
	visited := map[int]bool{s: true}
	last := -1
	for head := 0; head < len(queue) && last < 0; head++ {
		u := queue[head]
		for _, w := range down[u] {
			if comp[w] != c {
				continue
			}
			if w == s {
				last = u
				break
			}
			if !visited[w] {
				visited[w] = true
				parent[w] = u
				queue = append(queue, w)
			}
		}
	}
	if last < 0 {
		return // cannot happen in a strongly connected component
	}
	var cycle []int // s … last; the edge last → s closes it
	for u := last; u != -1; u = parent[u] {
		cycle = append(cycle, u)
	}
	slices.Reverse(cycle)

	// The edge that closes the cycle is the one written last in the source:
	// the dependency that, when added, made the cycle. Ties (hand-built
	// pipelines without ranges) keep last → s.
	edgeRange := func(from, to int) Range {
		for _, e := range tasks[to].Edges {
			if e.From == tasks[from].Name {
				return narrow(e.Range, tasks[to].Range)
			}
		}
		return tasks[to].Range
	}
	k := len(cycle)
	closeAt := k - 1 // edge cycle[m] → cycle[(m+1)%k]
	closing := edgeRange(cycle[k-1], cycle[0])
	for m := 0; m < k-1; m++ {
		if r := edgeRange(cycle[m], cycle[m+1]); after(r, closing) {
			closeAt, closing = m, r
		}
	}
	// Print the cycle so that its last arrow is the closing edge.
	names := make([]string, 0, k+1)
	for m := 1; m <= k; m++ {
		names = append(names, tasks[cycle[(closeAt+m)%k]].Name)
	}
	names = append(names, names[0])
	v.errorf(closing, "Dependency cycle", "These tasks wait for each other in a cycle (a → b means b waits for a): %s. Remove one of these dependencies.", strings.Join(names, " → "))
}

// after reports whether range a starts after range b in the source.
func after(a, b Range) bool {
	if a.Filename != b.Filename {
		return a.Filename > b.Filename
	}
	return a.Start.Byte > b.Start.Byte
}

// pos formats where a range starts, for "already declared at" details.
func pos(r Range) string {
	if r.Filename == "" {
		return fmt.Sprintf("line %d", r.Start.Line)
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// dedupeDiagnostics drops repeats, such as the same bad reference seen in
// every instance of a for_each task, keeping the first of each.
func dedupeDiagnostics(ds Diagnostics) Diagnostics {
	if len(ds) < 2 {
		return ds
	}
	seen := make(map[Diagnostic]bool, len(ds))
	out := ds[:0]
	for _, d := range ds {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
