package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

func newValidateCmd(s *streams) *cobra.Command {
	var (
		in     inputFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check pipelines and report every problem with its source location",
		Long: "Parse and validate each pipeline: a file, or every *.dag.hcl file in a directory\n" +
			"(default: the current directory). Problems are printed Terraform style, or as a\n" +
			"JSON array with --format json (on stdout). Exit 0 when valid, 1 when not.",
	}
	in.add(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "diagnostics format: `text` or json")
	cmd.RunE = func(_ *cobra.Command, paths []string) error {
		if format != "text" && format != "json" {
			return usageErrorf("--format must be text or json, not %q", format)
		}
		if len(paths) == 0 {
			paths = []string{"."}
		}
		p := parser.New()
		pipes, diags := p.ParsePaths(paths, in.options())
		if format == "json" {
			if diags == nil {
				diags = ir.Diagnostics{}
			}
			if err := p.WriteDiagnosticsJSON(s.out, diags); err != nil {
				return err
			}
		} else if len(diags) > 0 {
			p.WriteDiagnostics(s.err, diags)
		}
		if diags.HasErrors() {
			return failed()
		}
		if format == "text" {
			for _, pipe := range pipes {
				fmt.Fprintln(s.out, summary(pipe))
			}
		}
		return nil
	}
	return cmd
}

// summary is the one line validate prints for a valid pipeline.
func summary(p *ir.Pipeline) string {
	instances, edges := 0, 0
	for _, t := range p.Tasks {
		instances += t.NumInstances()
		edges += len(t.Edges)
	}
	return fmt.Sprintf("%s: %d tasks, %d instances, %d edges — valid", p.Name, len(p.Tasks), instances, edges)
}

func init() { register(newValidateCmd) }
