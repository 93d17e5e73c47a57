package parser

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/dagc-dev/dagc/ir"
)

// compiler holds the state of one file's compilation.
type compiler struct {
	p     *Parser
	file  string
	src   []byte
	body  *hclsyntax.Body
	opts  Options
	diags hcl.Diagnostics

	pipeName  string
	pipeBlock *hclsyntax.Block

	varDecls  map[string]*varDecl
	varOrder  []string
	vars      map[string]cty.Value
	failedVar map[string]bool

	localAttrs  map[string]*hcl.Attribute
	localOrder  []string
	locals      map[string]cty.Value
	failedLocal map[string]bool

	params map[string]*ir.Param

	tasks     map[string]*taskDecl
	taskOrder []string
	defaults  *taskDefaults

	// pipeSchemaB and taskSchemaB are the pipeline and task schemas with
	// Options.Backends added (nil in permissive mode).
	pipeSchemaB, taskSchemaB *hcl.BodySchema

	ctx *hcl.EvalContext
}

func newCompiler(p *Parser, file string, body *hclsyntax.Body, opts Options) *compiler {
	c := &compiler{
		p: p, file: file, src: p.sources[file], body: body, opts: opts,
		varDecls: map[string]*varDecl{}, vars: map[string]cty.Value{}, failedVar: map[string]bool{},
		localAttrs: map[string]*hcl.Attribute{}, locals: map[string]cty.Value{}, failedLocal: map[string]bool{},
		params: map[string]*ir.Param{},
		tasks:  map[string]*taskDecl{},
	}
	if opts.Backends != nil {
		c.pipeSchemaB, c.taskSchemaB = withBackends(pipelineSchema, opts.Backends), withBackends(taskSchema, opts.Backends)
	}
	return c
}

