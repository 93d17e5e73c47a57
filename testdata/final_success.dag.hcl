# Exit handlers (final = true) on a run that succeeds: a task skipped by its
# when and a tolerated path do not fail the run, so the handlers read
# run.status = success and an empty run.failed_tasks.
#
# Expected run: success
#
# Expected final states:
#   prepare      success
#   optional     skipped           (when false)
#   publish      success           (none_failed: the skip is fine)
#   notify       success           status = success, failed = []
#   on_failure   skipped           (when run.status == "failed")
#   on_success   success           (when run.status == "success")
pipeline "final_success" {
  description = "Exit handlers after a successful run."

  defaults {
    image = "alpine:3.20"
  }
}

param "with_optional" {
  type    = bool
  default = false
}

task "prepare" {
  command = ["sh", "-c", "echo 42 > \"$DAGC_OUTPUTS/rows\""]
  outputs = ["rows"]
}

task "optional" {
  depends_on = [task.prepare]
  when       = param.with_optional
  command    = ["sh", "-c", "echo optional"]
}

task "publish" {
  depends_on = [task.prepare, task.optional]
  trigger    = "none_failed"
  command    = ["sh", "-c", "echo \"publishing $1 rows\"", "publish", task.prepare.outputs.rows]
}

task "notify" {
  final   = true
  env     = { STATUS = run.status, FAILED = run.failed_tasks }
  script  = <<-EOT
    printf '%s' "$STATUS" > "$DAGC_OUTPUTS/status"
    printf '%s' "$FAILED" > "$DAGC_OUTPUTS/failed"
  EOT
  outputs = ["status", "failed"]
}

task "on_failure" {
  final   = true
  when    = run.status == "failed"
  command = ["sh", "-c", "echo 'the run failed' >&2; exit 1"]
}

task "on_success" {
  final   = true
  when    = run.status == "success"
  command = ["sh", "-c", "echo \"run $1\" > \"$DAGC_OUTPUTS/message\"", "on_success", run.status]
  outputs = ["message"]
}
