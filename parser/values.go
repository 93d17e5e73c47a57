package parser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/dagc-dev/dagc/ir"
)

// scope says which references an expression may use.
type scope struct {
	// each allows each.key / each.value; eachReason explains why not.
	each       bool
	eachReason string
	// runtime allows param.*, task.*.outputs.* and run.* (the caller turns
	// them into ir.Ref parts); runtimeReason explains why not.
	runtime       bool
	runtimeReason string
	// noLocals forbids local.* (variable validation runs before locals).
	noLocals bool
	// attr and forEachTask describe a task attribute evaluated once per
	// task, for messages.
	attr        string
	forEachTask bool
	// plainTask names the task without for_each whose instance this is,
	// for the message about each (built only when needed).
	plainTask string
	// items are the for_each items of the task whose when is compiled:
	// each references there stay references, evaluated per instance.
	items *eachCtx
}

const eachOnlyInForEach = "each.key and each.value exist only inside a task with for_each."

var (
	scopeCompileTime = scope{
		eachReason:    eachOnlyInForEach,
		runtimeReason: "this value is needed at compile time. Run-time references may appear in a task's command, script, env and when.",
	}
	scopeLocals = scope{
		eachReason:    eachOnlyInForEach,
		runtimeReason: "locals are evaluated at compile time. Use the reference directly in a task's command, script, env or when.",
	}
	scopeVariableValidation = scope{
		eachReason:    eachOnlyInForEach,
		runtimeReason: "variables are checked at compile time.",
		noLocals:      true,
	}
)

// onceScope is the scope of a task attribute evaluated once for the whole
// task (not per instance). The messages are built only when needed: this
// runs for every attribute of every task.
func onceScope(attr string, forEach bool) scope {
	s := scopeCompileTime
	s.attr, s.forEachTask = attr, forEach
	return s
}

func (sc scope) eachMessage() string {
	if sc.attr != "" && sc.forEachTask {
		return "each.key and each.value can be used only in command, script, shell, env, workdir, image and when, which are evaluated once per instance; " + sc.attr + " is the same for every instance."
	}
	if sc.eachReason == "" && sc.plainTask != "" {
		return "Task " + strconv.Quote(sc.plainTask) + " has no for_each, so each.key and each.value do not exist here."
	}
	return sc.eachReason
}

func (sc scope) runtimeMessage() string {
	if sc.attr != "" {
		return sc.attr + " is evaluated at compile time. Run-time references may appear in a task's command, script, env and when."
	}
	return sc.runtimeReason
}

// isRuntimeRoot reports whether a traversal root names a run-time value.
func isRuntimeRoot(root string) bool {
	return root == "param" || root == "task" || root == "run"
}

var allRoots = []string{"var", "local", "param", "task", "run", "each", "pipeline"}

// hasRuntime reports whether expr mentions a run-time reference.
func hasRuntime(expr hcl.Expression) bool {
	for _, t := range expr.Variables() {
		if isRuntimeRoot(t.RootName()) {
			return true
		}
	}
	return false
}

// checkRefs reports every reference expr may not use in sc, and every
// reference to an undeclared variable or local. It returns false when expr
// must not be evaluated (including silently, when it refers to a variable
// or local that already failed).
func (c *compiler) checkRefs(expr hcl.Expression, sc scope) bool {
	ok := true
	for _, t := range expr.Variables() {
		rng := t.SourceRange()
		root := t.RootName()
		attr := ""
		if len(t) > 1 {
			if a, isAttr := t[1].(hcl.TraverseAttr); isAttr {
				attr = a.Name
			}
		}
		switch root {
		case "var":
			switch {
			case attr == "":
				c.errorf(rng, "Invalid reference", "A variable is referenced as var.NAME.")
				ok = false
			case c.varDecls[attr] == nil:
				c.errorf(rng, "Reference to undeclared variable", "No variable %q is declared in this pipeline; declare it with a variable %q {} block.%s", attr, attr, didYouMean(attr, c.varOrder))
				ok = false
			case c.failedVar[attr]:
				ok = false
			}
		case "local":
			switch {
			case sc.noLocals:
				c.errorf(rng, "Local values not available here", "Variable validation runs before locals are evaluated, so it cannot use local.%s.", attr)
				ok = false
			case attr == "":
				c.errorf(rng, "Invalid reference", "A local value is referenced as local.NAME.")
				ok = false
			case c.localAttrs[attr] == nil:
				c.errorf(rng, "Reference to undeclared local value", "No local value %q is defined in a locals block.%s", attr, didYouMean(attr, c.localOrder))
				ok = false
			case c.failedLocal[attr]:
				ok = false
			}
		case "pipeline":
			if attr != "name" || len(t) != 2 {
				c.errorf(rng, "Invalid reference", "pipeline has a single attribute: pipeline.name.")
				ok = false
			}
		case "each":
			if !sc.each && sc.attr == "when" && !sc.forEachTask && sc.plainTask != "" {
				c.errorf(rng, "Reference to each in a task without for_each", "Task %q has no for_each, so %s does not exist in its when. each is the current item of a for_each task, whose when applies to each instance.", sc.plainTask, traversalString(t))
				ok = false
			} else if !sc.each {
				c.errorf(rng, "Reference to each outside for_each", "%s", sc.eachMessage())
				ok = false
			} else if attr != "key" && attr != "value" {
				c.errorf(rng, "Invalid reference", "each has two attributes: each.key and each.value.%s", didYouMean(attr, []string{"key", "value"}))
				ok = false
			}
		case "param", "task", "run":
			if !sc.runtime {
				c.errorf(rng, "Run-time reference not allowed here", "%s is only known when the pipeline runs, but %s", traversalString(t), sc.runtimeMessage())
				ok = false
			}
		default:
			c.errorf(rng, "Unknown variable", "There is no variable named %q. References start with var., local., param., task., run., each. or pipeline.%s", root, didYouMean(root, allRoots))
			ok = false
		}
	}
	return ok
}

