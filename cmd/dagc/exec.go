package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/internal/entrypoint"
)

func init() { register(newExecCmd) }

func newExecCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "exec -- PROGRAM [ARG...]",
		Short: "Run a task in its container by dagc's container contract (the Step Functions entrypoint)",
		Long: "Run PROGRAM with its arguments, without a shell, as the task of a container the\n" +
			"engine started: create $DAGC_OUTPUTS for the outputs named in $DAGC_OUTPUT_NAMES,\n" +
			"change into $DAGC_WORKDIR, pass SIGTERM on to the command's process group, and\n" +
			"report the outcome to Step Functions with SendTaskSuccess / SendTaskFailure when\n" +
			"$DAGC_TASK_TOKEN is set (AWS SDK for Go; the container's AWS configuration).\n" +
			"The exit status is the command's. See docs/stepfunctions.md.",
		Args:               cobra.ArbitraryArgs,
		DisableFlagParsing: false,
		RunE: func(cmd *cobra.Command, argv []string) error {
			if cmd.ArgsLenAtDash() != 0 {
				return usageErrorf("give the command after --: dagc exec -- PROGRAM [ARG...]")
			}
			ctx := context.Background()
			var rep entrypoint.Reporter
			if os.Getenv(entrypoint.EnvTaskToken) != "" {
				sf, err := entrypoint.NewStepFunctions(ctx)
				if err != nil {
					fmt.Fprintf(s.err, "dagc exec: cannot load the AWS configuration: %v\n", err)
				} else {
					rep = sf
				}
			}
			code := entrypoint.Run(ctx, argv, entrypoint.Config{Env: os.Environ(), Stdout: s.out, Stderr: s.err, Reporter: rep})
			if code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}
