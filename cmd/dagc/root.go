package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes (DESIGN 4).
const (
	exitOK    = 0
	exitFail  = 1 // the input has errors, a check failed, or a run failed
	exitUsage = 2
)

// exitError carries an exit code up to run; its message, if any, has not
// been printed yet. A silent exitError means the command already reported.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// failed is returned by a command that has printed its own diagnostics.
func failed() error { return &exitError{code: exitFail} }

// usageErrorf reports a usage error (exit 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// streams are the command's standard streams, so tests can run commands
// in-process.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// commandFactories is filled by each command file's init, one file per
// command, so adding a command touches no shared file.
var commandFactories []func(*streams) *cobra.Command

func register(f func(*streams) *cobra.Command) { commandFactories = append(commandFactories, f) }

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "dagc",
		Short:         "Compile HCL pipelines for Airflow, Argo and Step Functions, or run them locally",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, msg: err.Error()}
	})
	for _, f := range commandFactories {
		root.AddCommand(f(s))
	}
	return root
}

// run executes dagc with args and returns the process exit code. Errors are
// printed once, here, unless the command already reported them.
func run(args []string, in io.Reader, out, errw io.Writer) int {
	s := &streams{in: in, out: out, err: errw}
	root := newRootCmd(s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(errw, "Error:", ee.msg)
			if ee.code == exitUsage {
				fmt.Fprintln(errw, "Run 'dagc --help' for usage.")
			}
		}
		return ee.code
	}
	// Cobra's own errors (unknown command, bad args) are usage errors.
	fmt.Fprintln(errw, "Error:", err)
	fmt.Fprintln(errw, "Run 'dagc --help' for usage.")
	return exitUsage
}
