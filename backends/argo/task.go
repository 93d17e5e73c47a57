package argo

import (
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/dagc-dev/dagc/ir"
)

// taskCtx collects what one task's leaf template needs from the dag.
type taskCtx struct {
	r *renderer
	t *ir.Task
	// inputs are the template's input parameters, in order, with the dag
	// task argument that feeds each.
	inputs []kv
	seen   map[string]bool
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
		case ir.RefRunDate:
			out = append(out,
				segment{tag: "{{workflow.creationTimestamp.Y}}"}, segment{lit: "-"},
				segment{tag: "{{workflow.creationTimestamp.m}}"}, segment{lit: "-"},
				segment{tag: "{{workflow.creationTimestamp.d}}"})
		case ir.RefOutput:
			producer := c.r.taskName[p.Ref.Task]
			name := producer + "_" + p.Ref.Name
			c.addInput(name, "{{tasks."+producer+".outputs.parameters."+p.Ref.Name+"}}")
			out = append(out, segment{tag: "{{inputs.parameters." + name + "}}"})
		}
	}
	return out
}

// instanceWords is one instance's argv and environment, cut into pieces.
type instanceWords struct {
	argv    []word
	env     []envWord
	image   string
	workdir string
}

func (c *taskCtx) instanceWords(in *ir.Instance) instanceWords {
	iw := instanceWords{image: in.Image, workdir: in.Workdir}
	for _, a := range in.Argv() {
		iw.argv = append(iw.argv, cutWord(c.segs(a)))
	}
	for _, e := range in.Env {
		iw.env = append(iw.env, envWord{e.Name, cutWord(c.segs(e.Value))})
	}
	return iw
}

func sameWord(ws []word) bool {
	for _, w := range ws[1:] {
		if !reflect.DeepEqual(w, ws[0]) {
			return false
		}
	}
	return true
}

