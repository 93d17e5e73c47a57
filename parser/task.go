package parser

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/dagc-dev/dagc/ir"
)

var taskSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "command"}, {Name: "script"}, {Name: "shell"}, {Name: "image"}, {Name: "env"},
		{Name: "workdir"}, {Name: "depends_on"}, {Name: "for_each"}, {Name: "retries"},
		{Name: "timeout"}, {Name: "outputs"}, {Name: "when"}, {Name: "trigger"},
		{Name: "max_parallel"},
		{Name: "allow_failure"},
		{Name: "final"},
		{Name: "artifacts"}, {Name: "inputs"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "retry"}, {Type: "resources"},
	},
}

// notInDefaults are task attributes that only make sense on one task.
var notInDefaults = map[string]string{
	"command":    "each task runs its own command",
	"script":     "each task runs its own script",
	"depends_on": "a dependency of every task would include the task itself",
	"for_each":   "fan-out is decided per task",
	"outputs":    "outputs are published by one task",
	"when":       "conditions are decided per task",
	// A default would make every failure tolerated, and the run could
	// never fail.
	"allow_failure": "whether a failure fails the run is decided per task",
	"final":         "an exit handler is chosen per task",
	"artifacts":     "artifacts are written by one task",
	"inputs":        "each task names the artifacts it reads",
}

var retrySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "attempts"}, {Name: "delay"}, {Name: "backoff"}, {Name: "max_delay"}, {Name: "on_exit_codes"}},
}

var resourcesSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "cpu"}, {Name: "memory"}, {Name: "gpu"}},
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// retrySpec is a retry setting with each field optional, so the defaults
// block and the task can be merged field by field.
type retrySpec struct {
	attempts *int
	delay    *time.Duration
	backoff  *float64
	maxDelay *time.Duration
	// onExitCodes is nil when not given; codesAt is where it was written.
	onExitCodes []int
	codesAt     *hcl.Range
}

func (r retrySpec) over(base retrySpec) retrySpec {
	if r.attempts == nil {
		r.attempts = base.attempts
	}
	if r.delay == nil {
		r.delay = base.delay
	}
	if r.backoff == nil {
		r.backoff = base.backoff
	}
	if r.maxDelay == nil {
		r.maxDelay = base.maxDelay
	}
	if r.onExitCodes == nil {
		r.onExitCodes, r.codesAt = base.onExitCodes, base.codesAt
	}
	return r
}

func (r retrySpec) final() ir.Retry {
	out := ir.Retry{Backoff: 1}
	if r.attempts != nil {
		out.Attempts = *r.attempts
	}
	if r.delay != nil {
		out.Delay = *r.delay
	} else if out.Attempts > 0 {
		out.Delay = time.Second
	}
	if r.backoff != nil {
		out.Backoff = *r.backoff
	}
	if r.maxDelay != nil {
		out.MaxDelay = *r.maxDelay
	}
	if len(r.onExitCodes) > 0 {
		out.OnExitCodes = r.onExitCodes
	}
	return out
}

// taskDefaults is the decoded `defaults` block plus the pipeline's
// per-backend blocks, merged under every task.
type taskDefaults struct {
	image, workdir *string
	shell          []string
	env            map[string]ir.Str
	retry          retrySpec
	timeout        *time.Duration
	resources      ir.Resources
	trigger        ir.Trigger
	// maxParallel applies to the for_each tasks only (0 = not set).
	maxParallel int
	// settings are the backend blocks of defaults, kept for the pipeline.
	settings []*ir.Settings
}

