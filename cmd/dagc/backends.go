package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { register(newBackendsCmd) }

func newBackendsCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "backends",
		Short: "List the backends and what each supports",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, b := range []string{"airflow", "argo", "stepfunctions", "local"} {
				fmt.Fprintln(s.out, b)
			}
			return nil
		},
	}
}
