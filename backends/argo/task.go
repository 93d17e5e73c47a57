package argo

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// taskCtx collects what one task's leaf template needs from the dag.
type taskCtx struct {
	r *renderer
	t *ir.Task
	// items are the withItems entries of a for_each task, one per item,
	// holding the each fields the template uses (see eachPieces).
	items  [][]kv
	fields map[string]*eachField
	nfield int
	// whenFields name the withItems fields a per-instance when reads, by
	// each reference (whenField).
	whenFields map[string]string
	// inputs are the template's input parameters, in order, with the dag
	// task argument that feeds each.
	inputs []kv
	seen   map[string]bool
	// itemArgs are the inputs withItems or withParam supply per item.
	itemArgs map[string]bool
}

func (c *taskCtx) addInput(name, arg string) {
	if c.seen[name] {
		return
	}
	c.seen[name] = true
	c.inputs = append(c.inputs, kv{name, arg})
}

// segs renders a dagc string as literal text and Argo tags valid inside the
// task's leaf template. Task outputs are only in scope in the dag, so they
// come in as input parameters named TASK_OUTPUT ('_' cannot occur in a
// DNS-1123 task name, so the name is unambiguous).
func (c *taskCtx) segs(s ir.Str) []segment {
	var out []segment
	for _, p := range s.Parts {
		if p.Ref == nil {
			if p.Lit != "" {
				out = append(out, segment{lit: p.Lit})
			}
			continue
		}
		switch p.Ref.Kind {
		case ir.RefParam:
			out = append(out, segment{tag: "{{workflow.parameters." + p.Ref.Name + "}}"})
		case ir.RefRunID:
			out = append(out, segment{tag: "{{workflow.name}}"})
		case ir.RefRunAttempt:
			out = append(out, c.attempt())
		case ir.RefRunStatus:
			out = append(out, segment{tag: "{{=" + runStatusExpr + "}}"})
		case ir.RefRunFailedTasks:
			out = append(out, segment{tag: "{{=" + c.r.failedTasksExpr() + "}}"})
		case ir.RefRunDate:
			if c.r.p.Timezone != "UTC" {
				out = append(out, segment{tag: "{{=" + c.r.runDateExpr() + "}}"})
				break
			}
			out = append(out,
				segment{tag: "{{workflow.creationTimestamp.Y}}"}, segment{lit: "-"},
				segment{tag: "{{workflow.creationTimestamp.m}}"}, segment{lit: "-"},
				segment{tag: "{{workflow.creationTimestamp.d}}"})
		case ir.RefEachKey, ir.RefEachValue, ir.RefEachField, ir.RefEachExpr:
			for i, name := range c.eachPieces(p.Ref) {
				out = append(out, segment{tag: "{{inputs.parameters." + name + "}}", each: true, brk: i > 0})
			}
		case ir.RefOutput:
			producer := c.r.taskName[p.Ref.Task]
			name := producer + "_" + p.Ref.Name
			arg := "{{tasks." + producer + ".outputs.parameters." + p.Ref.Name + "}}"
			if u := c.r.taskByName(p.Ref.Task); u != nil && u.ForEach != nil {
				arg = "{{=" + c.r.refExpr(p.Ref) + "}}"
			}
			c.addInput(name, arg)
			out = append(out, segment{tag: "{{inputs.parameters." + name + "}}"})
		}
	}
	return out
}

// attempt is run.attempt: Argo's {{retries}} counts retries from 0 and is
// defined only in a template with a retryStrategy; without one every run
// is the first attempt.
func (c *taskCtx) attempt() segment {
	if c.t.Retry.Attempts > 0 {
		return segment{tag: attemptExpr}
	}
	return segment{lit: "1"}
}

// attemptExpr is an expression tag: retries is a string, hence asInt.
const attemptExpr = "{{=asInt(retries) + 1}}"

// eachField is one withItems field: the pieces of one each reference's
// item text.
type eachField struct {
	names []string // withItems field names, one per piece
}