func (c *compiler) errorf(subject hcl.Range, summary, format string, args ...any) {
	r := subject
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

func (c *compiler) warnf(subject hcl.Range, summary, format string, args ...any) {
	r := subject
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

// addDiags appends HCL diagnostics and reports whether they held an error.
func (c *compiler) addDiags(ds hcl.Diagnostics) bool {
	c.diags = append(c.diags, ds...)
	return !ds.HasErrors()
}

var topBlockTypes = []string{"pipeline", "variable", "param", "locals", "task"}

func (c *compiler) compile() *ir.Pipeline {
	var taskBlocks, varBlocks, paramBlocks, localsBlocks []*hclsyntax.Block
	for _, attr := range sortedAttrs(c.body.Attributes) {
		c.errorf(attr.NameRange, "Unexpected attribute", "An attribute %q is not expected at the top level of a pipeline file; settings go in the pipeline block.", attr.Name)
	}
	for _, b := range c.body.Blocks {
		wantLabels := 1
		switch b.Type {
		case "pipeline":
			wantLabels = -1
			if len(b.Labels) > 1 {
				c.errorf(b.LabelRanges[1], "Extraneous label for pipeline", "A pipeline block has at most one label, its name.")
				continue
			}
			if c.pipeBlock != nil {
				c.errorf(b.TypeRange, "Duplicate pipeline block", "A file holds one pipeline; the pipeline block was already given at %s.", rangeString(c.pipeBlock.TypeRange))
				continue
			}
			c.pipeBlock = b
		case "variable":
			varBlocks = append(varBlocks, b)
		case "param":
			paramBlocks = append(paramBlocks, b)
		case "locals":
			wantLabels = 0
			localsBlocks = append(localsBlocks, b)
		case "task":
			taskBlocks = append(taskBlocks, b)
		default:
			c.errorf(b.TypeRange, "Unsupported block type", "Blocks of type %q are not expected here.%s", b.Type, didYouMean(b.Type, topBlockTypes))
			continue
		}
		if wantLabels >= 0 && len(b.Labels) != wantLabels {
			if wantLabels == 1 {
				c.errorf(b.TypeRange, "Missing name for "+b.Type, "A %s block needs exactly one label, its name: %s \"name\" { ... }.", b.Type, b.Type)
			} else {
				c.errorf(b.LabelRanges[0], "Extraneous label for "+b.Type, "A %s block has no labels.", b.Type)
			}
		}
	}

	pipe := &ir.Pipeline{File: c.file, Timezone: "UTC"}
	c.pipeName = pipelineNameFromFile(c.file)
	pipe.Range = toRange(c.fileStart())
	if c.pipeBlock != nil {
		pipe.Range = toRange(c.pipeBlock.DefRange())
		if len(c.pipeBlock.Labels) == 1 {
			c.pipeName = c.pipeBlock.Labels[0]
			if !ir.ValidName(c.pipeName) {
				c.errorf(c.pipeBlock.LabelRanges[0], "Invalid pipeline name", "A pipeline name must start with a letter or underscore and hold only letters, digits, underscores and dashes, at most %d characters; %q does not.", ir.MaxNameLen, c.pipeName)
			}
		}
	} else if !ir.ValidName(c.pipeName) {
		c.errorf(c.fileStart(), "Invalid pipeline name",
			"The pipeline takes its name %q from the file name, but a name must start with a letter or underscore and hold only letters, digits, underscores and dashes, at most %d characters. Give it a name with a pipeline \"name\" {} block.", c.pipeName, ir.MaxNameLen)
	}
	pipe.Name = c.pipeName

	c.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: functions}
	c.ctx.Variables["pipeline"] = cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(c.pipeName)})

	for _, b := range varBlocks {
		c.declareVariable(b)
	}
	c.assignVariables()
	c.ctx.Variables["var"] = cty.ObjectVal(c.vars)
	c.validateVariables()

	for _, b := range localsBlocks {
		c.declareLocals(b)
	}
	c.evalLocals()

	for _, b := range paramBlocks {
		if pa := c.compileParam(b); pa != nil {
			pipe.Params = append(pipe.Params, pa)
		}
	}
	sort.Slice(pipe.Params, func(i, j int) bool { return pipe.Params[i].Name < pipe.Params[j].Name })

	// Tasks are declared (names and outputs) before defaults are decoded so
	// that every reference can be resolved.
	decls := make([]*taskDecl, len(taskBlocks))
	declDiags := c.parallel(len(taskBlocks), func(cc *compiler, i int) {
		decls[i] = cc.decodeTaskBody(taskBlocks[i])
	})
	for i, b := range taskBlocks {
		c.declareTask(b, decls[i], declDiags[i])
	}
	c.compilePipelineBlock(pipe)

	tasks := make([]*ir.Task, len(c.taskOrder))
	taskDiags := c.parallel(len(c.taskOrder), func(cc *compiler, i int) {
		tasks[i] = cc.compileTask(c.tasks[c.taskOrder[i]], pipe)
	})
	for i, t := range tasks {
		c.diags = append(c.diags, taskDiags[i]...)
		if t != nil {
			pipe.Tasks = append(pipe.Tasks, t)
		}
	}
	c.checkFinalDeps(pipe)
	if len(taskBlocks) == 0 {
		c.errorf(c.pipeSubject(), "Pipeline has no tasks", "A pipeline needs at least one task block.")
	}
	return pipe
}

// fileStart is the subject of problems that concern the whole file.
func (c *compiler) fileStart() hcl.Range {
	return hcl.Range{Filename: c.file, Start: hcl.InitialPos, End: hcl.InitialPos}
}

// pipeSubject is the pipeline block header, or the file start.
func (c *compiler) pipeSubject() hcl.Range {
	if c.pipeBlock != nil {
		return c.pipeBlock.DefRange()
	}
	return c.fileStart()
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func sortedAttrs(m hclsyntax.Attributes) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SrcRange.Start.Byte < out[j].SrcRange.Start.Byte })
	return out
}

// sortedContentAttrs returns a BodyContent's attributes in source order so
// diagnostics come out deterministically.
func sortedContentAttrs(m hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Range.Start.Byte < out[j].Range.Start.Byte })
	return out
}

// ---- pipeline block ----

var pipelineSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"}, {Name: "schedule"}, {Name: "timezone"}, {Name: "start_date"},
		{Name: "catchup"}, {Name: "concurrency"}, {Name: "timeout"}, {Name: "tags"},
		{Name: "storage"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "defaults"}},
}

// scheduleSuggestion proposes the closest preset for a misspelt @ form.
func scheduleSuggestion(s string) string {
	if !strings.HasPrefix(s, "@") {
		return ""
	}
	return didYouMean(s, ir.SchedulePresets)
}

