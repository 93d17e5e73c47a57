// Command dagc compiles HCL pipelines for Airflow, Argo and Step Functions,
// and runs them locally.
package main

import (
	"os"

	"github.com/dagc-dev/dagc/backends/local"
)

func main() {
	// First: a run's guardian process is this binary started again.
	local.Main()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
