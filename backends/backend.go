// Package backends defines what every target of dagc implements.
package backends

import (
	"flag"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// File is one generated file: a path relative to the output directory and
// its exact bytes.
type File struct {
	Path string
	Data []byte
	// Lines marks a file of lines that may hold the user's own too (an
	// .airflowignore): generate adds the lines of Data that are missing
	// and keeps the rest, and --check asks only that they are there.
	Lines bool
}

// MissingLines are the lines of want that have is lacking, in order.
func MissingLines(have, want []byte) []string {
	present := map[string]bool{}
	for _, l := range strings.Split(string(have), "\n") {
		present[l] = true
	}
	var missing []string
	for _, l := range strings.Split(strings.TrimSuffix(string(want), "\n"), "\n") {
		if !present[l] {
			missing = append(missing, l)
		}
	}
	return missing
}

// Renderer turns a validated pipeline into the files of one engine. It does
// no I/O. Check reports every feature of the pipeline the engine cannot
// express (as ir.Unsupported diagnostics) and Render only runs when Check
// found no error.
type Renderer interface {
	Name() string
	Check(p *ir.Pipeline) ir.Diagnostics
	Render(p *ir.Pipeline) ([]File, ir.Diagnostics)
}

// Feature is one row of the support matrix printed by `dagc backends`.
type Feature struct {
	Name    string
	Support string // how the backend renders it, or "no: <why>"
}

// Describer is implemented by every backend so `dagc backends` can print the
// support matrix from the code rather than from a document that may drift.
type Describer interface {
	Name() string
	Features() []Feature
}

// FeatureNames are the rows of the support matrix, in DESIGN section 3 order.
var FeatureNames = []string{
	"task", "edges", "for_each", "for_each over a run-time value", "retry", "timeout", "schedule, timezone",
	"params", "outputs", "when / trigger", "run state", "final", "concurrency", "artifacts",
}

// SettingsChecker is implemented by every backend that has a settings
// block named after it (`airflow {}`, …): CheckSettings decodes the
// backend's blocks of p with its schema (backends/settings) and reports
// every problem at the attribute. dagc runs it for every backend on every
// pipeline it loads, so validate catches a misspelt setting of any engine.
type SettingsChecker interface {
	CheckSettings(p *ir.Pipeline) ir.Diagnostics
}

// FlagAdder is implemented by a renderer with options of its own on
// `dagc generate <name>` (argo --kind). The flags set the renderer.
type FlagAdder interface {
	AddFlags(fs *flag.FlagSet)
}
