package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagc-dev/dagc/backends/local"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/report"
	"github.com/dagc-dev/dagc/trace"
)

func init() { register(newReportCmd) }

func newReportCmd(s *streams) *cobra.Command {
	var stateDir, out string
	cmd := &cobra.Command{
		Use:   "report RUN_ID",
		Short: "Write a past local run as one self-contained HTML page",
		Long: "Write the run RUN_ID (from <state-dir>/runs) as one HTML page with no network\n" +
			"assets: the graph coloured by final state, every attempt on a time axis, and\n" +
			"per task its state, attempts, duration, outputs and the last lines of its log.\n" +
			"`dagc run --report FILE` writes the same page when a run ends.",
		Args: cobra.ExactArgs(1),
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", ".dagc", "`dir`ectory of the run journals, logs and outputs")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the page to `file` (default: report.html in the run's directory)")
	cmd.RunE = func(_ *cobra.Command, args []string) error {
		id := args[0]
		if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`) {
			return usageErrorf("give the id of a run in %s, not %q", filepath.Join(stateDir, "runs"), id)
		}
		meta, err := local.ReadMeta(stateDir, id)
		if err != nil {
			return runError(err)
		}
		in := inputFlags{vars: meta.Vars, varFiles: meta.VarFiles}
		_, pipes, err := loadPipelines(s, []string{meta.File}, &in)
		if err != nil {
			return err
		}
		if len(pipes) != 1 {
			return &exitError{code: exitFail, msg: fmt.Sprintf("%s no longer holds one pipeline", meta.File)}
		}
		dir := local.RunDir(stateDir, id)
		if out == "" {
			out = filepath.Join(dir, "report.html")
		}
		if err := writeReport(out, pipes[0], id, dir); err != nil {
			return &exitError{code: exitFail, msg: err.Error()}
		}
		fmt.Fprintln(s.out, out)
		return nil
	}
	return cmd
}

// writeReport renders the run in dir (its attempts file and logs) to the
// file at path, atomically.
func writeReport(path string, p *ir.Pipeline, runID, dir string) error {
	f, err := os.Open(filepath.Join(dir, local.AttemptsFile))
	if err != nil {
		return fmt.Errorf("run %s has no attempts file: %v", runID, err)
	}
	recs, state, err := trace.Read(f)
	f.Close()
	if err != nil {
		return err
	}
	if state == "" {
		state = runState(p, recs)
	}
	// Logs are named by the instance's position in its task (AttemptLog).
	index := map[string]int{}
	for _, t := range p.Tasks {
		for i, inst := range t.Instances() {
			index[trace.Key(t.Name, inst.Key)] = i
		}
	}
	in := report.Input{Pipeline: p, RunID: runID, State: state, Records: recs,
		Log: func(task, key string, attempt int) string {
			return report.Tail(local.AttemptLog(dir, task, key, index[trace.Key(task, key)], attempt), report.LogLines)
		}}
	tmp := path + ".tmp"
	w, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := report.Write(w, in); err != nil {
		w.Close()
		os.Remove(tmp)
		return err
	}
	if err := w.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// runState judges a finished run from its instances' last records by
// ir.RunState (allow_failure included), for an attempts file without a
// run line; "" when some instance has no record (the run did not finish).
func runState(p *ir.Pipeline, recs []trace.Record) string {
	last := map[string]string{}
	for _, r := range recs {
		last[trace.Key(r.Task, r.Instance)] = r.State
	}
	var ended []ir.Ended
	for _, t := range p.Tasks {
		for _, inst := range t.Instances() {
			st, ok := last[trace.Key(t.Name, inst.Key)]
			if !ok {
				return ""
			}
			ended = append(ended, ir.Ended{State: ir.State(st), FailureTolerated: t.AllowFailure, Final: t.Final})
		}
	}
	return string(ir.RunState(ended))
}
