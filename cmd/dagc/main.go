// Command dagc compiles HCL pipelines for Airflow, Argo and Step Functions,
// and runs them locally.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
