package argo

import "github.com/dagc-dev/dagc/backends"

// Features is this backend's row set of the support matrix.
func (r *Renderer) Features() []backends.Feature {
	return []backends.Feature{
		{Name: "task", Support: "container / script templates in one dag template (image required)"},
		{Name: "edges", Support: "depends"},
		{Name: "for_each", Support: "withItems"},
		{Name: "for_each over a run-time value", Support: "withParam from an expression that checks the value and gives each item its index"},
		{Name: "retry", Support: "retryStrategy with backoff (duration, factor, cap); on_exit_codes: retryStrategy.expression over lastRetry.exitCode"},
		{Name: "timeout", Support: "activeDeadlineSeconds per template and per workflow"},
		{Name: "schedule, timezone", Support: "CronWorkflow schedules + timezone"},
		{Name: "params", Support: "spec.arguments.parameters"},
		{Name: "outputs", Support: "output parameters (valueFrom.path), aggregated for withItems"},
		{Name: "when / trigger", Support: "when + depends expressions, all eight triggers"},
		{Name: "run state", Support: "failFast: false and every task a target: the workflow fails when any task failed; allow_failure: a run-state task (dagc-run-state) as the only target, failing on a Failed/Error task without allow_failure (continueOn is refused with depends)"},
		{Name: "final", Support: "onExit dag template dagc-exit; run.status from {{workflow.status}}, run.failed_tasks from {{workflow.failures}}"},
		{Name: "concurrency", Support: "spec.parallelism"},
		{Name: "artifacts", Support: "no: not yet"},
	}
}