func (c *compiler) decodeDefaults(b *hcl.Block) {
	content, ds := b.Body.Content(c.schemaFor(taskSchema, c.taskSchemaB, b.Body))
	c.addDiags(ds)
	for _, a := range sortedContentAttrs(content.Attributes) {
		if why, bad := notInDefaults[a.Name]; bad {
			c.errorf(a.NameRange, "Attribute not allowed in defaults", "%q cannot be set in defaults: %s. Set it on the task.", a.Name, why)
			delete(content.Attributes, a.Name)
		}
	}
	d := c.defaults
	sc := scopeCompileTime
	sc.eachReason = "defaults apply to every task and are evaluated once, so they cannot use each.key or each.value."
	if s, ok := c.attrString(content, "image", c.ctx, sc); ok {
		d.image = &s
	}
	if s, ok := c.attrString(content, "workdir", c.ctx, sc); ok {
		c.checkPlain(content.Attributes["workdir"], "workdir", s)
		d.workdir = &s
	}
	if l, ok := c.attrStringList(content, "shell", c.ctx, sc); ok {
		c.checkPlain(content.Attributes["shell"], "shell", l...)
		d.shell = c.checkShell(content.Attributes["shell"], l)
	}
	if a := content.Attributes["env"]; a != nil {
		rsc := sc
		rsc.runtime = true
		sink := &refSink{edges: map[string]hcl.Range{}, noOutputs: true}
		if m, ranges, ok := c.strMap(a.Expr, c.ctx, rsc, sink); ok {
			c.checkEnvNames(m, ranges)
			c.checkEnvValues(m, ranges)
			d.env = m
		}
	}
	if r, ok := c.decodeRetry(content, sc); ok {
		d.retry = r
	}
	if t, ok := c.attrDuration(content, "timeout", c.ctx, sc); ok {
		d.timeout = &t
	}
	if t, ok := c.decodeTrigger(content, sc); ok {
		d.trigger = t
	}
	if _, n, ok := c.decodeMaxParallel(content, sc); ok {
		d.maxParallel = n
	}
	blocks := c.singleBlocks(content, "defaults block")
	if rb := blocks["resources"]; rb != nil {
		d.resources = c.decodeResources(rb, ir.Resources{}, sc)
	}
	d.settings = c.backendBlocks(content, blocks, ir.LevelDefaults)
}

func (c *compiler) checkShell(a *hcl.Attribute, l []string) []string {
	if len(l) == 0 {
		c.errorf(a.Expr.Range(), "Empty shell", "shell must name a program, for example [\"bash\", \"-euo\", \"pipefail\", \"-c\"].")
		return nil
	}
	return l
}

func (c *compiler) checkEnvNames(m map[string]ir.Str, ranges map[string]hcl.Range) {
	for _, k := range sortedKeys(m) {
		switch {
		case !envNameRE.MatchString(k):
			c.errorf(ranges[k], "Invalid environment variable name", "%q is not a portable environment variable name: use letters, digits and underscores, not starting with a digit.", k)
			delete(m, k)
		case strings.HasPrefix(k, "DAGC_"):
			c.errorf(ranges[k], "Reserved environment variable name", "Names starting with DAGC_ are set by dagc itself (DAGC_OUTPUTS, …); choose another name for %q.", k)
			delete(m, k)
		}
	}
}

func (c *compiler) decodeTrigger(content *hcl.BodyContent, sc scope) (ir.Trigger, bool) {
	a, s, ok := c.attrStringR(content, "trigger", c.ctx, sc)
	if !ok {
		return "", false
	}
	if _, ok := ir.RuleOf(ir.Trigger(s)); !ok || s == "" {
		c.errorf(a.Expr.Range(), "Invalid trigger", "%q is not a trigger rule; use one of %s.%s", s, ir.TriggerNames(), ir.SuggestTrigger(s))
		return "", false
	}
	return ir.Trigger(s), true
}

// decodeMaxParallel reads max_parallel: a whole number of at least 1.
func (c *compiler) decodeMaxParallel(content *hcl.BodyContent, sc scope) (*hcl.Attribute, int, bool) {
	a, n, ok := c.attrIntR(content, "max_parallel", c.ctx, sc)
	if !ok {
		return a, 0, false
	}
	if n < 1 {
		c.errorf(a.Expr.Range(), "Invalid max_parallel", "max_parallel is how many instances of a for_each task may run at once: a whole number of at least 1, not %d. Remove it for no limit.", n)
		return a, 0, false
	}
	return a, n, true
}