func (c *compiler) compilePipelineBlock(pipe *ir.Pipeline) {
	c.defaults = &taskDefaults{}
	if c.pipeBlock == nil {
		return
	}
	content, ds := c.pipeBlock.Body.Content(c.schemaFor(pipelineSchema, c.pipeSchemaB, c.pipeBlock.Body))
	c.addDiags(ds)
	scope := scopeCompileTime
	if s, ok := c.attrString(content, "description", c.ctx, scope); ok {
		pipe.Description = s
	}
	// Schedule, timezone and start date are checked here, at the attribute,
	// with the same rules ir.Validate applies to hand-built pipelines.
	if a, s, ok := c.attrStringR(content, "schedule", c.ctx, scope); ok {
		if cron, err := ir.ParseSchedule(s); err != nil {
			c.errorf(a.Expr.Range(), "Invalid schedule", "%s%s", sentence(upperFirst(err.Error())), scheduleSuggestion(s))
		} else {
			// Parsed once here; backends render the canonical form.
			pipe.Schedule, _ = ir.NormalSchedule(s)
			if cron != nil && cron.NeverFires() {
				c.warnf(a.Expr.Range(), "Schedule never fires", "No month has the day of the month that %q names, so the pipeline would never run on schedule.", s)
			}
		}
	}
	if a, s, ok := c.attrStringR(content, "timezone", c.ctx, scope); ok {
		if err := ir.CheckTimezone(s); err != nil {
			c.errorf(a.Expr.Range(), "Invalid timezone", "%s", sentence(upperFirst(err.Error())))
		} else {
			pipe.Timezone = s
		}
	}
	if a, s, ok := c.attrStringR(content, "start_date", c.ctx, scope); ok {
		if err := ir.CheckStartDate(s); err != nil {
			c.errorf(a.Expr.Range(), "Invalid start_date", "%s", sentence(upperFirst(err.Error())))
		} else {
			pipe.StartDate = s
		}
	}
	if b, ok := c.attrBool(content, "catchup", c.ctx, scope); ok {
		pipe.Catchup = b
	}
	if a, n, ok := c.attrIntR(content, "concurrency", c.ctx, scope); ok {
		if n < 0 {
			c.errorf(a.Expr.Range(), "Invalid concurrency", "concurrency must be 0 (no cap) or more, not %d.", n)
		} else {
			pipe.Concurrency = n
		}
	}
	if d, ok := c.attrDuration(content, "timeout", c.ctx, scope); ok {
		pipe.Timeout = d
	}
	if tags, ok := c.attrStringList(content, "tags", c.ctx, scope); ok {
		pipe.Tags = tags
	}
	c.decodeStorage(content, pipe)
	blocks := c.singleBlocks(content, "pipeline")
	pipe.Settings = c.backendBlocks(content, blocks, ir.LevelPipeline)
	if b := blocks["defaults"]; b != nil {
		c.decodeDefaults(b)
		pipe.Settings = append(pipe.Settings, c.defaults.settings...)
	}
}

// singleBlocks returns the nested blocks of content by type, reporting
// every block type given more than once.
func (c *compiler) singleBlocks(content *hcl.BodyContent, where string) map[string]*hcl.Block {
	out := map[string]*hcl.Block{}
	for _, b := range content.Blocks {
		if prev, dup := out[b.Type]; dup {
			c.errorf(b.DefRange, "Duplicate "+b.Type+" block", "A %s has at most one %s block; the first is at %s.", where, b.Type, rangeString(prev.DefRange))
			continue
		}
		out[b.Type] = b
	}
	return out
}

// ---- variables ----

type varDecl struct {
	name        string
	block       *hclsyntax.Block
	typ         cty.Type
	hasDefault  bool
	def         cty.Value
	defaultExpr hcl.Expression
	sensitive   bool
	validations []*hcl.Block
	// source is where the final value came from, for diagnostics.
	source    hcl.Range
	fromInput bool
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}, {Name: "error_message", Required: true}},
}

// literalCtx evaluates values that may use functions but no references:
// variable defaults and --var / --var-file values.
var literalCtx = &hcl.EvalContext{Functions: functions}