// eachPieces gives the template tags of an each reference (DESIGN 1: the
// template is rendered once, the items are data in withItems). An item's
// text is cut like any literal so that no "{{" is ever formed, and the
// pieces are padded to the longest item; each piece is one field.
func (c *taskCtx) eachPieces(r *ir.Ref) []string {
	k := eachKey(r)
	if f, ok := c.fields[k]; ok {
		return f.names
	}
	if c.t.IsDynamic() {
		// The item is only known at run time: one field, read from the
		// withParam item as a variable, so no text of it is ever parsed.
		c.nfield++
		name := "each-" + strconv.Itoa(c.nfield)
		c.addInput(name, "{{="+dynItemExpr(r)+"}}")
		c.itemArgs[name] = true
		c.fields[k] = &eachField{names: []string{name}}
		return c.fields[k].names
	}
	items := c.t.ForEach.Items
	cut := make([]word, len(items))
	n := 1
	for i := range items {
		text, _ := items[i].Text(r)
		cut[i] = cutWord([]segment{{lit: text}})
		n = max(n, len(cut[i]))
	}
	c.nfield++
	f := &eachField{}
	for j := 0; j < n; j++ {
		name := "each-" + strconv.Itoa(c.nfield)
		if n > 1 {
			name += "-" + strconv.Itoa(j)
		}
		f.names = append(f.names, name)
		for i := range items {
			v := ""
			if j < len(cut[i]) {
				v = cut[i][j].text
			}
			c.items[i] = append(c.items[i], kv{name, v})
		}
		c.addInput(name, itemField(name))
		c.itemArgs[name] = true
	}
	c.fields[k] = f
	return f.names
}

// A run-time fan-out (DESIGN 2.5) renders withParam. Its value is computed
// by an expression from the source: the JSON array is checked to be of
// strings or of flat objects of strings (ir.DecodeItems' rule), and each
// element becomes a string holding {"k": index, "v": element}, so each.key
// is the index Argo does not give, and the item is bound as a string, as
// withItems items are (see itemField). That string is base64-encoded:
// expandTask templates the task's JSON with withParam's value still in it,
// and fails on a "{{x}}" it cannot resolve, so no user text may be there. A value of another shape makes the
// expression fail with a message that quotes its first bytes: asInt of
// that message cannot parse, and Argo puts the error on the task's node.
func (r *renderer) withParam(t *ir.Task, src string) string {
	shape := `type(L) == "array" && (all(L, type(#) == "string") || all(L, type(#) == "map" && all(values(#), type(#) == "string")))`
	// The shape the template reads (ir.CheckItemRefs): strings for
	// each.value, objects with the field for each.value.NAME.
	for _, ref := range t.ItemReads() {
		if ref.Kind == ir.RefEachField {
			shape += ` && all(L, type(#) == "map" && type(#[` + exprStr(ref.Name) + `]) == "string")`
		} else {
			shape += ` && all(L, type(#) == "string")`
		}
	}
	msg := exprStr("for_each needs a JSON array of strings or of flat objects of strings: ") + " + sprig.trunc(" + strconv.Itoa(ir.MaxItemsPreview) + ", " + src + ")"
	return "{{=let L = fromJSON(" + src + "); " + shape + ` ? toJson(map(L, toBase64(toJson({"k": string(#index), "v": #})))) : asInt(` + msg + ")}}"
}

// dynItemExpr reads an each reference from a withParam item (withParam).
func dynItemExpr(r *ir.Ref) string {
	switch r.Kind {
	case ir.RefEachKey:
		return `fromJSON(fromBase64(item))["k"]`
	case ir.RefEachField:
		return `fromJSON(fromBase64(item))["v"][` + exprStr(r.Name) + `]`
	}
	return `fromJSON(fromBase64(item))["v"]`
}

// sourceExpr is the expression variable holding a run-time fan-out's
// items: the producer's output or the param; inside a max_parallel
// wrapper, the wrapper's input that carries it.
func (r *renderer) sourceExpr(t *ir.Task) string {
	if wrapped(t) {
		return "fromBase64(inputs.parameters[" + exprStr(sourceInput) + "])"
	}
	return r.refExpr(t.ForEach.Source)
}