// decodeRetry reads `retry {}` or `retries = N` (not both).
func (c *compiler) decodeRetry(content *hcl.BodyContent, sc scope) (retrySpec, bool) {
	var r retrySpec
	var block *hcl.Block
	for _, b := range content.Blocks {
		if b.Type == "retry" {
			if block != nil {
				c.errorf(b.DefRange, "Duplicate retry block", "Only one retry block is allowed; the first is at %s.", rangeString(block.DefRange))
				continue
			}
			block = b
		}
	}
	if a := content.Attributes["retries"]; a != nil {
		if block != nil {
			c.errorf(a.NameRange, "Conflicting retry settings", "Use either retries = N or a retry block (at %s), not both.", rangeString(block.DefRange))
			return r, false
		}
		if a, n, ok := c.attrIntR(content, "retries", c.ctx, sc); ok {
			if n < 0 {
				c.errorf(a.Expr.Range(), "Invalid retries", "retries is the number of attempts after the first and cannot be negative.")
				return r, false
			}
			r.attempts = &n
			return r, true
		}
		return r, false
	}
	if block == nil {
		return r, false
	}
	bc, ds := block.Body.Content(retrySchema)
	ok := c.addDiags(ds)
	if a, n, nok := c.attrIntR(bc, "attempts", c.ctx, sc); nok {
		if n < 0 {
			c.errorf(a.Expr.Range(), "Invalid retry attempts", "attempts is the number of attempts after the first and cannot be negative.")
			ok = false
		} else {
			r.attempts = &n
		}
	}
	if d, dok := c.attrDuration(bc, "delay", c.ctx, sc); dok {
		r.delay = &d
	}
	if a, f, fok := c.attrNumberR(bc, "backoff", c.ctx, sc); fok {
		x, _ := f.Float64()
		if x < 1 {
			c.errorf(a.Expr.Range(), "Invalid retry backoff", "backoff multiplies the delay after each retry and must be at least 1 (1 = constant delay).")
			ok = false
		} else {
			r.backoff = &x
		}
	}
	if d, dok := c.attrDuration(bc, "max_delay", c.ctx, sc); dok {
		r.maxDelay = &d
	}
	if a := bc.Attributes["on_exit_codes"]; a != nil {
		if codes, cok := c.exitCodes(a, sc); cok {
			rng := a.Expr.Range()
			r.onExitCodes, r.codesAt = codes, &rng
		} else {
			ok = false
		}
	}
	if r.delay != nil && r.maxDelay != nil && *r.maxDelay > 0 && *r.maxDelay < *r.delay {
		c.errorf(bc.Attributes["max_delay"].Expr.Range(), "Invalid retry max_delay", "max_delay (%s) is shorter than delay (%s).", *r.maxDelay, *r.delay)
		ok = false
	}
	return r, ok
}

// exitCodes reads on_exit_codes: a non-empty list of whole numbers 1–255,
// each once, returned sorted. A bad element is reported at the element
// when the list is written out.
func (c *compiler) exitCodes(a *hcl.Attribute, sc scope) ([]int, bool) {
	v, ok := c.evalCompileTime(a.Expr, c.ctx, sc)
	if !ok {
		return nil, false
	}
	ty := v.Type()
	if v.IsNull() || !(ty.IsListType() || ty.IsTupleType() || ty.IsSetType()) {
		c.errorf(a.Expr.Range(), "Invalid retry on_exit_codes", "on_exit_codes is a list of exit codes, such as [1, 75]; not %s.", typeName(v))
		return nil, false
	}
	if v.LengthInt() == 0 {
		c.errorf(a.Expr.Range(), "Invalid retry on_exit_codes", "on_exit_codes is empty, so no failure would be retried; list the exit codes to retry, or set attempts = 0.")
		return nil, false
	}
	var elems []hclsyntax.Expression
	if tuple, isTuple := a.Expr.(*hclsyntax.TupleConsExpr); isTuple && !ty.IsSetType() {
		elems = tuple.Exprs
	}
	at := func(i int) hcl.Range {
		if i < len(elems) {
			return elems[i].Range()
		}
		return a.Expr.Range()
	}
	seen := map[int]hcl.Range{}
	var codes []int
	ok = true
	i := 0
	for it := v.ElementIterator(); it.Next(); i++ {
		_, ev := it.Element()
		n, err := toNumber(ev)
		code, exact := 0, false
		if err == nil {
			i64, acc := n.Int64()
			code, exact = int(i64), acc == big.Exact && i64 >= 1 && i64 <= ir.MaxExitCode
		}
		if !exact {
			what := typeName(ev)
			if err == nil {
				what = canonicalNumber(n)
			} else if ev.Type() == cty.String && !ev.IsNull() {
				what = strconv.Quote(ev.AsString())
			}
			c.errorf(at(i), "Invalid retry on_exit_codes", "An exit code that fails a task is a whole number from 1 to %d; %s is not.", ir.MaxExitCode, what)
			ok = false
			continue
		}
		if prev, dup := seen[code]; dup {
			c.errorf(at(i), "Invalid retry on_exit_codes", "Exit code %d is listed twice; the first is at %s.", code, rangeString(prev))
			ok = false
			continue
		}
		seen[code] = at(i)
		codes = append(codes, code)
	}
	sort.Ints(codes)
	return codes, ok
}