// traversalString renders a traversal in source form for messages.
func traversalString(t hcl.Traversal) string {
	s := ""
	for _, step := range t {
		switch x := step.(type) {
		case hcl.TraverseRoot:
			s += x.Name
		case hcl.TraverseAttr:
			s += "." + x.Name
		case hcl.TraverseIndex:
			s += "[" + x.Key.GoString() + "]"
		default:
			s += "[…]"
		}
	}
	return s
}

// evalCompileTime evaluates an expression that may not hold run-time
// references.
func (c *compiler) evalCompileTime(expr hcl.Expression, ctx *hcl.EvalContext, sc scope) (cty.Value, bool) {
	sc.runtime = false
	if !c.checkRefs(expr, sc) {
		return cty.NilVal, false
	}
	v, ds := expr.Value(ctx)
	if !c.addDiags(ds) {
		return cty.NilVal, false
	}
	if !v.IsWhollyKnown() {
		c.errorf(expr.Range(), "Value not known at compile time", "This value must be known when the pipeline is compiled.")
		return cty.NilVal, false
	}
	v, _ = v.UnmarkDeep()
	return v, true
}

func typeConstraint(expr hcl.Expression) (cty.Type, hcl.Diagnostics) {
	return typeexpr.TypeConstraint(expr)
}

func convertTo(v cty.Value, ty cty.Type) (cty.Value, error) {
	if ty == cty.DynamicPseudoType {
		return v, nil
	}
	return convert.Convert(v, ty)
}

func typeName(v cty.Value) string { return v.Type().FriendlyName() }

func toString(v cty.Value) (string, error) {
	if v.IsNull() {
		return "", fmt.Errorf("a string is required, not null")
	}
	if !v.Type().IsPrimitiveType() {
		return "", fmt.Errorf("a string is required, not %s", typeName(v))
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", fmt.Errorf("a string is required: %s", err)
	}
	return sv.AsString(), nil
}

func toBool(v cty.Value) (bool, error) {
	if v.IsNull() {
		return false, fmt.Errorf("a bool is required, not null")
	}
	bv, err := convert.Convert(v, cty.Bool)
	if err != nil {
		return false, fmt.Errorf("a bool is required, not %s", typeName(v))
	}
	return bv.True(), nil
}

func toNumber(v cty.Value) (*big.Float, error) {
	if v.IsNull() {
		return nil, fmt.Errorf("a number is required, not null")
	}
	nv, err := convert.Convert(v, cty.Number)
	if err != nil {
		return nil, fmt.Errorf("a number is required, not %s", typeName(v))
	}
	return nv.AsBigFloat(), nil
}

// canonicalNumber is the shortest decimal text that round-trips ("3",
// "0.5").
func canonicalNumber(f *big.Float) string {
	x, _ := f.Float64()
	return strconv.FormatFloat(x, 'f', -1, 64)
}

func toStringList(v cty.Value) ([]string, error) {
	if v.IsNull() {
		return nil, fmt.Errorf("a list of strings is required, not null")
	}
	ty := v.Type()
	if !(ty.IsListType() || ty.IsTupleType() || ty.IsSetType()) {
		return nil, fmt.Errorf("a list of strings is required, not %s", typeName(v))
	}
	out := []string{}
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		s, err := toString(ev)
		if err != nil {
			return nil, fmt.Errorf("element %d: %s", len(out), err)
		}
		out = append(out, s)
	}
	return out, nil
}