// sourceInput is the wrapper input that passes a run-time fan-out's source
// value into its max_parallel dag template, base64-encoded: a dag
// template's inputs are substituted as text into its tasks, where a "{{"
// in the value would be read as a tag.
const sourceInput = "dagc-items"

// whenField is the withItems field holding, base64-encoded, the item's
// text of an each reference of a per-instance when.
func (c *taskCtx) whenField(r *ir.Ref) string {
	k := eachKey(r)
	if c.whenFields == nil {
		c.whenFields = map[string]string{}
	}
	if n, ok := c.whenFields[k]; ok {
		return n
	}
	n := "when-" + strconv.Itoa(len(c.whenFields)+1)
	c.whenFields[k] = n
	for i := range c.t.ForEach.Items {
		text, _ := c.t.ForEach.Items[i].Text(r)
		c.items[i] = append(c.items[i], kv{n, base64.StdEncoding.EncodeToString([]byte(text))})
	}
	return n
}

// itemField is the dag task argument that reads one field of the item.
//
// Each withItems item is a string holding a JSON object, not a YAML map:
// for a map item Argo substitutes {{item.NAME}} with the field's JSON
// encoding minus the quotes (wfv1.Item.String, via processItem), so a '"',
// '\\', newline or tab would reach the container escaped once more. A string
// item is bound as it is, and the expression's result is JSON-encoded into
// the task as any value is, so the field arrives byte for byte.
func itemField(name string) string {
	return "{{=jsonpath(item, '$." + name + "')}}"
}

// itemText encodes one item's fields as a JSON object, in field order.
func itemText(fields []kv) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(f.Key))
		b.WriteByte(':')
		b.WriteString(jsonString(f.Value))
	}
	b.WriteByte('}')
	return b.String()
}

// jsonString is a JSON string literal of s, without HTML escaping (jsonpath
// decodes either; this keeps the manifest readable).
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func eachKey(r *ir.Ref) string {
	return string(r.Kind) + "\x00" + r.Name + "\x00" + strconv.Itoa(r.Index)
}

// word renders one argv element or environment value of the template.
func (c *taskCtx) word(s ir.Str) word {
	return cutWord(c.segs(s))
}

// scalar renders the image or workdir: text that cannot be cut, so it
// holds no Argo template syntax, and with an each reference no brace at
// all (a brace next to the field's tag could form one).
func (c *taskCtx) scalar(s ir.Str) (string, bool) {
	var b strings.Builder
	tagged := !s.IsLiteral()
	for _, p := range s.Parts {
		if p.Ref == nil {
			if hazard(p.Lit) || (tagged && strings.ContainsAny(p.Lit, "{}")) {
				return "", false
			}
			b.WriteString(p.Lit)
			continue
		}
		for i := range c.t.ForEach.Items {
			if text, _ := c.t.ForEach.Items[i].Text(p.Ref); hazard(text) || strings.Contains(text, "{") {
				return "", false
			}
		}
		for _, name := range c.eachPieces(p.Ref) {
			b.WriteString("{{inputs.parameters." + name + "}}")
		}
	}
	return b.String(), true
}

