package main

import (
	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends"
	"github.com/dagc-dev/dagc/backends/airflow"
)

func init() {
	registerRenderer("airflow", func(*cobra.Command) func() backends.Renderer {
		return func() backends.Renderer { return airflow.New() }
	})
}