func (c *compiler) decodeResources(b *hcl.Block, base ir.Resources, sc scope) ir.Resources {
	content, ds := b.Body.Content(resourcesSchema)
	c.addDiags(ds)
	quantity := func(name string) (string, bool) {
		a, v, ok := c.attrValue(content, name, c.ctx, sc)
		if !ok {
			return "", false
		}
		var s string
		if v.Type() == cty.Number {
			s = canonicalNumber(v.AsBigFloat())
		} else {
			var err error
			if s, err = toString(v); err != nil {
				c.typeError(a, err)
				return "", false
			}
		}
		if !ir.ValidQuantity(s) {
			c.errorf(a.Expr.Range(), "Invalid resource quantity", "%s = %q is not a Kubernetes quantity such as \"2\", \"500m\" or \"4Gi\".", name, s)
			return "", false
		}
		return s, true
	}
	if s, ok := quantity("cpu"); ok {
		base.CPU = s
	}
	if s, ok := quantity("memory"); ok {
		base.Memory = s
	}
	if a, n, ok := c.attrIntR(content, "gpu", c.ctx, sc); ok {
		if n < 0 {
			c.errorf(a.Expr.Range(), "Invalid resource quantity", "gpu cannot be negative.")
		} else {
			base.GPU = n
		}
	}
	return base
}

// ---- tasks ----

type taskDecl struct {
	name         string
	block        *hclsyntax.Block
	content      *hcl.BodyContent
	outputs      []string
	outputRanges []ir.Range
	outputsOK    bool
	// artifacts are declared like outputs; inputs refer to them.
	artifacts      []string
	artifactRanges []ir.Range
	artifactsOK    bool
	forEach        bool
	// final is `final = true`: known before any task compiles, so that
	// references to run.status and dependencies on the task can be judged.
	final bool
}

// decodeTaskBody decodes a task block's body and its outputs: the part of
// declaring a task that needs no other task, run in parallel across blocks
// (nil for a block without exactly one label).
func (c *compiler) decodeTaskBody(b *hclsyntax.Block) *taskDecl {
	if len(b.Labels) != 1 {
		return nil
	}
	content, ds := bodyContent(b.Body, c.schemaFor(taskSchema, c.taskSchemaB, b.Body))
	c.addDiags(ds)
	d := &taskDecl{name: b.Labels[0], block: b, content: content, forEach: content.Attributes["for_each"] != nil}
	if f, ok := c.attrBool(content, "final", c.ctx, onceScope("final", d.forEach)); ok {
		d.final = f
	}
	d.outputs, d.outputRanges, d.outputsOK = c.declaredNames(content, "outputs", "output", d.forEach)
	d.artifacts, d.artifactRanges, d.artifactsOK = c.declaredNames(content, "artifacts", "artifact", d.forEach)
	return d
}

// declaredNames decodes a list of names a task publishes (outputs,
// artifacts): each becomes a file name, an XCom key and an Argo parameter
// or artifact name. ok is false when the attribute itself is in error, so
// references to its names are not reported again.
func (c *compiler) declaredNames(content *hcl.BodyContent, attr, kind string, forEach bool) (names []string, ranges []ir.Range, ok bool) {
	a := content.Attributes[attr]
	if a == nil {
		return nil, nil, true
	}
	l, ok := c.attrStringList(content, attr, c.ctx, onceScope(attr, forEach))
	if !ok {
		return nil, nil, false
	}
	seen := map[string]bool{}
	// The element ranges of a literal list, else the attribute's.
	elems := []hclsyntax.Expression(nil)
	if tup, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok && len(tup.Exprs) == len(l) {
		elems = tup.Exprs
	}
	for i, o := range l {
		at := a.Expr.Range()
		if elems != nil {
			at = elems[i].Range()
		}
		switch {
		case !ir.ValidOutputName(o):
			becomes := map[string]string{"output": "a file name, an XCom key and an Argo parameter", "artifact": "a file name, a storage key and an Argo artifact name"}[kind]
			c.errorf(at, "Invalid "+kind+" name", "An %s name must start with a letter or underscore and hold only letters, digits and underscores (it becomes %s), at most %d characters; %q does not.", kind, becomes, ir.MaxNameLen, o)
		case seen[o]:
			c.errorf(at, "Duplicate "+kind, "The %s %q is listed twice.", kind, o)
		default:
			seen[o] = true
			names = append(names, o)
			ranges = append(ranges, toRange(at))
		}
	}
	return names, ranges, true
}

// declareTask registers a task decoded by decodeTaskBody, whose
// diagnostics (bodyDiags) count only for a task that is not a duplicate.
func (c *compiler) declareTask(b *hclsyntax.Block, d *taskDecl, bodyDiags hcl.Diagnostics) {
	if d == nil {
		return
	}
	name := d.name
	if !ir.ValidName(name) {
		c.errorf(b.LabelRanges[0], "Invalid task name", "A task name must start with a letter or underscore and hold only letters, digits, underscores and dashes, at most %d characters; %q does not.", ir.MaxNameLen, name)
	}
	if prev, dup := c.tasks[name]; dup {
		c.errorf(b.LabelRanges[0], "Duplicate task", "A task named %q is already declared at %s.", name, rangeString(prev.block.LabelRanges[0]))
		return
	}
	c.diags = append(c.diags, bodyDiags...)
	c.tasks[name] = d
	c.taskOrder = append(c.taskOrder, name)
}