// task adds the dag task and the leaf template of t.
func (r *renderer) task(s *specView, t *ir.Task) {
	c := &taskCtx{r: r, t: t, seen: map[string]bool{}}
	name := r.taskName[t.Name]
	dt := dagTaskView{Name: name, Template: name, Depends: r.depends(t)}
	leaf := leafView{Name: name, ActiveDeadline: seconds(t.Timeout)}

	c.itemArgs = map[string]bool{}
	if t.IsDynamic() {
		c.fields = map[string]*eachField{}
	} else if t.ForEach != nil {
		if len(t.ForEach.Items) == 0 {
			r.unsupported("for_each over an empty collection", t, "Argo skips a task whose withItems is empty, while dagc would run its dependents; give for_each at least one element.")
			return
		}
		c.items = make([][]kv, len(t.ForEach.Items))
		c.fields = map[string]*eachField{}
	}
	tp := &t.Run
	if len(tp.Image.Parts) == 0 {
		r.errorf(t.Range, "Task has no image", "task %q has no image, which the argo backend needs to run it as a container; set image on the task or in defaults.", t.Name)
		return
	}
	for _, e := range tp.Env {
		if e.Name == "DAGC_OUTPUTS" && len(t.Outputs) > 0 {
			r.errorf(t.Range, "DAGC_OUTPUTS is reserved", "task %q sets DAGC_OUTPUTS, which dagc sets to the directory its outputs are written to.", t.Name)
			return
		}
		if e.Name == "DAGC_ARTIFACTS" && len(t.Artifacts) > 0 || e.Name == "DAGC_INPUTS" && len(t.Inputs) > 0 {
			r.errorf(t.Range, e.Name+" is reserved", "task %q sets %s, which dagc sets to the directory of its artifacts or inputs.", t.Name, e.Name)
			return
		}
	}

	// The template is rendered once; each references become withItems
	// fields passed in as input parameters.
	var argv []word
	var env []envWord
	for _, a := range tp.Argv() {
		argv = append(argv, c.word(a))
	}
	for _, e := range tp.Env {
		env = append(env, envWord{e.Name, c.word(e.Value)})
	}
	var imgOK, wdOK bool
	leaf.Image, imgOK = c.scalar(tp.Image)
	leaf.Workdir, wdOK = c.scalar(tp.Workdir)
	if !imgOK || !wdOK {
		r.unsupported("\"{{\" in image or workdir", t, "Argo would read it as template syntax.")
		return
	}
	// The when, after the template's fields so that their names stay put:
	// the skip guards of upstream tasks first, then the task's own when,
	// which dagc evaluates only once the trigger holds.
	whens := r.skipGuards(t)
	switch {
	case t.When == nil:
	case perInstanceWhen(t):
		whens = append(whens, "("+r.itemWhen(c, t.When)+")")
	default:
		whens = append(whens, "("+r.condExpr(t.When)+")")
	}
	switch {
	case len(whens) == 1 && t.When != nil && !perInstanceWhen(t):
		dt.When = r.whenExpr(t.When) // as before: one condition
	case len(whens) > 0:
		dt.When = "{{=" + strings.Join(whens, " && ") + "}}"
	}
	fanouts, ok := r.artifacts(s, c, &leaf, t)
	if !ok {
		return
	}
	if t.IsDynamic() {
		dt.WithParam = r.withParam(t, r.sourceExpr(t))
	} else if t.ForEach != nil {
		if len(c.items) > 0 && len(c.items[0]) == 0 {
			// Identical instances still run once per element: withItems
			// needs a list, so each item carries its key.
			for i, it := range t.ForEach.Items {
				c.items[i] = []kv{{"key", it.Key}}
			}
		}
		for _, it := range c.items {
			dt.Items = append(dt.Items, itemText(it))
		}
	}

	useRunner := false
	for _, w := range argv {
		useRunner = useRunner || len(w) > 1
	}
	for _, e := range env {
		useRunner = useRunner || len(e.w) > 1
		if len(e.w) > 1 && !isEnvName(e.name) {
			r.unsupported("\"{{\" in the value of environment variable "+strconv.Quote(e.name), t, "A value holding \"{{\" is set by dagc's argv runner, which can only assign names of letters, digits and '_'.")
			return
		}
	}
	if useRunner {
		var plain []envWord
		for _, e := range env {
			if len(e.w) == 1 {
				plain = append(plain, e)
			}
		}
		var joined []envWord
		for _, e := range env {
			if len(e.w) > 1 {
				joined = append(joined, e)
			}
		}
		leaf.Command = runnerArgv(argv, joined)
		env = plain
	} else {
		for _, w := range argv {
			leaf.Command = append(leaf.Command, w[0].text)
		}
	}
	for _, e := range env {
		leaf.Env = append(leaf.Env, kv{e.name, e.w[0].text})
	}
	leaf.Env = append(leaf.Env, kv{"DAGC_ATTEMPT", c.word(ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefRunAttempt}}}})[0].text})

	for _, o := range t.Outputs {
		if !isParamName(o) {
			r.errorf(t.Range, "Output name not valid in Argo", "output %q of task %q: Argo parameter names are letters, digits, '-' and '_'.", o, t.Name)
			continue
		}
		leaf.Outputs = append(leaf.Outputs, kv{o, outputsDir + "/" + o})
	}
	if len(t.Outputs) > 0 {
		leaf.Env = append(leaf.Env, kv{"DAGC_OUTPUTS", outputsDir})
		s.volume(outputsVolume)
		leaf.Mounts = append([]kv{{outputsVolume, outputsDir}}, leaf.Mounts...)
		// Argo's executor takes any bytes of the file; the wrapper
		// refuses what the other engines refuse (outputs.go).
		leaf.Command = checkedArgv(outputNames(&leaf), leaf.Command)
	}
	if len(t.Artifacts) > 0 || len(fanouts) > 0 {
		leaf.Command = artifactArgv(fanouts, t.Artifacts, leaf.Command)
	}

	r.resources(&leaf, t)
	r.retry(&leaf, t)
	r.taskOptions(&leaf, t)

	for _, in := range c.inputs {
		leaf.Inputs = append(leaf.Inputs, in.Key)
		dt.Args = append(dt.Args, in)
	}
	if wrapped(t) {
		if t.When.UsesEach() {
			// The wrapper's node is one dag node: it cannot carry the
			// per-item skips that its dependents' guards read.
			r.unsupported("a per-instance when together with max_parallel", t,
				fmt.Sprintf("Argo runs task %q inside a dag template that carries its max_parallel, whose node cannot report which items its when skipped. Drop max_parallel (or raise it to the number of instances, %d), or make the when the same for every item.", t.Name, len(t.ForEach.Items)))
		}
		if t.IsDynamic() {
			dt.Args = append(dt.Args, kv{sourceInput, "{{=toBase64(" + r.refExpr(t.ForEach.Source) + ")}}"})
		}
		dt = wrap(t, &leaf, dt, c.itemArgs)
	}
	if t.Final {
		s.ExitTasks = append(s.ExitTasks, dt)
	} else {
		s.Tasks = append(s.Tasks, dt)
	}
	s.Templates = append(s.Templates, leaf)
}

