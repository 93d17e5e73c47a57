package parser

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/dagc-dev/dagc/ir"
)

// Per-backend blocks (`airflow {}`, `argo {}`, …) belong to the backends:
// the parser keeps each one as an ir.Settings, its attributes evaluated at
// compile time, and knows none of their fields. Which block types are
// backend blocks comes from Options.Backends (dagc passes its registry's
// names); see there for what nil means.

var backendScope = scope{
	eachReason:    "per-backend settings are the same for every instance, so they cannot use each.key or each.value.",
	runtimeReason: "per-backend settings are fixed when the pipeline is compiled.",
}

// languageBlocks are every block type the language itself defines; in
// permissive mode (Options.Backends nil) no backend may take these names.
var languageBlocks = []string{"pipeline", "variable", "param", "locals", "task", "defaults", "retry", "resources", "validation"}

// withBackends returns base with a block type for each backend added.
func withBackends(base *hcl.BodySchema, backends []string) *hcl.BodySchema {
	s := &hcl.BodySchema{Attributes: base.Attributes, Blocks: slices.Clip(base.Blocks)}
	for _, name := range backends {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: name})
	}
	return s
}

// schemaFor is the schema of a body that may hold backend blocks: base plus
// the configured backends, or, in permissive mode, plus every block type of
// body the language does not define.
func (c *compiler) schemaFor(base *hcl.BodySchema, withB *hcl.BodySchema, b hcl.Body) *hcl.BodySchema {
	if c.opts.Backends != nil {
		return withB
	}
	body, ok := b.(*hclsyntax.Body)
	if !ok {
		return base // every body of a parsed file is hclsyntax's
	}
	var extra []string
	for _, b := range body.Blocks {
		if !slices.Contains(languageBlocks, b.Type) && !slices.Contains(extra, b.Type) {
			extra = append(extra, b.Type)
		}
	}
	if len(extra) == 0 {
		return base
	}
	return withBackends(base, extra)
}

// isBackend reports whether a block type of a decoded body is a backend's.
func (c *compiler) isBackend(blockType string) bool {
	if c.opts.Backends != nil {
		return slices.Contains(c.opts.Backends, blockType)
	}
	return !slices.Contains(languageBlocks, blockType)
}

// backendBlocks keeps every backend block of content (the first of each
// type; singleBlocks reports the others) at level, in source order.
func (c *compiler) backendBlocks(content *hcl.BodyContent, blocks map[string]*hcl.Block, level ir.Level) []*ir.Settings {
	var out []*ir.Settings
	for _, b := range content.Blocks {
		if blocks[b.Type] == b && c.isBackend(b.Type) {
			out = append(out, c.settingsBlock(b, level))
		}
	}
	return out
}

// settingsBlock evaluates the attributes of one backend block.
func (c *compiler) settingsBlock(b *hcl.Block, level ir.Level) *ir.Settings {
	s := &ir.Settings{Backend: b.Type, Level: level, Range: toRange(b.TypeRange)}
	attrs, ds := b.Body.JustAttributes()
	c.addDiags(ds)
	for _, a := range sortedContentAttrs(attrs) {
		v, ok := c.evalCompileTime(a.Expr, c.ctx, backendScope)
		if !ok || v.IsNull() {
			continue
		}
		s.Attrs = append(s.Attrs, ir.Setting{Name: a.Name, Value: settingValue(v), NameRange: toRange(a.NameRange), Range: toRange(a.Expr.Range())})
	}
	return s
}

// settingValue turns a wholly known cty value into its plain Go form.
func settingValue(v cty.Value) ir.Value {
	if v.IsNull() {
		return ir.Value{Kind: ir.KindNull}
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return ir.StringValue(v.AsString())
	case ty == cty.Number:
		return ir.NumberValue(v.AsBigFloat().Text('f', -1))
	case ty == cty.Bool:
		return ir.BoolValue(v.True())
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		out := ir.Value{Kind: ir.KindList, List: make([]ir.Value, 0, v.LengthInt())}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			out.List = append(out.List, settingValue(ev))
		}
		return out
	case ty.IsMapType() || ty.IsObjectType():
		// cty iterates maps and objects in key order.
		out := ir.Value{Kind: ir.KindMap, Map: make([]ir.MapEntry, 0, v.LengthInt())}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			out.Map = append(out.Map, ir.MapEntry{Key: k.AsString(), Value: settingValue(ev)})
		}
		return out
	}
	return ir.Value{Kind: ir.KindNull}
}