// instanceKey is one element of a for_each.
type instanceKey struct {
	key   string
	value cty.Value
}

func (c *compiler) forEachKeys(a *hcl.Attribute) ([]instanceKey, bool) {
	sc := scopeCompileTime
	sc.eachReason = "for_each decides the instances, so it cannot use each itself."
	sc.runtimeReason = "a for_each over a run-time value takes it whole: task.NAME.outputs.NAME or param.NAME of type list(string), and any function of it is evaluated at compile time."
	v, ok := c.evalCompileTime(a.Expr, c.ctx, sc)
	if !ok {
		return nil, false
	}
	if v.IsNull() {
		c.errorf(a.Expr.Range(), "Invalid for_each", "for_each must be a list, set or map, not null.")
		return nil, false
	}
	ty := v.Type()
	var keys []instanceKey
	switch {
	case ty.IsListType() || ty.IsTupleType():
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, ev := it.Element()
			keys = append(keys, instanceKey{strconv.Itoa(i), ev})
		}
	case ty.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if !ev.Type().IsPrimitiveType() || ev.IsNull() {
				c.errorf(a.Expr.Range(), "Invalid for_each", "The elements of a for_each set become instance keys, so they must be strings or numbers, not %s.", typeName(ev))
				return nil, false
			}
			k, _ := toString(ev)
			keys = append(keys, instanceKey{k, ev})
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].key < keys[j].key })
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			keys = append(keys, instanceKey{k.AsString(), ev})
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].key < keys[j].key })
	default:
		c.errorf(a.Expr.Range(), "Invalid for_each", "for_each must be a list, set or map, not %s.", typeName(v))
		return nil, false
	}
	if len(keys) == 0 {
		c.errorf(a.Expr.Range(), "Empty for_each", "for_each has no elements, so the task would have no instance. Remove the task or give it at least one element.")
		return nil, false
	}
	return keys, true
}

// itemSource compiles for_each over a run-time value (DESIGN 2.5): a bare
// task.X.outputs.Y, which adds an edge, or param.P.
func (c *compiler) itemSource(a *hcl.Attribute, sink *refSink) (*ir.Ref, bool) {
	expr := a.Expr
	for {
		if w, ok := expr.(*hclsyntax.TemplateWrapExpr); ok {
			expr = w.Wrapped
			continue
		}
		if p, ok := expr.(*hclsyntax.ParenthesesExpr); ok {
			expr = p.Expression
			continue
		}
		break
	}
	x, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || (x.Traversal.RootName() != "task" && x.Traversal.RootName() != "param") {
		c.errorf(a.Expr.Range(), "Invalid for_each", "A run-time for_each is a whole reference: task.NAME.outputs.NAME (a JSON array) or param.NAME of type list(string), not %s.", c.source(a.Expr.Range()))
		return nil, false
	}
	return c.runtimeRef(x.Traversal, sink)
}

// instanceValueText renders each.value: a string as is, anything else as
// JSON.
func instanceValueText(v cty.Value) string {
	if v.Type() == cty.String && !v.IsNull() {
		return v.AsString()
	}
	if v.Type() == cty.Number && !v.IsNull() {
		return canonicalNumber(v.AsBigFloat())
	}
	data, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return ""
	}
	return string(data)
}

