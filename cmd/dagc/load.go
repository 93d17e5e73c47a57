package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends/registry"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

// inputFlags are the compile-time inputs every command that reads
// pipelines accepts.
type inputFlags struct {
	vars     []string
	varFiles []string
}

func (f *inputFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.vars, "var", nil, "set a variable: `name=value` (repeatable)")
	cmd.Flags().StringArrayVar(&f.varFiles, "var-file", nil, "read variables from an HCL `file` (repeatable)")
}

func (f *inputFlags) options() parser.Options {
	return parser.Options{Vars: f.vars, VarFiles: f.varFiles, Environ: os.Environ(), Backends: registry.SettingsBlocks()}
}

// parse parses paths (default: the current directory) and decodes every
// pipeline's backend settings with each backend's schema, so every command
// reports a bad setting of any engine, at the attribute.
func parse(paths []string, f *inputFlags) (*parser.Parser, []*ir.Pipeline, ir.Diagnostics) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	p := parser.New()
	pipes, diags := p.ParsePaths(paths, f.options())
	for _, pipe := range pipes {
		diags = append(diags, registry.CheckSettings(pipe)...)
	}
	return p, pipes, diags
}

// loadPipelines parses paths (default: the current directory) and prints any
// diagnostics to stderr. It returns the parser (for printing later
// diagnostics with source snippets) and failed() when any error was found.
func loadPipelines(s *streams, paths []string, f *inputFlags) (*parser.Parser, []*ir.Pipeline, error) {
	p, pipes, diags := parse(paths, f)
	if len(diags) > 0 {
		p.WriteDiagnostics(s.err, diags)
	}
	if diags.HasErrors() {
		return p, pipes, failed()
	}
	return p, pipes, nil
}