// task adds the dag task and the leaf template of t.
func (r *renderer) task(s *specView, t *ir.Task) {
	c := &taskCtx{r: r, t: t, seen: map[string]bool{}}
	name := r.taskName[t.Name]
	dt := dagTaskView{Name: name, Template: name, Depends: r.depends(t)}
	if t.When != nil {
		dt.When = r.whenExpr(t.When)
	}
	leaf := leafView{Name: name, ActiveDeadline: seconds(t.Timeout)}

	if len(t.Instances) == 0 {
		r.unsupported("for_each over an empty collection", t, "Argo skips a task whose withItems is empty, while dagc would run its dependents; give for_each at least one element.")
		return
	}
	for _, in := range t.Instances {
		if in.Image == "" {
			r.errorf(t.Range, "Task has no image", "task %q has no image, which the argo backend needs to run it as a container; set image on the task or in defaults.", t.Name)
			return
		}
		if hazard(in.Image) || hazard(in.Workdir) {
			r.unsupported("\"{{\" in image or workdir", t, "Argo would read it as template syntax.")
			return
		}
		for _, e := range in.Env {
			if e.Name == "DAGC_OUTPUTS" && len(t.Outputs) > 0 {
				r.errorf(t.Range, "DAGC_OUTPUTS is reserved", "task %q sets DAGC_OUTPUTS, which dagc sets to the directory its outputs are written to.", t.Name)
				return
			}
		}
	}

	// Build the template's words; for_each instances share one template and
	// what differs between them becomes withItems fields.
	var argv []word
	var env []envWord
	if !t.ForEach {
		iw := c.instanceWords(t.Instances[0])
		argv, env, leaf.Image, leaf.Workdir = iw.argv, iw.env, iw.image, iw.workdir
	} else if !c.forEachWords(&dt, &leaf, &argv, &env) {
		return
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

	for _, o := range t.Outputs {
		if !isParamName(o) {
			r.errorf(t.Range, "Output name not valid in Argo", "output %q of task %q: Argo parameter names are letters, digits, '-' and '_'.", o, t.Name)
			continue
		}
		leaf.Outputs = append(leaf.Outputs, kv{o, outputsDir + "/" + o})
	}
	if len(t.Outputs) > 0 {
		leaf.Env = append(leaf.Env, kv{"DAGC_OUTPUTS", outputsDir})
		s.OutputsVolume = true
	}

	r.resources(&leaf, t)
	r.retry(&leaf, t)
	r.taskOptions(&leaf, t)

	for _, in := range c.inputs {
		leaf.Inputs = append(leaf.Inputs, in.Key)
		dt.Args = append(dt.Args, in)
	}
	s.Tasks = append(s.Tasks, dt)
	s.Templates = append(s.Templates, leaf)
}

// forEachWords lines the instances of a for_each task up into one template:
// parts equal in every instance stay in the template, parts that differ
// become fields of withItems passed in as input parameters.
func (c *taskCtx) forEachWords(dt *dagTaskView, leaf *leafView, argv *[]word, env *[]envWord) bool {
	r, t := c.r, c.t
	insts := make([]instanceWords, len(t.Instances))
	for i, in := range t.Instances {
		insts[i] = c.instanceWords(in)
	}
	items := make([][]kv, len(insts))
	field := 0
	newField := func(values []string) string {
		field++
		name := "each-" + strconv.Itoa(field)
		for i, v := range values {
			items[i] = append(items[i], kv{name, v})
		}
		c.addInput(name, "{{item."+name+"}}")
		return "{{inputs.parameters." + name + "}}"
	}
	fail := func(what string) bool {
		r.unsupported("for_each instances that differ in "+what, t, "The instances of a for_each task share one Argo template; they may differ only in literal text, not in the number of arguments, environment names or run-time references.")
		return false
	}
	// lineUp returns the template word for one argv element or environment
	// value given its segments in every instance. A word equal in all
	// instances stays as it is. Otherwise the instances must share the same
	// run-time references in the same places; each literal stretch between
	// them is cut into pieces, padded with empty pieces to the longest
	// instance, and every piece that differs becomes a withItems field.
	lineUp := func(segs [][]segment) (word, bool) {
		ws := make([]word, len(segs))
		for i := range segs {
			ws[i] = cutWord(segs[i])
		}
		if sameWord(ws) {
			return ws[0], true
		}
		chunks := make([][]segment, len(segs))
		for i := range segs {
			chunks[i] = mergeLiterals(segs[i])
			if len(chunks[i]) != len(chunks[0]) {
				return nil, false
			}
		}
		var out word
		for k := range chunks[0] {
			if chunks[0][k].tag != "" {
				for i := range chunks {
					if chunks[i][k] != chunks[0][k] {
						return nil, false
					}
				}
				out = append(out, piece{text: chunks[0][k].tag, hasRef: true})
				continue
			}
			cut := make([]word, len(chunks))
			n := 0
			for i := range chunks {
				if chunks[i][k].tag != "" {
					return nil, false
				}
				cut[i] = cutWord(chunks[i][k : k+1])
				n = max(n, len(cut[i]))
			}
			for j := 0; j < n; j++ {
				vals := make([]string, len(cut))
				same := true
				for i := range cut {
					if j < len(cut[i]) {
						vals[i] = cut[i][j].text
					}
					same = same && vals[i] == vals[0]
				}
				if same {
					out = append(out, piece{text: vals[0]})
				} else {
					out = append(out, piece{text: newField(vals)})
				}
			}
		}
		return out, true
	}

	first := insts[0]
	for _, iw := range insts[1:] {
		if len(iw.argv) != len(first.argv) {
			return fail("the number of arguments")
		}
		if len(iw.env) != len(first.env) {
			return fail("environment variable names")
		}
		for j := range iw.env {
			if iw.env[j].name != first.env[j].name {
				return fail("environment variable names")
			}
		}
	}
	for j := range first.argv {
		segs := make([][]segment, len(t.Instances))
		for i, in := range t.Instances {
			segs[i] = c.segs(in.Argv()[j])
		}
		w, ok := lineUp(segs)
		if !ok {
			return fail("a run-time reference in argument " + strconv.Itoa(j+1))
		}
		*argv = append(*argv, w)
	}
	for j := range first.env {
		segs := make([][]segment, len(t.Instances))
		for i, in := range t.Instances {
			segs[i] = c.segs(in.Env[j].Value)
		}
		w, ok := lineUp(segs)
		if !ok {
			return fail("a run-time reference in environment variable " + first.env[j].name)
		}
		*env = append(*env, envWord{first.env[j].name, w})
	}
	scalar := func(get func(iw instanceWords) string) string {
		vals := make([]string, len(insts))
		same := true
		for i, iw := range insts {
			vals[i] = get(iw)
			same = same && vals[i] == vals[0]
		}
		if same {
			return vals[0]
		}
		return newField(vals)
	}
	leaf.Image = scalar(func(iw instanceWords) string { return iw.image })
	leaf.Workdir = scalar(func(iw instanceWords) string { return iw.workdir })
	dt.Items = items
	if field == 0 {
		// Identical instances still run once per element: withItems needs a
		// list, so each item carries its key.
		for i, in := range t.Instances {
			dt.Items[i] = []kv{{"key", in.Key}}
		}
	}
	return true
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

// mergeLiterals lays a string out as literal, tag, literal, ..., literal
// (literals possibly empty), so that two strings with the same tags in the
// same places have the same shape.
func mergeLiterals(segs []segment) []segment {
	out := []segment{{}}
	for _, sg := range segs {
		if sg.tag == "" {
			out[len(out)-1].lit += sg.lit
			continue
		}
		out = append(out, sg, segment{})
	}
	return out
}