func (c *compiler) declareVariable(b *hclsyntax.Block) {
	if len(b.Labels) != 1 {
		return
	}
	name := b.Labels[0]
	if !ir.ValidName(name) {
		c.errorf(b.LabelRanges[0], "Invalid variable name", "A variable name must start with a letter or underscore and hold only letters, digits, underscores and dashes, at most %d characters; %q does not.", ir.MaxNameLen, name)
		return
	}
	if prev, dup := c.varDecls[name]; dup {
		c.errorf(b.LabelRanges[0], "Duplicate variable", "The variable %q was already declared at %s.", name, rangeString(prev.block.TypeRange))
		return
	}
	d := &varDecl{name: name, block: b, typ: cty.DynamicPseudoType}
	c.varDecls[name] = d
	c.varOrder = append(c.varOrder, name)
	content, ds := b.Body.Content(variableSchema)
	ok := c.addDiags(ds)
	if a := content.Attributes["type"]; a != nil {
		ty, tds := typeConstraint(a.Expr)
		if c.addDiags(tds) {
			d.typ = ty
		} else {
			ok = false
		}
	}
	if a := content.Attributes["sensitive"]; a != nil {
		v, vds := a.Expr.Value(literalCtx)
		if c.addDiags(vds) {
			if bv, err := toBool(v); err != nil {
				c.errorf(a.Expr.Range(), "Incorrect attribute value type", "sensitive must be a bool: %s.", err)
			} else {
				d.sensitive = bv
			}
		}
	}
	if a := content.Attributes["description"]; a != nil {
		_, vds := a.Expr.Value(literalCtx)
		c.addDiags(vds)
	}
	if a := content.Attributes["default"]; a != nil {
		v, vds := a.Expr.Value(literalCtx)
		if c.addDiags(vds) {
			cv, err := convertTo(v, d.typ)
			if err != nil {
				c.errorf(a.Expr.Range(), "Invalid default value for variable", "The default of variable %q does not match its type: %s.", name, err)
				ok = false
			} else {
				d.hasDefault, d.def, d.defaultExpr, d.source = true, cv, a.Expr, a.Expr.Range()
			}
		} else {
			ok = false
		}
	}
	for _, vb := range content.Blocks {
		d.validations = append(d.validations, vb)
	}
	if !ok {
		c.failedVar[name] = true
	}
}

// assignVariables gives each variable its value, lowest precedence first:
// default < DAGC_VAR_name < --var-file (in order) < --var (in order).
func (c *compiler) assignVariables() {
	values := map[string]cty.Value{}
	for name, d := range c.varDecls {
		if d.hasDefault {
			values[name] = d.def
		}
	}
	set := func(name, raw string, where hcl.Range, origin string) {
		d := c.varDecls[name]
		v, err := parseRawVar(raw, d.typ, origin)
		if err != nil {
			c.errorf(where, "Invalid value for variable", "The value of variable %q given by %s is invalid: %s.", name, origin, err)
			c.failedVar[name] = true
			return
		}
		values[name], d.source, d.fromInput = v, where, true
	}
	for _, kv := range c.opts.Environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "DAGC_VAR_") {
			continue
		}
		name := strings.TrimPrefix(k, "DAGC_VAR_")
		if c.varDecls[name] == nil {
			continue // like Terraform, values for undeclared variables in the environment are ignored
		}
		set(name, v, c.varDecls[name].block.DefRange(), "the environment variable "+k)
	}
	for _, path := range c.opts.VarFiles {
		c.readVarFile(path, values)
	}
	for _, kv := range c.opts.Vars {
		name, raw, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --var option",
				Detail: fmt.Sprintf("The option --var %q is not of the form name=value.", kv)})
			continue
		}
		if c.varDecls[name] == nil {
			c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("A value was given with --var for %q, but the pipeline %q declares no such variable.%s", name, c.pipeName, didYouMean(name, c.varOrder))})
			continue
		}
		set(name, raw, c.varDecls[name].block.DefRange(), "--var "+name)
	}
	for _, name := range c.varOrder {
		d := c.varDecls[name]
		v, ok := values[name]
		if !ok {
			if !c.failedVar[name] {
				c.errorf(d.block.DefRange(), "No value for required variable", "The variable %q has no default; set it with --var %s=VALUE, --var-file or the environment variable DAGC_VAR_%s.", name, name, name)
				c.failedVar[name] = true
			}
			continue
		}
		c.vars[name] = v
	}
}