// wrapped reports whether t runs inside a dag template of its own that
// carries max_parallel as parallelism. A cap of at least the number of
// items cannot bind, so such a task is rendered as any other.
func wrapped(t *ir.Task) bool {
	f := t.ForEach
	return f != nil && f.MaxParallel > 0 && (f.Source != nil || f.MaxParallel < len(f.Items))
}

// wrap moves the withItems loop of dag task dt into a dag template of its
// own with parallelism (Argo's parallelism is a template field, so a task
// of the entrypoint dag cannot carry it) and returns the task that calls
// it. The calling task keeps the name, depends and when, so other tasks
// read it as before; the wrapper's node is a dag, not a TaskGroup (see
// skippedByWhen and anyIn in expr.go). The wrapper passes the leaf's
// inputs through, except the each fields that withItems supplies, and
// publishes the loop's aggregated outputs under the same names. Its name
// has upper-case letters, which no task's DNS-1123 name has, so it never
// collides with a task's template.
func wrap(t *ir.Task, leaf *leafView, dt dagTaskView, itemArgs map[string]bool) dagTaskView {
	w := &wrapperView{Name: leaf.Name + "-MaxParallel", Parallelism: t.ForEach.MaxParallel}
	inner := dagTaskView{Name: dt.Name, Template: leaf.Name, Items: dt.Items, WithParam: dt.WithParam}
	outer := dagTaskView{Name: dt.Name, Template: w.Name, Depends: dt.Depends, When: dt.When}
	for _, a := range dt.Args {
		if itemArgs[a.Key] {
			inner.Args = append(inner.Args, a)
			continue
		}
		if a.Key == sourceInput {
			w.Inputs = append(w.Inputs, a.Key)
			outer.Args = append(outer.Args, a)
			continue
		}
		w.Inputs = append(w.Inputs, a.Key)
		inner.Args = append(inner.Args, kv{a.Key, "{{inputs.parameters." + a.Key + "}}"})
		outer.Args = append(outer.Args, a)
	}
	for _, o := range leaf.Outputs {
		w.Outputs = append(w.Outputs, kv{o.Key, "{{tasks." + dt.Name + ".outputs.parameters." + o.Key + "}}"})
	}
	w.Task = inner
	leaf.Wrapper = w
	return outer
}