func (c *compiler) compileTask(d *taskDecl, pipe *ir.Pipeline) *ir.Task {
	content := d.content
	t := &ir.Task{Name: d.name, Outputs: d.outputs, OutputRanges: d.outputRanges, Artifacts: d.artifacts, ArtifactRanges: d.artifactRanges, Range: toRange(d.block.DefRange())}
	sink := &refSink{self: d.name, edges: map[string]hcl.Range{}, final: d.final}
	once := func(attr string) scope { return onceScope(attr, d.forEach) }
	defs := c.defaults
	t.Final = d.final
	if d.final {
		c.checkFinal(d)
	}

	// depends_on
	if a := content.Attributes["depends_on"]; a != nil && !d.final {
		c.dependsOn(a, sink)
	}

	if a := content.Attributes["inputs"]; a != nil {
		t.Inputs = c.decodeInputs(d, a, sink)
	}

	// for_each
	var ec *eachCtx
	forEachOK := true
	if a := content.Attributes["for_each"]; a != nil {
		if hasRuntime(a.Expr) && !d.final {
			if src, ok := c.itemSource(a, sink); ok {
				ec = newDynamicEachCtx(src)
			} else {
				forEachOK = false
			}
		} else if k, ok := c.forEachKeys(a); ok {
			ec = c.newEachCtx(k)
		} else {
			forEachOK = false
		}
	}

	if defs.trigger != "" {
		t.Trigger = defs.trigger
	}
	if tr, ok := c.decodeTrigger(content, once("trigger")); ok {
		t.Trigger = tr
	}
	if b, ok := c.attrBool(content, "allow_failure", c.ctx, once("allow_failure")); ok {
		t.AllowFailure = b
	}
	if d.final {
		t.Trigger = ir.AllDone // every other task, whatever its state
	}
	if defs.timeout != nil {
		t.Timeout = *defs.timeout
	}
	if to, ok := c.attrDuration(content, "timeout", c.ctx, once("timeout")); ok {
		t.Timeout = to
	}
	r, _ := c.decodeRetry(content, once("retry"))
	merged := r.over(defs.retry)
	t.Retry = merged.final()
	if merged.codesAt != nil && t.Retry.Attempts == 0 {
		c.warnf(*merged.codesAt, "on_exit_codes has no effect", "Task %q makes no retry attempts, so on_exit_codes retries nothing. Set attempts (or retries), or remove on_exit_codes.", d.name)
	}

	var blocks map[string]*hcl.Block
	if len(content.Blocks) > 0 {
		blocks = c.singleBlocks(content, "task")
	}
	t.Resources = defs.resources
	if b := blocks["resources"]; b != nil {
		t.Resources = c.decodeResources(b, defs.resources, once("resources"))
	}
	t.Settings = c.backendBlocks(content, blocks, ir.LevelTask)

	// when applies per instance (DESIGN 2.5): on a for_each task it may use
	// each, which stays a reference. When for_each itself failed, a when
	// over each is not compiled: it would only repeat that error.
	if a := content.Attributes["when"]; a != nil && (forEachOK || !usesEach(a.Expr)) {
		sc := once("when")
		sc.runtime = true
		sc.plainTask = d.name
		if ec != nil {
			sc.each, sc.eachReason, sc.items = true, "", ec
		}
		if cond, ok := c.compileCond(a.Expr, c.ctx, sc, sink); ok {
			t.When = cond
		}
	}

	cmdAttr, scriptAttr := content.Attributes["command"], content.Attributes["script"]
	switch {
	case cmdAttr != nil && scriptAttr != nil:
		second := scriptAttr
		if scriptAttr.Range.Start.Byte < cmdAttr.Range.Start.Byte {
			second = cmdAttr
		}
		c.errorf(second.NameRange, "Conflicting command and script", "A task runs either a command (a list, exec form) or a script (a string run by shell), not both.")
	case cmdAttr == nil && scriptAttr == nil:
		c.errorf(d.block.DefRange(), "Missing command or script", "Task %q needs a command (a list, exec form) or a script (a string run by shell).", d.name)
	}

	if forEachOK {
		t.Run = c.compileTemplate(d, ec, sink)
		if ec != nil {
			t.ForEach = ec.forEach(content.Attributes["for_each"].Expr.Range())
			if ec.source == nil {
				c.checkItemValues(t, cmdAttr, scriptAttr)
			}
		}
	} else {
		t.ForEach = &ir.ForEach{Range: toRange(content.Attributes["for_each"].Expr.Range())}
	}
	// max_parallel caps a fan-out; a default one applies to the for_each
	// tasks only.
	if a, n, ok := c.decodeMaxParallel(content, once("max_parallel")); ok && t.ForEach == nil {
		c.errorf(a.NameRange, "max_parallel applies to a for_each task", "Task %q has no for_each, so it runs one instance and max_parallel = %d has no meaning. Remove it, or add for_each.", d.name, n)
	} else if t.ForEach != nil {
		t.ForEach.MaxParallel = defs.maxParallel
		if ok {
			t.ForEach.MaxParallel = n
		}
	}

	// Upstream tasks, sorted, with the range that caused each edge. A
	// final task has none of its own (checkFinal).
	if d.final {
		for _, from := range sortedKeys(sink.edges) {
			c.errorf(sink.edges[from], "Output reference in a final task", "Task %q is final: it runs once every other task has ended, whatever their states, so it cannot read an output of task %q, which may not exist. A final task may read run.status and run.failed_tasks.", d.name, from)
		}
		sink.edges = nil
	}
	if n := len(sink.edges); n > 0 {
		t.Edges = make([]ir.Edge, 0, n)
	}
	for _, from := range sortedKeys(sink.edges) {
		t.Edges = append(t.Edges, ir.Edge{From: from, Range: toRange(sink.edges[from])})
	}
	// A task without upstream runs whatever its trigger (DESIGN 2.4). Only
	// the task's own attribute is reported (one from defaults is meant for
	// the tasks that have upstream), and not when depends_on is written but
	// gave no edge: that has its own error.
	if a := content.Attributes["trigger"]; a != nil && !d.final && len(t.Edges) == 0 && t.Trigger != ir.AllSuccess && content.Attributes["depends_on"] == nil {
		c.warnf(a.Range, "Trigger has no effect", "Task %q has no upstream task, so it runs whatever its trigger; trigger = %q has no effect. Add depends_on, or remove the trigger.", d.name, t.Trigger)
	}
	return t
}

