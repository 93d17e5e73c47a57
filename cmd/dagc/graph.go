package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/graph"
)

func init() { register(newGraphCmd) }

func newGraphCmd(s *streams) *cobra.Command {
	var (
		in     inputFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "graph [PATH]",
		Short: "Print a pipeline's DAG as Graphviz DOT or Mermaid",
		Long: "Print the DAG of one pipeline (a *.dag.hcl file, or a directory holding exactly\n" +
			"one) for Graphviz (`dagc graph | dot -Tsvg > dag.svg`) or a Markdown page\n" +
			"(--format mermaid). for_each tasks are drawn as a group with one node per\n" +
			"instance; `when` and a trigger other than all_success are shown on the task,\n" +
			"and edges into such a task are dashed.",
		Args: cobra.MaximumNArgs(1),
	}
	in.add(cmd)
	cmd.Flags().StringVar(&format, "format", "dot", "output `format`: dot or mermaid")
	cmd.RunE = func(_ *cobra.Command, paths []string) error {
		f := graph.Format(format)
		if f != graph.DOT && f != graph.Mermaid {
			return usageErrorf("unknown --format %q: use dot or mermaid", format)
		}
		_, pipes, err := loadPipelines(s, paths, &in)
		if err != nil {
			return err
		}
		switch len(pipes) {
		case 0:
			return usageErrorf("no pipeline found in %s", strings.Join(orDot(paths), ", "))
		case 1:
		default:
			names := make([]string, len(pipes))
			for i, p := range pipes {
				names[i] = p.File
			}
			return usageErrorf("%d pipelines found (%s); give one file", len(pipes), strings.Join(names, ", "))
		}
		out, err := graph.Render(pipes[0], f)
		if err != nil {
			return usageErrorf("%v", err)
		}
		_, err = s.out.Write(out)
		return err
	}
	return cmd
}

// orDot returns paths, or "." when none was given (the default).
func orDot(paths []string) []string {
	if len(paths) == 0 {
		return []string{"."}
	}
	return paths
}