func (r *renderer) resources(leaf *leafView, t *ir.Task) {
	res := t.Resources
	if res.CPU != "" {
		leaf.Requests = append(leaf.Requests, kv{"cpu", res.CPU})
	}
	if res.Memory != "" {
		leaf.Requests = append(leaf.Requests, kv{"memory", res.Memory})
	}
	if res.GPU > 0 {
		// Extended resources are set as limits; Kubernetes copies them to
		// requests.
		leaf.Limits = append(leaf.Limits, kv{"nvidia.com/gpu", strconv.Itoa(res.GPU)})
	}
}

func (r *renderer) retry(leaf *leafView, t *ir.Task) {
	rt := t.Retry
	if rt.Attempts <= 0 {
		return
	}
	rv := &retryView{Limit: rt.Attempts}
	if len(rt.OnExitCodes) > 0 {
		// retry { on_exit_codes }: Argo retries when both retryPolicy and
		// the expression hold. lastRetry.exitCode is a string ("-1" when the
		// container reported none), hence asInt.
		codes := make([]string, len(rt.OnExitCodes))
		for i, c := range rt.OnExitCodes {
			codes[i] = strconv.Itoa(c)
		}
		rv.Expression = "asInt(lastRetry.exitCode) in [" + strings.Join(codes, ", ") + "]"
	}
	if rt.Delay > 0 {
		rv.Duration = rt.Delay.String()
	}
	if rt.Backoff != 0 && rt.Backoff != 1 {
		switch {
		case rt.Backoff > math.MaxInt32:
			r.unsupported("a retry backoff above 2147483647", t, fmt.Sprintf("Argo's backoff factor is a 32-bit integer; backoff = %v is larger than %d. The delay saturates at max_delay (24h without one) after a retry or two anyway: use a smaller factor.", rt.Backoff, math.MaxInt32))
			return
		case rt.Backoff != math.Trunc(rt.Backoff) || rt.Backoff < 1:
			r.unsupported("a non-integer retry backoff", t, fmt.Sprintf("Argo's backoff factor is an integer; backoff = %v cannot be expressed. Use a whole number.", rt.Backoff))
			return
		}
		rv.Factor = strconv.FormatInt(int64(rt.Backoff), 10)
	}
	if c := rt.DelayCap(); c > 0 {
		// backoff.cap caps each delay like max_delay (and saturates a
		// growing delay at 24h without one, as on every engine);
		// backoff.maxDuration would instead stop retrying after that much
		// time.
		rv.Cap = c.String()
	}
	if rv.Duration == "" && (rv.Factor != "" || rv.Cap != "") {
		rv.Duration = "1s"
	}
	leaf.Retry = rv
}

// taskOptions renders the task's argo settings where they differ from the
// Workflow's. Settings of the whole Workflow (namespace, image pull
// secrets, pod GC, TTL) cannot be set per task: Schema rejects them there.
func (r *renderer) taskOptions(leaf *leafView, t *ir.Task) {
	pa, ta := r.opts.Run, r.opts.Task(t)
	if ta.ServiceAccount != pa.ServiceAccount {
		leaf.ServiceAccount = ta.ServiceAccount
	}
	if !reflect.DeepEqual(ta.NodeSelector, pa.NodeSelector) {
		leaf.NodeSelector = sortedKV(ta.NodeSelector)
	}
	if !reflect.DeepEqual(ta.Tolerations, pa.Tolerations) {
		leaf.Tolerations = tolerations(ta.Tolerations)
	}
	if !reflect.DeepEqual(ta.Labels, pa.Labels) {
		leaf.Labels = sortedKV(ta.Labels)
	}
	if !reflect.DeepEqual(ta.Annotations, pa.Annotations) {
		leaf.Annotations = sortedKV(ta.Annotations)
	}
	for _, l := range append(append([]kv{}, leaf.Labels...), leaf.Annotations...) {
		if hazard(l.Key) || hazard(l.Value) {
			r.unsupported("\"{{\" in a pod label or annotation", t, "Argo would substitute it.")
		}
	}
}