// checkFinal reports what a final task cannot have (DESIGN 2.1): it
// waits for every task that is not final, whatever their states, so it has
// no depends_on and no trigger of its own, and it runs once per run, so it
// has no for_each.
func (c *compiler) checkFinal(d *taskDecl) {
	if a := d.content.Attributes["depends_on"]; a != nil {
		c.errorf(a.Expr.Range(), "depends_on in a final task", "Task %q is final: it already waits for every task that is not final, whatever their states. Remove depends_on.", d.name)
	}
	if a := d.content.Attributes["trigger"]; a != nil {
		c.errorf(a.Expr.Range(), "trigger in a final task", "Task %q is final: it runs once every other task has ended, whatever their states (as all_done). Remove the trigger, or use when = run.status == \"failed\" to run it only after a failure.", d.name)
	}
	if a := d.content.Attributes["for_each"]; a != nil {
		c.errorf(a.Expr.Range(), "for_each in a final task", "Task %q is final: an exit handler runs once per run, so it cannot have for_each.", d.name)
	}
}

// checkFinalDeps reports every edge to a final task: a final task runs
// after every other task, so nothing can wait for it.
func (c *compiler) checkFinalDeps(pipe *ir.Pipeline) {
	for _, t := range pipe.Tasks {
		for _, e := range t.Edges {
			if d := c.tasks[e.From]; d != nil && d.final {
				c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Dependency on a final task",
					Detail:  fmt.Sprintf("Task %q depends on task %q, which is final: a final task runs after every other task has ended, so no task can wait for it or read its outputs.", t.Name, e.From),
					Subject: fromRange(e.Range)})
			}
		}
	}
}

func (c *compiler) dependsOn(a *hcl.Attribute, sink *refSink) {
	// The usual [task.a, task.b] is read straight from the syntax tree;
	// hcl.ExprList and hcl.AbsTraversalForExpr give the same elements and
	// traversals for it, with copies.
	var exprs []hcl.Expression
	if tuple, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok {
		exprs = make([]hcl.Expression, len(tuple.Exprs))
		for i, e := range tuple.Exprs {
			exprs[i] = e
		}
	} else {
		var ds hcl.Diagnostics
		exprs, ds = hcl.ExprList(a.Expr)
		if !c.addDiags(ds) {
			return
		}
	}
	for _, e := range exprs {
		var tr hcl.Traversal
		var tds hcl.Diagnostics
		if st, ok := e.(*hclsyntax.ScopeTraversalExpr); ok && st.Traversal != nil {
			tr = st.Traversal
		} else {
			tr, tds = hcl.AbsTraversalForExpr(e)
		}
		if tds.HasErrors() || tr.RootName() != "task" || len(tr) != 2 {
			c.errorf(e.Range(), "Invalid depends_on element", "depends_on lists tasks as task.NAME (a reference, not a string).")
			continue
		}
		attr, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			c.errorf(e.Range(), "Invalid depends_on element", "depends_on lists tasks as task.NAME; a task with for_each is waited for as a whole, so it cannot be indexed.")
			continue
		}
		if c.tasks[attr.Name] == nil {
			c.errorf(e.Range(), "Reference to undeclared task", "No task %q is declared in this pipeline.%s", attr.Name, didYouMean(attr.Name, c.taskOrder))
			continue
		}
		sink.add(attr.Name, e.Range())
	}
}

