package airflow

import "github.com/dagc-dev/dagc/backends"

// Features is this backend's row set of the support matrix.
func (r *Renderer) Features() []backends.Feature {
	return []backends.Feature{
		{Name: "task", Support: "BashOperator (default) or KubernetesPodOperator (airflow { operator = \"kubernetes\" })"},
		{Name: "edges", Support: ">>"},
		{Name: "for_each", Support: ".partial().expand_kwargs() mapped tasks"},
		{Name: "for_each over a run-time value", Support: "an items task (<task>__items, same upstream and trigger rule) checks the value; .expand_kwargs(<task>__items.output); up to [core] max_map_length items; not with one_failed/one_success or the kubernetes operator"},
		{Name: "retry", Support: "retries, retry_delay, retry_exponential_backoff, max_retry_delay; on_exit_codes: RetryCodesBashOperator raises AirflowFailException for another exit code"},
		{Name: "timeout", Support: "execution_timeout, dagrun_timeout"},
		{Name: "schedule, timezone", Support: "schedule, start_date in the timezone (CronTriggerTimetable without start_date)"},
		{Name: "params", Support: "params with Param and types"},
		{Name: "outputs", Support: "XCom (BashOperator); no: KubernetesPodOperator"},
		{Name: "when / trigger", Support: "skip_on_exit_code (BashOperator) or a pre_execute skip (KubernetesPodOperator) + trigger_rule, all eight triggers; one_failed as all_done + a failed-upstream check, one_success rescheduled until every upstream ended"},
		{Name: "run state", Support: "Airflow's leaf rule where it agrees (no allow_failure or final task, only all_success, none_failed, none_failed_min_one_success below other tasks); otherwise a watcher task dagc.run_state (all_done) fails the run when any task failed; allow_failure: the watcher leaves the task out and counts only failed (dagc_check_run(allowed=[...]))"},
		{Name: "final", Support: "a task downstream of every other task with trigger_rule all_done; run.status and run.failed_tasks from the task states of the run"},
		{Name: "concurrency", Support: "max_active_tasks"},
		{Name: "artifacts", Support: "ArtifactBashOperator (in dagc_runtime) moves them with ObjectStoragePath around the command: inputs before it, artifacts and their manifests after it (storage_conn_id, default aws_default for s3://)"},
	}
}
