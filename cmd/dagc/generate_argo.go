package main

import (
	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/argo"
)

func init() {
	registerRenderer("argo", func(cmd *cobra.Command) func() backends.Renderer {
		kind := new(kindFlag)
		cmd.Flags().Var(kind, "kind", "Argo object to render: workflow, cronworkflow or workflowtemplate (default: Workflow, or CronWorkflow for a pipeline with a schedule)")
		return func() backends.Renderer { return argo.New(kind.kind) }
	})
}

// kindFlag parses --kind when flags are parsed, so a bad value is a usage
// error (exit 2) before any file is read.
type kindFlag struct{ kind argo.Kind }

func (f *kindFlag) String() string { return string(f.kind) }
func (f *kindFlag) Type() string   { return "kind" }
func (f *kindFlag) Set(s string) error {
	k, err := argo.ParseKind(s)
	if err != nil {
		return err
	}
	f.kind = k
	return nil
}
