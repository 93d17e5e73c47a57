package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/registry"
)

func init() { register(newBackendsCmd) }

func newBackendsCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "backends",
		Short: "List the backends and what each supports",
		Long: "Print the support matrix: for each feature of the language, how each backend\n" +
			"renders it. A feature a backend cannot express is rejected by validate/generate\n" +
			"with a diagnostic naming the feature, the task and the backend.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			printMatrix(s, registry.All())
			return nil
		},
	}
}

func printMatrix(s *streams, engines []backends.Describer) {
	for i, e := range engines {
		if i > 0 {
			fmt.Fprintln(s.out)
		}
		fmt.Fprintf(s.out, "%s\n", e.Name())
		byName := map[string]string{}
		for _, f := range e.Features() {
			byName[f.Name] = f.Support
		}
		w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
		for _, name := range backends.FeatureNames {
			support := byName[name]
			if support == "" {
				support = "no"
			}
			fmt.Fprintf(w, "  %s\t%s\n", name, strings.TrimSpace(support))
		}
		w.Flush()
	}
}
