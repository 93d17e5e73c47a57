package parser

import (
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/dagc-dev/dagc/ir"
)

// A for_each task is compiled once, into one ir.Template (DESIGN 1). Where
// an attribute uses each as a bare reference (each.key, each.value,
// each.value.NAME) the template holds an each reference; any other
// sub-expression over each (upper(each.value), var.m[each.key]) is
// evaluated at compile time once per item and its text stored with the
// item as a derived value (ir.RefEachExpr), so the template stays one and
// the items carry only data. A sub-expression that gives the same text for
// every item becomes a literal.

// eachCtx holds the items of one for_each task while its template is
// compiled.
type eachCtx struct {
	keys  []instanceKey
	items []ir.Item
	// valueRef: each.value can be a reference (every value is a string,
	// number or bool whose text is Item.Value).
	valueRef bool
	ctxs     []*hcl.EvalContext
	exprs    []string
	// seen maps the per-item texts of a derived value to its index.
	seen map[string]int
	// source is set for a fan-out over a run-time value (DESIGN 2.5): there
	// are no items at compile time, so each may only be used as a bare
	// reference, resolved by the engine per item.
	source *ir.Ref
}

// newDynamicEachCtx is the each context of a fan-out over a run-time value.
func newDynamicEachCtx(src *ir.Ref) *eachCtx {
	return &eachCtx{valueRef: true, seen: map[string]int{}, source: src}
}

func (c *compiler) newEachCtx(keys []instanceKey) *eachCtx {
	ec := &eachCtx{keys: keys, items: make([]ir.Item, len(keys)), valueRef: true, seen: map[string]int{}}
	for i, k := range keys {
		it := ir.Item{Key: k.key, Value: instanceValueText(k.value)}
		v := k.value
		if s, err := toString(v); err != nil || s != it.Value {
			ec.valueRef = false
		}
		if !v.IsNull() && (v.Type().IsObjectType() || v.Type().IsMapType()) {
			for fit := v.ElementIterator(); fit.Next(); {
				fk, fv := fit.Element()
				if fv.IsNull() || !fv.Type().IsPrimitiveType() {
					continue
				}
				if s, err := toString(fv); err == nil {
					if it.Fields == nil {
						it.Fields = map[string]string{}
					}
					it.Fields[fk.AsString()] = s
				}
			}
		}
		ec.items[i] = it
	}
	return ec
}

// eachEval is the evaluation context of item i: the file's, plus each.
func (c *compiler) eachEval(ec *eachCtx, i int) *hcl.EvalContext {
	if ec.ctxs == nil {
		ec.ctxs = make([]*hcl.EvalContext, len(ec.keys))
	}
	if ec.ctxs[i] == nil {
		k := ec.keys[i]
		ctx := c.ctx.NewChild()
		ctx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(k.key), "value": k.value})}
		ec.ctxs[i] = ctx
	}
	return ec.ctxs[i]
}

// forEach is the task's ir.ForEach once its template is compiled.
func (ec *eachCtx) forEach(rng hcl.Range) *ir.ForEach {
	if ec.source != nil {
		return &ir.ForEach{Source: ec.source, Range: toRange(rng)}
	}
	return &ir.ForEach{Items: ec.items, Exprs: ec.exprs, Range: toRange(rng)}
}

func usesEach(expr hcl.Expression) bool {
	for _, t := range expr.Variables() {
		if t.RootName() == "each" {
			return true
		}
	}
	return false
}

// source is the source text of a range, for naming derived values.
func (c *compiler) source(r hcl.Range) string {
	if r.Start.Byte >= 0 && r.End.Byte <= len(c.src) && r.Start.Byte <= r.End.Byte {
		return string(c.src[r.Start.Byte:r.End.Byte])
	}
	return "each expression at " + rangeString(r)
}