func (c *compiler) readVarFile(path string, values map[string]cty.Value) {
	src, err := os.ReadFile(path)
	if err != nil {
		c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read variables file", Detail: err.Error()})
		return
	}
	c.p.sources[path] = src
	f, ds := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if !c.addDiags(ds) {
		return
	}
	attrs, ds := f.Body.JustAttributes()
	if !c.addDiags(ds) {
		return
	}
	for _, a := range sortedContentAttrs(attrs) {
		d := c.varDecls[a.Name]
		if d == nil {
			c.warnf(a.NameRange, "Value for undeclared variable", "The file %s sets %q, but the pipeline %q declares no such variable.%s", path, a.Name, c.pipeName, didYouMean(a.Name, c.varOrder))
			continue
		}
		v, vds := a.Expr.Value(literalCtx)
		if !c.addDiags(vds) {
			c.failedVar[a.Name] = true
			continue
		}
		cv, err := convertTo(v, d.typ)
		if err != nil {
			c.errorf(a.Expr.Range(), "Invalid value for variable", "The value of variable %q does not match its type: %s.", a.Name, err)
			c.failedVar[a.Name] = true
			continue
		}
		values[a.Name], d.source, d.fromInput = cv, a.Expr.Range(), true
	}
}

// parseRawVar turns a --var or environment value into a cty value: taken
// as is for string (and untyped) variables, parsed as an HCL expression for
// any other type, as Terraform does.
func parseRawVar(raw string, ty cty.Type, origin string) (cty.Value, error) {
	if ty == cty.String || ty == cty.DynamicPseudoType {
		return cty.StringVal(raw), nil
	}
	expr, ds := hclsyntax.ParseExpression([]byte(raw), origin, hcl.InitialPos)
	if ds.HasErrors() {
		return cty.NilVal, fmt.Errorf("%s", ds[0].Summary+": "+ds[0].Detail)
	}
	v, ds := expr.Value(literalCtx)
	if ds.HasErrors() {
		return cty.NilVal, fmt.Errorf("%s", ds[0].Summary+": "+ds[0].Detail)
	}
	return convertTo(v, ty)
}

func (c *compiler) validateVariables() {
	for _, name := range c.varOrder {
		d := c.varDecls[name]
		if c.failedVar[name] {
			continue
		}
		for _, vb := range d.validations {
			content, ds := vb.Body.Content(validationSchema)
			if !c.addDiags(ds) {
				continue
			}
			cond := content.Attributes["condition"]
			msgAttr := content.Attributes["error_message"]
			v, ok := c.evalCompileTime(cond.Expr, c.ctx, scopeVariableValidation)
			if !ok {
				continue
			}
			pass, err := toBool(v)
			if err != nil {
				c.errorf(cond.Expr.Range(), "Invalid validation condition", "The condition must be a bool: %s.", err)
				continue
			}
			if pass {
				continue
			}
			msg := "The value does not pass the validation condition."
			if mv, ok := c.evalCompileTime(msgAttr.Expr, c.ctx, scopeVariableValidation); ok {
				if s, err := toString(mv); err == nil {
					msg = s
				}
			}
			subject := cond.Expr.Range()
			if d.source.Filename != "" && (d.fromInput || d.hasDefault) {
				subject = d.source
			}
			c.errorf(subject, "Invalid value for variable", "%s\n\nThis was checked by the validation rule at %s.", msg, rangeString(cond.Expr.Range()))
			c.failedVar[name] = true
		}
	}
}

// ---- locals ----

func (c *compiler) declareLocals(b *hclsyntax.Block) {
	attrs, ds := b.Body.JustAttributes()
	c.addDiags(ds)
	for _, a := range sortedContentAttrs(attrs) {
		if prev, dup := c.localAttrs[a.Name]; dup {
			c.errorf(a.NameRange, "Duplicate local value", "The local value %q was already defined at %s.", a.Name, rangeString(prev.NameRange))
			continue
		}
		c.localAttrs[a.Name] = a
		c.localOrder = append(c.localOrder, a.Name)
	}
}

