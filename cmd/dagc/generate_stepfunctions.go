package main

import (
	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/stepfunctions"
)

func init() {
	registerRenderer("stepfunctions", func(*cobra.Command) func() backends.Renderer {
		return func() backends.Renderer { return stepfunctions.New() }
	})
}
