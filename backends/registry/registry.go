// Package registry lists dagc's backends. `dagc generate`, `dagc backends`,
// the parser's set of settings blocks and the conformance suite all read
// this one list, so a new backend is one package plus one line here.
package registry

import (
	"cmp"
	"slices"
	"strings"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/airflow"
	"github.com/dagc-dev/dagc/backends/argo"
	"github.com/dagc-dev/dagc/backends/local"
	"github.com/dagc-dev/dagc/backends/stepfunctions"
	"github.com/dagc-dev/dagc/ir"
)

// engines makes a fresh instance of every backend, in the order dagc shows
// them. An engine that also implements backends.Renderer is a generate
// target; one that implements backends.SettingsChecker owns the settings
// block named after it.
var engines = []func() backends.Describer{
	func() backends.Describer { return airflow.New() },
	func() backends.Describer { return argo.New(argo.KindAuto) },
	func() backends.Describer { return stepfunctions.New() },
	func() backends.Describer { return local.Engine{} },
}

// All returns a fresh instance of every backend, in order. Fresh, because a
// renderer's flags (backends.FlagAdder) configure the instance.
func All() []backends.Describer {
	out := make([]backends.Describer, len(engines))
	for i, f := range engines {
		out[i] = f()
	}
	return out
}

// Names returns every backend's name, in order.
func Names() []string {
	var out []string
	for _, e := range All() {
		out = append(out, e.Name())
	}
	return out
}

// SettingsBlocks returns the names of the backends that own a settings
// block: the block types the parser keeps for them (parser.Options.Backends).
func SettingsBlocks() []string {
	out := []string{}
	for _, e := range All() {
		if _, ok := e.(backends.SettingsChecker); ok {
			out = append(out, e.Name())
		}
	}
	return out
}

// CheckSettings decodes p's settings blocks with every backend's schema
// and returns the problems in source order.
func CheckSettings(p *ir.Pipeline) ir.Diagnostics {
	var diags ir.Diagnostics
	for _, e := range All() {
		if c, ok := e.(backends.SettingsChecker); ok {
			diags = append(diags, c.CheckSettings(p)...)
		}
	}
	slices.SortStableFunc(diags, func(a, b ir.Diagnostic) int {
		return cmp.Or(strings.Compare(a.Subject.Filename, b.Subject.Filename), cmp.Compare(a.Subject.Start.Byte, b.Subject.Start.Byte))
	})
	return diags
}