// evalLocals evaluates locals in dependency order (a local may use locals
// declared after it); a cycle is reported once, at the local that starts it.
func (c *compiler) evalLocals() {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		a := c.localAttrs[name]
		state[name] = visiting
		stack = append(stack, name)
		for _, dep := range localDeps(a.Expr) {
			if c.localAttrs[dep] == nil {
				continue // reported as an undeclared local when evaluated
			}
			switch state[dep] {
			case visiting:
				i := len(stack) - 1
				for stack[i] != dep {
					i--
				}
				cycle := append(append([]string{}, stack[i:]...), dep)
				for _, n := range stack[i:] {
					c.failedLocal[n] = true
				}
				c.errorf(c.localAttrs[dep].NameRange, "Cycle in locals", "The local values refer to each other in a cycle: local.%s. A local cannot depend on itself.", strings.Join(cycle, " → local."))
			case unvisited:
				visit(dep)
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
		if c.failedLocal[name] {
			return
		}
		v, ok := c.evalCompileTime(a.Expr, c.ctx, scopeLocals)
		if !ok {
			c.failedLocal[name] = true
			return
		}
		c.locals[name] = v
		c.ctx.Variables["local"] = cty.ObjectVal(c.locals)
	}
	c.ctx.Variables["local"] = cty.EmptyObjectVal
	for _, name := range c.localOrder {
		if state[name] == unvisited {
			visit(name)
		}
	}
}

func localDeps(expr hcl.Expression) []string {
	var deps []string
	for _, t := range expr.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			deps = append(deps, a.Name)
		}
	}
	return deps
}

// ---- params ----

var paramSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}},
}

func (c *compiler) compileParam(b *hclsyntax.Block) *ir.Param {
	if len(b.Labels) != 1 {
		return nil
	}
	name := b.Labels[0]
	if !ir.ValidOutputName(name) {
		c.errorf(b.LabelRanges[0], "Invalid param name", "A param name must start with a letter or underscore and hold only letters, digits and underscores (it becomes an identifier in every engine), at most %d characters; %q does not.", ir.MaxNameLen, name)
		return nil
	}
	if prev, dup := c.params[name]; dup {
		c.errorf(b.LabelRanges[0], "Duplicate param", "The param %q was already declared at %s:%d.", name, prev.Range.Filename, prev.Range.Start.Line)
		return nil
	}
	pa := &ir.Param{Name: name, Type: ir.ParamString, Range: toRange(b.DefRange())}
	c.params[name] = pa
	content, ds := b.Body.Content(paramSchema)
	c.addDiags(ds)
	if a := content.Attributes["type"]; a != nil {
		switch kw := hcl.ExprAsKeyword(a.Expr); {
		case kw == "string", kw == "number", kw == "bool":
			pa.Type = ir.ParamType(kw)
		case isListOfString(a.Expr):
			pa.Type = ir.ParamList
		default:
			c.errorf(a.Expr.Range(), "Invalid param type", "A param's type is string, number, bool or list(string) (written bare, like type = number).%s", didYouMean(kw, []string{"string", "number", "bool"}))
		}
	}
	if s, ok := c.attrString(content, "description", c.ctx, scopeCompileTime); ok {
		pa.Description = s
	}
	if a := content.Attributes["default"]; a != nil {
		v, ok := c.evalCompileTime(a.Expr, c.ctx, scopeCompileTime)
		if ok && !v.IsNull() {
			text, err := canonicalParamValue(v, pa.Type)
			if err != nil {
				c.errorf(a.Expr.Range(), "Invalid default for param", "The default of param %q must be a %s: %s.", name, pa.Type, err)
			} else {
				pa.Default, pa.HasDefault = text, true
			}
		}
	}
	return pa
}

// isListOfString reports whether a type expression is list(string).
func isListOfString(expr hcl.Expression) bool {
	call, ok := expr.(*hclsyntax.FunctionCallExpr)
	return ok && call.Name == "list" && len(call.Args) == 1 && hcl.ExprAsKeyword(call.Args[0]) == "string"
}

// parallel runs f for every index below n on all cores. Each call gets its
// own copy of the compiler whose diagnostics are returned per index, so the
// caller merges them in index order and the output does not depend on
// scheduling. f may only read the compiler's shared state (declarations,
// evaluated variables and locals), which is complete before tasks compile.
func (c *compiler) parallel(n int, f func(cc *compiler, i int)) []hcl.Diagnostics {
	diags := make([]hcl.Diagnostics, n)
	const batch = 64
	var next atomic.Int64
	work := func() {
		cc := *c
		for {
			end := int(next.Add(batch))
			start := end - batch
			if start >= n {
				return
			}
			for i := start; i < min(end, n); i++ {
				cc.diags = nil
				f(&cc, i)
				diags[i] = cc.diags
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), (n+batch-1)/batch)
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
	return diags
}