// compileTemplate compiles what the task runs: once, for every instance
// (ec is nil for a task without for_each).
func (c *compiler) compileTemplate(d *taskDecl, ec *eachCtx, sink *refSink) ir.Template {
	content := d.content
	defs := c.defaults
	var tp ir.Template
	sc := scopeCompileTime
	sc.eachReason, sc.plainTask = "", d.name
	sc.each = ec != nil
	sc.runtimeReason = "this attribute is evaluated at compile time. Run-time references may appear in a task's command, script, env and when."
	rsc := sc
	rsc.runtime = true

	if a := content.Attributes["command"]; a != nil {
		if l, ok := c.tmplList(a.Expr, ec, rsc, sink, "command"); ok {
			if len(l) == 0 {
				c.errorf(a.Expr.Range(), "Empty command", "command must name a program: a list such as [\"sh\", \"-c\", \"echo hi\"].")
			}
			c.checkCommand(a.Expr, l)
			tp.Command = l
		}
	} else if a := content.Attributes["script"]; a != nil {
		if s, ok := c.tmplStr(a.Expr, ec, rsc, sink); ok {
			c.checkScript(a.Expr, s)
			tp.Script = &s
		}
	}
	shell := []string{"sh", "-euc"}
	if defs.shell != nil {
		shell = defs.shell
	}
	tp.Shell = make([]ir.Str, len(shell))
	for i, s := range shell {
		tp.Shell[i] = ir.Lit(s)
	}
	if a := content.Attributes["shell"]; a != nil && (ec == nil || !usesEach(a.Expr)) {
		if l, ok := c.attrStringList(content, "shell", c.ctx, sc); ok {
			c.checkPlain(a, "shell", l...)
			if l = c.checkShell(a, l); l != nil {
				tp.Shell = make([]ir.Str, len(l))
				for i, s := range l {
					tp.Shell[i] = ir.Lit(s)
				}
			}
		}
	} else if a != nil {
		if l, ok := c.tmplList(a.Expr, ec, sc, sink, "shell"); ok {
			if len(l) == 0 {
				c.checkShell(a, nil)
			} else {
				tp.Shell = l
			}
		}
	}
	if defs.image != nil {
		tp.Image = ir.Lit(*defs.image)
	}
	if a := content.Attributes["image"]; a != nil && (ec == nil || !usesEach(a.Expr)) {
		if s, ok := c.attrString(content, "image", c.ctx, sc); ok {
			tp.Image = ir.Lit(s)
		}
	} else if a != nil {
		if s, ok := c.tmplStr(a.Expr, ec, sc, sink); ok {
			tp.Image = s
		}
	}
	if defs.workdir != nil {
		tp.Workdir = ir.Lit(*defs.workdir)
	}
	if a := content.Attributes["workdir"]; a != nil && (ec == nil || !usesEach(a.Expr)) {
		if s, ok := c.attrString(content, "workdir", c.ctx, sc); ok {
			c.checkPlain(a, "workdir", s)
			tp.Workdir = ir.Lit(s)
		}
	} else if a != nil {
		if s, ok := c.tmplStr(a.Expr, ec, sc, sink); ok {
			tp.Workdir = s
		}
	}
	envAttr := content.Attributes["env"]
	if len(defs.env) == 0 && envAttr == nil {
		return tp
	}
	env := map[string]ir.Str{}
	for k, v := range defs.env {
		env[k] = v
	}
	if a := envAttr; a != nil {
		if m, ranges, ok := c.tmplMap(a.Expr, ec, rsc, sink); ok {
			c.checkEnvNames(m, ranges)
			c.checkEnvValues(m, ranges)
			for k, v := range m {
				env[k] = v
			}
		}
	}
	for _, name := range sortedKeys(env) {
		tp.Env = append(tp.Env, ir.EnvVar{Name: name, Value: env[name]})
	}
	return tp
}

// bodyContent is body.Content(schema) for a body that the schema fully
// accepts (no unknown attribute or block, right labels) and a schema with
// no required attribute, built without the bookkeeping hclsyntax needs to
// report problems; anything else goes through hclsyntax for its
// diagnostics.
func bodyContent(body *hclsyntax.Body, schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	for _, as := range schema.Attributes {
		if as.Required {
			return body.Content(schema) // not needed by the task schema
		}
	}
	attrs := make(hcl.Attributes, len(body.Attributes))
	all := make([]hcl.Attribute, 0, len(body.Attributes))
	for name, a := range body.Attributes {
		if !slices.ContainsFunc(schema.Attributes, func(as hcl.AttributeSchema) bool { return as.Name == name }) {
			return body.Content(schema)
		}
		all = append(all, *a.AsHCLAttribute())
		attrs[name] = &all[len(all)-1]
	}
	var blocks hcl.Blocks
	for _, b := range body.Blocks {
		wanted := false
		for _, bs := range schema.Blocks {
			if bs.Type == b.Type {
				wanted = len(b.Labels) == len(bs.LabelNames)
				break
			}
		}
		if !wanted {
			return body.Content(schema)
		}
		blocks = append(blocks, b.AsHCLBlock())
	}
	return &hcl.BodyContent{Attributes: attrs, Blocks: blocks, MissingItemRange: body.MissingItemRange()}, nil
}
