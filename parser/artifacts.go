package parser

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/dagc-dev/dagc/ir"
)

const inputsHelp = "inputs is an object of artifact references, such as inputs = { model = task.train.artifacts.model }; each is present at $DAGC_INPUTS/NAME before the command starts."

// decodeInputs compiles a task's inputs (DESIGN 2.6): an object whose keys
// name files under $DAGC_INPUTS and whose values are whole references
// task.X.artifacts.Y, each adding an edge from X.
func (c *compiler) decodeInputs(d *taskDecl, a *hcl.Attribute, sink *refSink) []ir.Input {
	syn, _ := a.Expr.(hclsyntax.Expression)
	obj, ok := unwrap(syn).(*hclsyntax.ObjectConsExpr)
	if !ok {
		c.errorf(a.Expr.Range(), "Invalid inputs", "%s", inputsHelp)
		return nil
	}
	if d.final {
		c.errorf(a.Expr.Range(), "inputs in a final task", "Task %q is final: it runs once every other task has ended, whatever their states, so it cannot receive an artifact of a task that may not have written it.", d.name)
		return nil
	}
	var inputs []ir.Input
	seen := map[string]hcl.Range{}
	for _, item := range obj.Items {
		name, ok := c.inputName(item.KeyExpr)
		if !ok {
			continue
		}
		if !ir.ValidOutputName(name) {
			c.errorf(item.KeyExpr.Range(), "Invalid input name", "An input name becomes a file name under $DAGC_INPUTS and an Argo artifact name: it must start with a letter or underscore and hold only letters, digits and underscores, at most %d characters; %q does not.", ir.MaxNameLen, name)
			continue
		}
		if first, dup := seen[name]; dup {
			c.errorf(item.KeyExpr.Range(), "Duplicate input", "The input %q is already named at %s.", name, rangeString(first))
			continue
		}
		seen[name] = item.KeyExpr.Range()
		if in, ok := c.artifactRef(d, item.ValueExpr, sink); ok {
			in.Name = name
			inputs = append(inputs, in)
		}
	}
	sort.Slice(inputs, func(i, j int) bool { return inputs[i].Name < inputs[j].Name })
	return inputs
}

// inputName reads an object key written as a bare name or a literal
// string.
func (c *compiler) inputName(key hclsyntax.Expression) (string, bool) {
	if k, ok := key.(*hclsyntax.ObjectConsKeyExpr); ok {
		if kw := hcl.ExprAsKeyword(k.Wrapped); kw != "" && !k.ForceNonLiteral {
			return kw, true
		}
		key = k.Wrapped
	}
	v, ds := key.Value(nil)
	if ds.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type().FriendlyName() != "string" {
		c.errorf(key.Range(), "Invalid input name", "An input is named by a plain name or a literal string. %s", inputsHelp)
		return "", false
	}
	return v.AsString(), true
}

// artifactRef compiles one value of inputs: task.X.artifacts.Y, whole.
func (c *compiler) artifactRef(d *taskDecl, expr hclsyntax.Expression, sink *refSink) (ir.Input, bool) {
	rng := expr.Range()
	x, ok := unwrap(expr).(*hclsyntax.ScopeTraversalExpr)
	bad := func(detail string) (ir.Input, bool) {
		c.errorf(rng, "Invalid input", "%s %s", detail, inputsHelp)
		return ir.Input{}, false
	}
	if !ok || x.Traversal.RootName() != "task" {
		return bad("An input is a whole reference to an artifact of another task, not " + c.source(rng) + ".")
	}
	var names []string
	for _, step := range x.Traversal[1:] {
		a, ok := step.(hcl.TraverseAttr)
		if !ok {
			return bad("An artifact reference cannot be indexed: a for_each task's artifact arrives as one directory with an entry per each.key.")
		}
		names = append(names, a.Name)
	}
	if len(names) != 3 || names[1] != "artifacts" {
		return bad("An input is written task.NAME.artifacts.ARTIFACT, not " + c.source(rng) + ".")
	}
	producer := c.tasks[names[0]]
	switch {
	case producer == nil:
		c.errorf(rng, "Reference to undeclared task", "No task %q is declared in this pipeline.%s", names[0], didYouMean(names[0], c.taskOrder))
		return ir.Input{}, false
	case producer.name == d.name:
		c.errorf(rng, "Task depends on itself", "Task %q reads its own artifact %q; a task cannot wait for itself.", d.name, names[2])
		return ir.Input{}, false
	case !producer.artifactsOK:
		return ir.Input{}, false // the artifacts attribute is already reported
	case !contains(producer.artifacts, names[2]):
		declared := "declares no artifacts"
		if len(producer.artifacts) > 0 {
			declared = "declares the artifacts " + strings.Join(producer.artifacts, ", ")
		}
		c.errorf(rng, "Reference to undeclared artifact", "The task %q %s.%s", producer.name, declared, didYouMean(names[2], producer.artifacts))
		return ir.Input{}, false
	}
	sink.add(producer.name, rng)
	return ir.Input{Task: producer.name, Artifact: names[2], Range: toRange(rng)}, true
}

// unwrap strips the parentheses and "${ }" wrappers around an expression.
func unwrap(expr hclsyntax.Expression) hclsyntax.Expression {
	for {
		switch w := expr.(type) {
		case *hclsyntax.TemplateWrapExpr:
			expr = w.Wrapped
		case *hclsyntax.ParenthesesExpr:
			expr = w.Expression
		default:
			return expr
		}
	}
}

// decodeStorage reads the pipeline's storage URI with ir's one rule.
func (c *compiler) decodeStorage(content *hcl.BodyContent, pipe *ir.Pipeline) {
	a, s, ok := c.attrStringR(content, "storage", c.ctx, scopeCompileTime)
	if !ok {
		return
	}
	if _, err := ir.ParseStorage(s); err != nil {
		c.errorf(a.Expr.Range(), "Invalid storage", "%s", sentence(upperFirst(err.Error())))
		return
	}
	pipe.Storage, pipe.StorageRange = s, toRange(a.Expr.Range())
}
