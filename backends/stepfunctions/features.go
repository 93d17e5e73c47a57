package stepfunctions

import "github.com/dagc-dev/dagc/backends"

// Features is this backend's row set of the support matrix.
func (r *Renderer) Features() []backends.Feature {
	return []backends.Feature{
		{Name: "task", Support: "Task state: Batch submitJob, ECS runTask or Lambda invoke"},
		{Name: "edges", Support: "nested Parallel branches (series-parallel layout)"},
		{Name: "for_each", Support: "Map"},
		{Name: "for_each over a run-time value", Support: "inline Map over the parsed source (Parallel + Choice check the value); distributed mode not rendered"},
		{Name: "retry", Support: "Retry (IntervalSeconds, BackoffRate, MaxDelaySeconds); on_exit_codes: ErrorEquals dagc.exit.<code>, the container names its error"},
		{Name: "timeout", Support: "TimeoutSeconds per task and per state machine"},
		{Name: "schedule, timezone", Support: "CloudFormation AWS::Scheduler::Schedule beside the state machine"},
		{Name: "params", Support: "execution input merged with defaults"},
		{Name: "outputs", Support: "task token (SendTaskSuccess) or Lambda result"},
		{Name: "when / trigger", Support: "Choice + Catch with per-task state flags, all eight triggers"},
		{Name: "run state", Support: "final Choice → Fail when any task failed; allow_failure: left out of the final run-state Choice"},
		{Name: "final", Support: "the last states, after the run-state Choice sets $.run.status; then a final Choice judges the run"},
		{Name: "concurrency", Support: "Map MaxConcurrency"},
		{Name: "artifacts", Support: "dagc exec in the container moves them through an s3:// storage (AWS SDK for Go): inputs before the command, artifacts and their manifests after it"},
	}
}