// bareRef turns each.key, each.value or each.value.NAME into a reference
// when every item can give it as text.
func (ec *eachCtx) bareRef(t hcl.Traversal) (*ir.Ref, bool) {
	var names []string
	for _, step := range t[1:] {
		a, ok := step.(hcl.TraverseAttr)
		if !ok {
			return nil, false
		}
		names = append(names, a.Name)
	}
	rng := toRange(t.SourceRange())
	switch {
	case len(names) == 1 && names[0] == "key":
		return &ir.Ref{Kind: ir.RefEachKey, Range: rng}, true
	case len(names) == 1 && names[0] == "value" && ec.valueRef:
		return &ir.Ref{Kind: ir.RefEachValue, Range: rng}, true
	case len(names) == 2 && names[0] == "value":
		for i := range ec.items { // none for a run-time source: checked per item then
			if _, ok := ec.items[i].Fields[names[1]]; !ok {
				return nil, false
			}
		}
		return &ir.Ref{Kind: ir.RefEachField, Name: names[1], Range: rng}, true
	}
	return nil, false
}

// vector makes a Str of per-item texts: a literal when they are all equal,
// each.key or each.value when they are those, else a derived value.
func (ec *eachCtx) vector(texts []string, name string, rng hcl.Range) ir.Str {
	same, isKey, isValue := true, true, ec.valueRef
	for i, s := range texts {
		same = same && s == texts[0]
		isKey = isKey && s == ec.items[i].Key
		isValue = isValue && s == ec.items[i].Value
	}
	r := toRange(rng)
	switch {
	case same:
		return ir.Lit(texts[0])
	case isKey:
		return ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachKey, Range: r}}}}
	case isValue:
		return ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachValue, Range: r}}}}
	}
	var b strings.Builder
	for _, s := range texts {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	idx, ok := ec.seen[b.String()]
	if !ok {
		idx = len(ec.exprs)
		ec.seen[b.String()] = idx
		ec.exprs = append(ec.exprs, name)
		for i := range ec.items {
			ec.items[i].Exprs = append(ec.items[i].Exprs, texts[i])
		}
	}
	return ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachExpr, Name: name, Index: idx, Range: r}}}}
}

