package parser

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/dagc-dev/dagc/ir"
)

// Values that reach a process (argv, environment, working directory) are
// C strings: a NUL byte would cut them, and an empty program name names
// nothing. Both are refused here with the value's range rather than failing
// at run time with "fork/exec …: invalid argument".

func hasNUL(s ir.Str) bool {
	for _, p := range s.Parts {
		if p.Ref == nil && strings.IndexByte(p.Lit, 0) >= 0 {
			return true
		}
	}
	return false
}

// procErrorf reports a problem once per range: a for_each task compiles its
// attributes once per instance.
func (c *compiler) procErrorf(r hcl.Range, summary, format string, args ...any) {
	for _, d := range c.diags {
		if d.Subject != nil && *d.Subject == r && d.Summary == summary {
			return
		}
	}
	c.errorf(r, summary, format, args...)
}

// checkCommand checks a compiled command: no NUL in any element, and a
// first element (the program) that is not empty.
func (c *compiler) checkCommand(expr hcl.Expression, l []ir.Str) {
	elem := func(i int) hcl.Range {
		if tuple, ok := expr.(*hclsyntax.TupleConsExpr); ok && i < len(tuple.Exprs) {
			return tuple.Exprs[i].Range()
		}
		return expr.Range()
	}
	for i, s := range l {
		if hasNUL(s) {
			c.procErrorf(elem(i), "NUL byte in command", "Element %d of command holds a NUL byte (\\u0000). A process argument ends at the first NUL, so no program can receive this value.", i)
		}
	}
	if len(l) > 0 && len(l[0].Parts) == 0 {
		c.procErrorf(elem(0), "Empty program name", "The first element of command is the program to run; it is empty.")
	}
}

func (c *compiler) checkScript(expr hcl.Expression, s ir.Str) {
	if hasNUL(s) {
		c.procErrorf(expr.Range(), "NUL byte in script", "The script holds a NUL byte (\\u0000). The script is passed to the shell as an argument, which ends at the first NUL.")
	}
}

func (c *compiler) checkEnvValues(m map[string]ir.Str, ranges map[string]hcl.Range) {
	for k, v := range m {
		if hasNUL(v) {
			c.procErrorf(ranges[k], "NUL byte in env", "The value of env %q holds a NUL byte (\\u0000). An environment variable ends at the first NUL, so the task could not receive this value.", k)
		}
	}
}

func (c *compiler) checkPlain(a *hcl.Attribute, what string, vals ...string) {
	for _, v := range vals {
		if strings.IndexByte(v, 0) >= 0 {
			c.procErrorf(a.Expr.Range(), "NUL byte in "+what, "The %s holds a NUL byte (\\u0000), which no process can receive.", what)
			return
		}
	}
}
