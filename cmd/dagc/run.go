package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends/local"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

func init() { register(newRunCmd) }

func newRunCmd(s *streams) *cobra.Command {
	var (
		in        inputFlags
		localFlag bool
		params    []string
		jobs      int
		keepGoing bool
		dryRun    bool
		resume    string
		traceFile string
		traceFmt  string
		report    string
		stateDir  string
		date      string
		grace     time.Duration
		isolate   bool
	)
	cmd := &cobra.Command{
		Use:   "run [PATH]",
		Short: "Run a pipeline on this machine",
		Long: "Run a pipeline on this machine: PATH is a *.dag.hcl file, or a directory holding\n" +
			"exactly one (default: the current directory). Each task runs in its own process\n" +
			"group; its output is shown prefixed with its name and kept under\n" +
			"<state-dir>/runs/<run-id>/logs. Ctrl-C stops the run (a second Ctrl-C kills\n" +
			"at once); --resume RUN_ID re-runs what did not succeed. Exit 0 when the run\n" +
			"succeeded, 1 when a task failed.",
		Args: cobra.MaximumNArgs(1),
	}
	in.add(cmd)
	f := cmd.Flags()
	f.BoolVar(&localFlag, "local", true, "run with the local engine (the default and only engine of run)")
	f.StringArrayVar(&params, "param", nil, "set a run-time param: `name=value` (repeatable)")
	f.IntVarP(&jobs, "jobs", "j", 0, "run at most `N` tasks at once (default: number of CPUs; the pipeline's concurrency caps it)")
	f.BoolVar(&keepGoing, "keep-going", true, "after a task fails, keep running everything the trigger rules allow (--keep-going=false: start no more tasks)")
	f.BoolVar(&dryRun, "dry-run", false, "print the plan and run nothing")
	f.StringVar(&resume, "resume", "", "continue the run `RUN_ID`: keep what succeeded, re-run the rest")
	f.StringVar(&traceFile, "trace", "", "write one JSON line per attempt to `file`")
	f.StringVar(&traceFmt, "trace-format", "jsonl", "format of --trace: jsonl (dagc's trace) or chrome (the Chrome trace event format, for Perfetto)")
	f.StringVar(&report, "report", "", "write the run as one self-contained HTML page to `file` (graph, attempts, outputs, logs)")
	f.StringVar(&stateDir, "state-dir", ".dagc", "`dir`ectory for run journals, logs and outputs")
	f.StringVar(&date, "date", "", "logical date run.date as `YYYY-MM-DD` (default: today in the pipeline's timezone)")
	f.BoolVar(&isolate, "isolate", false, "give each task attempt a private /tmp, as a container has (Linux as root: a mount namespace; elsewhere only TMPDIR, TMP and TEMP)")
	f.DurationVar(&grace, "kill-grace", 5*time.Second, "time between SIGTERM and SIGKILL when stopping a task")
	f.MarkHidden("kill-grace")

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !localFlag {
			return usageErrorf("run has only the local engine; to run elsewhere use dagc generate")
		}
		opts := local.Options{
			Jobs: jobs, StateDir: stateDir, FailFast: !keepGoing, Out: s.out,
			Grace: grace, Vars: in.vars, VarFiles: absPaths(in.varFiles), Isolate: isolate,
		}
		if jobs < 0 {
			return usageErrorf("-j must be at least 1")
		}
		if traceFmt != "jsonl" && traceFmt != "chrome" {
			return usageErrorf("unknown --trace-format %q: use jsonl or chrome", traceFmt)
		}
		var given map[string]string
		if cmd.Flags().Changed("resume") && (resume == "" || resume == "." || resume == ".." || strings.ContainsAny(resume, `/\`)) {
			// An empty id used to start a fresh run; a path would reach
			// outside <state-dir>/runs.
			return usageErrorf("--resume needs the id of a run in %s, not %q", filepath.Join(stateDir, "runs"), resume)
		}
		if resume != "" {
			if len(args) > 0 || len(params) > 0 || len(in.vars) > 0 || len(in.varFiles) > 0 || date != "" || dryRun {
				return usageErrorf("--resume takes the run id only: the pipeline, vars, params and date come from the run")
			}
			meta, err := local.ReadMeta(stateDir, resume)
			if err != nil {
				return runError(err)
			}
			args = []string{meta.File}
			in.vars, in.varFiles = meta.Vars, meta.VarFiles
			opts.Vars, opts.VarFiles = meta.Vars, meta.VarFiles
			given = meta.Params
			opts.RunID, opts.Resume, opts.Date = resume, true, meta.Date
		} else {
			var err error
			if given, err = local.ParseParamFlags(params); err != nil {
				return runError(err)
			}
			if date != "" {
				if err := local.CheckDate(date); err != nil {
					return runError(err)
				}
				opts.Date = date
			}
		}
		_, pipes, err := loadPipelines(s, args, &in)
		if err != nil {
			return err
		}
		if len(pipes) != 1 {
			where := "."
			if len(args) > 0 {
				where = args[0]
			}
			return usageErrorf("%s holds %d pipelines; give the file of the one to run", where, len(pipes))
		}
		p := pipes[0]
		if opts.Params, err = local.ResolveParams(p, given); err != nil {
			return runError(err)
		}
		if dryRun {
			return local.Plan(s.out, p, jobs)
		}
		var chrome bytes.Buffer
		if traceFile != "" {
			tf, err := os.Create(traceFile)
			if err != nil {
				return &exitError{code: exitFail, msg: err.Error()}
			}
			defer tf.Close()
			opts.Trace = tf
			if traceFmt == "chrome" {
				// Complete events need the whole run: written at its end.
				opts.Trace = &chrome
				defer func() {
					recs, state, _ := trace.Read(&chrome)
					trace.WriteChrome(tf, recs, state)
				}()
			}
		}
		if f, ok := s.out.(*os.File); ok && local.IsTerminal(f) && os.Getenv("TERM") != "dumb" {
			opts.Progress = true
		}

		ctx, kill, release := local.WithSignals(context.Background())
		defer release()
		opts.Kill = kill
		res, err := local.Run(ctx, p, opts)
		if err != nil {
			return runError(err)
		}
		if report != "" {
			if err := writeReport(report, p, res.RunID, res.Dir); err != nil {
				return &exitError{code: exitFail, msg: err.Error()}
			}
			fmt.Fprintf(s.err, "report: %s\n", report)
		}
		if res.State != ir.Success {
			return failed()
		}
		return nil
	}
	return cmd
}

// absPaths makes var files absolute for the run's meta, so --resume finds
// them from any directory.
func absPaths(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		out[i] = p
	}
	return out
}

// runError maps the runner's errors to exit codes: a usage error (bad
// --param, unknown run) exits 2, anything else 1.
func runError(err error) error {
	var ue *local.UsageError
	if errors.As(err, &ue) {
		return usageErrorf("%s", ue.Msg)
	}
	return &exitError{code: exitFail, msg: fmt.Sprint(err)}
}
