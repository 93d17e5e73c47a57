package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/registry"
	"github.com/dagc-dev/dagc/ir"
)

func newValidateCmd(s *streams) *cobra.Command {
	var (
		in      inputFlags
		format  string
		targets []string
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
	cmd.Flags().StringSliceVar(&targets, "target", nil, "also run these backends' checks (comma-separated: "+strings.Join(renderTargetNames(), ", ")+")")
	cmd.RunE = func(_ *cobra.Command, paths []string) error {
		if format != "text" && format != "json" {
			return usageErrorf("--format must be text or json, not %q", format)
		}
		renderers, err := renderTargets(targets)
		if err != nil {
			return err
		}
		p, pipes, diags := parse(paths, &in)
		if !diags.HasErrors() {
			// What validate --target accepts, generate accepts: the same
			// Check and Render, with the files thrown away.
			for _, pipe := range pipes {
				for _, r := range renderers {
					d := r.Check(pipe)
					if !d.HasErrors() {
						_, rd := r.Render(pipe)
						d = append(d, rd...)
					}
					diags = append(diags, d...)
				}
			}
		}
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

// renderTargetNames lists the registered generate targets.
func renderTargetNames() []string {
	var names []string
	for _, e := range registry.All() {
		if _, ok := e.(backends.Renderer); ok {
			names = append(names, e.Name())
		}
	}
	return names
}

// renderTargets resolves --target names to fresh renderers.
func renderTargets(names []string) ([]backends.Renderer, error) {
	var out []backends.Renderer
	for _, n := range names {
		var found backends.Renderer
		for _, e := range registry.All() {
			if r, ok := e.(backends.Renderer); ok && e.Name() == n {
				found = r
			}
		}
		if found == nil {
			return nil, usageErrorf("--target %q is not a generate target; use one of %s.%s", n, strings.Join(renderTargetNames(), ", "), ir.DidYouMean(n, renderTargetNames()))
		}
		out = append(out, found)
	}
	return out, nil
}

// summary is the one line validate prints for a valid pipeline.
func summary(p *ir.Pipeline) string {
	instances, edges, dynamic := 0, 0, 0
	for _, t := range p.Tasks {
		if t.IsDynamic() {
			dynamic++
		}
		instances += t.NumInstances()
		edges += len(t.Edges)
	}
	more := ""
	if dynamic > 0 {
		more = fmt.Sprintf(" (and those of %d run-time fan-out(s))", dynamic)
	}
	return fmt.Sprintf("%s: %d tasks, %d instances%s, %d edges — valid", p.Name, len(p.Tasks), instances, more, edges)
}

func init() { register(newValidateCmd) }
