package local

import "github.com/dagc-dev/dagc/backends"

// Engine describes the local runner for the support matrix.
type Engine struct{}

// Name is the engine's name on the command line.
func (Engine) Name() string { return "local" }

// Features is this engine's row set of the support matrix.
func (Engine) Features() []backends.Feature {
	return []backends.Feature{
		{Name: "task", Support: "a process group per attempt (image and resources do not apply)"},
		{Name: "edges", Support: "scheduler ready queue"},
		{Name: "for_each", Support: "one scheduled instance per element"},
		{Name: "for_each over a run-time value", Support: "instances made when the task starts, from the source's value"},
		{Name: "retry", Support: "scheduler, exponential backoff with cap; on_exit_codes: only those exit codes"},
		{Name: "timeout", Support: "kill the process group (SIGTERM, grace, SIGKILL)"},
		{Name: "schedule, timezone", Support: "n/a: runs now (run.date in the pipeline's timezone)"},
		{Name: "params", Support: "--param k=v"},
		{Name: "outputs", Support: "files under $DAGC_OUTPUTS"},
		{Name: "when / trigger", Support: "scheduler running ir.Decide, all eight triggers (DESIGN 2.4)"},
		{Name: "run state", Support: "failed when any task failed (exit 1); allow_failure: ir.RunState with FailureTolerated"},
		{Name: "final", Support: "scheduled once every other task has ended"},
		{Name: "concurrency", Support: "-j, capped by concurrency"},
		{Name: "artifacts", Support: "folders under the run directory, or a file:// storage: hard links (copies with --isolate or across file systems), moved into place on success"},
	}
}