func toStringMap(v cty.Value) (map[string]string, error) {
	if v.IsNull() {
		return nil, fmt.Errorf("a map of strings is required, not null")
	}
	ty := v.Type()
	if !(ty.IsMapType() || ty.IsObjectType()) {
		return nil, fmt.Errorf("a map of strings is required, not %s", typeName(v))
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, ev := it.Element()
		s, err := toString(ev)
		if err != nil {
			return nil, fmt.Errorf("key %q: %s", k.AsString(), err)
		}
		out[k.AsString()] = s
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func canonicalParamValue(v cty.Value, ty ir.ParamType) (string, error) {
	switch ty {
	case ir.ParamNumber:
		f, err := toNumber(v)
		if err != nil {
			return "", err
		}
		return canonicalNumber(f), nil
	case ir.ParamBool:
		b, err := toBool(v)
		if err != nil {
			return "", err
		}
		return strconv.FormatBool(b), nil
	case ir.ParamList:
		l, err := toStringList(v)
		if err != nil {
			return "", err
		}
		if l == nil {
			l = []string{}
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(l)
		return strings.TrimSuffix(b.String(), "\n"), nil
	}
	return toString(v)
}

// ---- typed attribute getters: each reports its own error and returns
// ok=false when the attribute is absent, null or invalid. ----

func (c *compiler) attrValue(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) (*hcl.Attribute, cty.Value, bool) {
	a := content.Attributes[name]
	if a == nil {
		return nil, cty.NilVal, false
	}
	v, ok := c.evalCompileTime(a.Expr, ctx, sc)
	if !ok || v.IsNull() {
		return a, cty.NilVal, false
	}
	return a, v, true
}

func (c *compiler) typeError(a *hcl.Attribute, err error) {
	c.errorf(a.Expr.Range(), "Incorrect attribute value type", "Inappropriate value for attribute %q: %s", a.Name, sentence(err.Error()))
}

func (c *compiler) attrStringR(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) (*hcl.Attribute, string, bool) {
	a, v, ok := c.attrValue(content, name, ctx, sc)
	if !ok {
		return a, "", false
	}
	s, err := toString(v)
	if err != nil {
		c.typeError(a, err)
		return a, "", false
	}
	return a, s, true
}

func (c *compiler) attrString(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) (string, bool) {
	_, s, ok := c.attrStringR(content, name, ctx, sc)
	return s, ok
}

func (c *compiler) attrBool(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) (bool, bool) {
	a, v, ok := c.attrValue(content, name, ctx, sc)
	if !ok {
		return false, false
	}
	b, err := toBool(v)
	if err != nil {
		c.typeError(a, err)
		return false, false
	}
	return b, true
}

func (c *compiler) attrNumberR(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) (*hcl.Attribute, *big.Float, bool) {
	a, v, ok := c.attrValue(content, name, ctx, sc)
	if !ok {
		return a, nil, false
	}
	f, err := toNumber(v)
	if err != nil {
		c.typeError(a, err)
		return a, nil, false
	}
	return a, f, true
}

func (c *compiler) attrIntR(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) (*hcl.Attribute, int, bool) {
	a, f, ok := c.attrNumberR(content, name, ctx, sc)
	if !ok {
		return a, 0, false
	}
	if !f.IsInt() {
		c.typeError(a, fmt.Errorf("a whole number is required, not %s", f.Text('g', -1)))
		return a, 0, false
	}
	n, acc := f.Int64()
	if acc != big.Exact || n > 1<<31-1 || n < -(1<<31) {
		c.typeError(a, fmt.Errorf("%s is too large", f.Text('g', -1)))
		return a, 0, false
	}
	return a, int(n), true
}

func (c *compiler) attrDuration(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) (time.Duration, bool) {
	a, s, ok := c.attrStringR(content, name, ctx, sc)
	if !ok {
		return 0, false
	}
	d, err := ir.ParseDuration(s)
	if err != nil {
		c.errorf(a.Expr.Range(), "Invalid duration", "%s: %s.", a.Name, err)
		return 0, false
	}
	return d, true
}

func (c *compiler) attrStringList(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) ([]string, bool) {
	if a := content.Attributes[name]; a != nil {
		if l, ok := literalStrings(a.Expr); ok {
			return l, true
		}
	}
	a, v, ok := c.attrValue(content, name, ctx, sc)
	if !ok {
		return nil, false
	}
	l, err := toStringList(v)
	if err != nil {
		c.typeError(a, err)
		return nil, false
	}
	return l, true
}

func (c *compiler) attrStringMap(content *hcl.BodyContent, name string, ctx *hcl.EvalContext, sc scope) (map[string]string, bool) {
	a, v, ok := c.attrValue(content, name, ctx, sc)
	if !ok {
		return nil, false
	}
	m, err := toStringMap(v)
	if err != nil {
		c.typeError(a, err)
		return nil, false
	}
	return m, true
}

// sentence ends s with a full stop unless it already ends with punctuation.
func sentence(s string) string {
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".?!") {
		return s
	}
	return s + "."
}

// literalStrings returns the elements of a tuple of plain string literals
// (["a", "b"]), which evaluate to themselves: the common case of outputs
// and shell, decoded without building cty values.
func literalStrings(expr hcl.Expression) ([]string, bool) {
	tuple, ok := expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(tuple.Exprs))
	for _, e := range tuple.Exprs {
		te, ok := e.(*hclsyntax.TemplateExpr)
		if !ok || len(te.Parts) != 1 {
			return nil, false
		}
		lit, ok := te.Parts[0].(*hclsyntax.LiteralValueExpr)
		if !ok || lit.Val.Type() != cty.String || lit.Val.IsNull() || lit.Val.IsMarked() {
			return nil, false
		}
		out = append(out, lit.Val.AsString())
	}
	return out, true
}