// eachValues evaluates expr for every item (stopping at the first that
// fails: the others would report the same problem).
func (c *compiler) eachValues(ec *eachCtx, expr hcl.Expression, sc scope) ([]cty.Value, bool) {
	if ec.source != nil {
		c.errorf(expr.Range(), "each in an expression of a run-time for_each", "This task fans out over %s, whose items are known only when the pipeline runs, so each cannot be used inside a function or operator. Use each.key, each.value or each.value.NAME whole, as a value or in a string (\"--file=${each.value}\").", ec.source)
		return nil, false
	}
	vals := make([]cty.Value, len(ec.keys))
	for i := range ec.keys {
		v, ok := c.evalCompileTime(expr, c.eachEval(ec, i), sc)
		if !ok {
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

// derive evaluates a string-valued expression over each per item.
func (c *compiler) derive(ec *eachCtx, expr hcl.Expression, sc scope) (ir.Str, bool) {
	vals, ok := c.eachValues(ec, expr, sc)
	if !ok {
		return ir.Str{}, false
	}
	texts := make([]string, len(vals))
	for i, v := range vals {
		s, err := toString(v)
		if err != nil {
			c.errorf(expr.Range(), "Incorrect value type", "%s.", upperFirst(err.Error()))
			return ir.Str{}, false
		}
		texts[i] = s
	}
	return ec.vector(texts, c.source(expr.Range()), expr.Range()), true
}

// tmplStr compiles a string-valued attribute of a task's template: as
// strValue, plus each references. sc.runtime says whether run-time
// references are allowed (command, script, env) or not (image, workdir,
// shell).
func (c *compiler) tmplStr(expr hcl.Expression, ec *eachCtx, sc scope, sink *refSink) (ir.Str, bool) {
	if ec == nil || !usesEach(expr) {
		if !sc.runtime {
			v, ok := c.evalCompileTime(expr, c.ctx, sc)
			if !ok {
				return ir.Str{}, false
			}
			s, err := toString(v)
			if err != nil {
				c.errorf(expr.Range(), "Incorrect value type", "%s.", upperFirst(err.Error()))
				return ir.Str{}, false
			}
			return ir.Lit(s), true
		}
		return c.strValue(expr, c.ctx, sc, sink)
	}
	if !c.checkRefs(expr, sc) {
		return ir.Str{}, false
	}
	switch x := expr.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		if ref, ok := ec.bareRef(x.Traversal); ok {
			return ir.Str{Parts: []ir.Part{{Ref: ref}}}, true
		}
	case *hclsyntax.TemplateWrapExpr:
		return c.tmplStr(x.Wrapped, ec, sc, sink)
	case *hclsyntax.ParenthesesExpr:
		return c.tmplStr(x.Expression, ec, sc, sink)
	case *hclsyntax.TemplateExpr:
		var b strBuilder
		ok := true
		for _, part := range x.Parts {
			var s ir.Str
			var pok bool
			switch {
			case usesEach(part):
				switch part.(type) {
				case *hclsyntax.ConditionalExpr, *hclsyntax.TemplateJoinExpr:
					if hasRuntime(part) {
						c.errorf(part.Range(), "Run-time reference in a template directive", "%%{ if } and %%{ for } are evaluated at compile time, so they cannot use run-time references. Use the reference directly (\"${param.x}\"), or a task's when.")
						ok = false
						continue
					}
				}
				s, pok = c.tmplStr(part, ec, sc, sink)
			case hasRuntime(part):
				s, pok = c.strParts(part, c.ctx, sink)
			default:
				v, ds := part.Value(c.ctx)
				if pok = c.addDiags(ds); pok {
					v, _ = v.UnmarkDeep()
					str, err := toString(v)
					if err != nil {
						c.errorf(part.Range(), "Invalid template interpolation value", "%s.", upperFirst(err.Error()))
						pok = false
					}
					s = ir.Lit(str)
				}
			}
			if !pok {
				ok = false
				continue
			}
			b.add(s)
		}
		return b.str(), ok
	}
	if hasRuntime(expr) {
		return c.strParts(expr, c.ctx, sink) // reports the reference inside a function
	}
	return c.derive(ec, expr, sc)
}

// tmplList compiles a list of strings (command, shell). A list written
// element by element is compiled element by element; a list computed from
// each must have the same length for every item.
func (c *compiler) tmplList(expr hcl.Expression, ec *eachCtx, sc scope, sink *refSink, what string) ([]ir.Str, bool) {
	if ec == nil || !usesEach(expr) {
		if !sc.runtime {
			v, ok := c.evalCompileTime(expr, c.ctx, sc)
			if !ok {
				return nil, false
			}
			l, err := toStringList(v)
			if err != nil {
				c.errorf(expr.Range(), "Incorrect value type", "%s.", upperFirst(err.Error()))
				return nil, false
			}
			out := make([]ir.Str, len(l))
			for i, s := range l {
				out[i] = ir.Lit(s)
			}
			return out, true
		}
		return c.strList(expr, c.ctx, sc, sink)
	}
	if tuple, isTuple := expr.(*hclsyntax.TupleConsExpr); isTuple {
		out := make([]ir.Str, 0, len(tuple.Exprs))
		ok := true
		for _, e := range tuple.Exprs {
			s, eok := c.tmplStr(e, ec, sc, sink)
			ok = ok && eok
			out = append(out, s)
		}
		return out, ok
	}
	if !c.checkRefs(expr, sc) {
		return nil, false
	}
	if hasRuntime(expr) {
		c.strParts(expr, c.ctx, sink) // reports the reference inside a function
		return nil, false
	}
	vals, ok := c.eachValues(ec, expr, sc)
	if !ok {
		return nil, false
	}
	lists := make([][]string, len(vals))
	for i, v := range vals {
		l, err := toStringList(v)
		if err != nil {
			c.errorf(expr.Range(), "Incorrect value type", "%s.", upperFirst(err.Error()))
			return nil, false
		}
		lists[i] = l
		if len(l) != len(lists[0]) {
			c.errorf(expr.Range(), "Length of "+what+" depends on each",
				"%s has %d elements for each.key = %q but %d for each.key = %q. The instances of a for_each task share one template, so each may change the elements of %s but not how many there are; write it as a list of elements, such as [\"prog\", each.value].",
				what, len(lists[0]), ec.items[0].Key, len(l), ec.items[i].Key, what)
			return nil, false
		}
	}
	src := c.source(expr.Range())
	out := make([]ir.Str, len(lists[0]))
	texts := make([]string, len(lists))
	for j := range out {
		for i := range lists {
			texts[i] = lists[i][j]
		}
		out[j] = ec.vector(texts, src+"["+strconv.Itoa(j)+"]", expr.Range())
	}
	return out, true
}

// tmplMap compiles env: names fixed for the task, values per template.
func (c *compiler) tmplMap(expr hcl.Expression, ec *eachCtx, sc scope, sink *refSink) (map[string]ir.Str, map[string]hcl.Range, bool) {
	if ec == nil || !usesEach(expr) {
		return c.strMap(expr, c.ctx, sc, sink)
	}
	out := map[string]ir.Str{}
	ranges := map[string]hcl.Range{}
	key := func(kexpr hcl.Expression) (string, bool) {
		if !usesEach(kexpr) {
			return c.compileTimeKey(kexpr, c.ctx, sc)
		}
		vals, ok := c.eachValues(ec, kexpr, sc)
		if !ok {
			return "", false
		}
		var first string
		for i, v := range vals {
			k, err := toString(v)
			if err != nil {
				c.errorf(kexpr.Range(), "Invalid key", "%s.", upperFirst(err.Error()))
				return "", false
			}
			if i == 0 {
				first = k
			} else if k != first {
				c.errorf(kexpr.Range(), "Environment variable name depends on each", "The name is %q for each.key = %q but %q for each.key = %q. The instances of a for_each task share one template: each may change the values of env, not the names.", first, ec.items[0].Key, k, ec.items[i].Key)
				return "", false
			}
		}
		return first, true
	}
	if obj, isObj := expr.(*hclsyntax.ObjectConsExpr); isObj {
		return c.objectStrs(obj, out, ranges, key, func(e hcl.Expression) (ir.Str, bool) { return c.tmplStr(e, ec, sc, sink) })
	}
	if !c.checkRefs(expr, sc) {
		return nil, nil, false
	}
	if hasRuntime(expr) {
		c.strParts(expr, c.ctx, sink)
		return nil, nil, false
	}
	vals, ok := c.eachValues(ec, expr, sc)
	if !ok {
		return nil, nil, false
	}
	maps := make([]map[string]string, len(vals))
	for i, v := range vals {
		m, err := toStringMap(v)
		if err != nil {
			c.errorf(expr.Range(), "Incorrect value type", "%s.", upperFirst(err.Error()))
			return nil, nil, false
		}
		maps[i] = m
		same := len(m) == len(maps[0])
		for k := range m {
			_, in := maps[0][k]
			same = same && in
		}
		{
			if !same {
				c.errorf(expr.Range(), "Environment variable names depend on each", "env sets other names for each.key = %q than for each.key = %q. The instances of a for_each task share one template: each may change the values of env, not the names.", ec.items[i].Key, ec.items[0].Key)
				return nil, nil, false
			}
		}
	}
	src := c.source(expr.Range())
	texts := make([]string, len(maps))
	for _, k := range sortedKeys(maps[0]) {
		for i := range maps {
			texts[i] = maps[i][k]
		}
		out[k], ranges[k] = ec.vector(texts, src+"["+strconv.Quote(k)+"]", expr.Range()), expr.Range()
	}
	return out, ranges, true
}
