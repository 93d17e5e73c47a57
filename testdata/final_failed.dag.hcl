# Exit handlers (final = true) on a run that fails. They start once every
# other task has ended, whatever their states, and read the run's state as
# judged over those tasks (DESIGN 2.4): failed, because "check" and one
# instance of "shard" ended failed, even though the one_failed handler
# "recover" succeeded. run.failed_tasks lists the failed instances in
# pipeline order; "load" ended upstream_failed and is not listed.
#
# Expected run: failed
#
# Expected final states:
#   extract      success
#   check        failed
#   shard[0]     success
#   shard[1]     failed
#   load         upstream_failed
#   recover      success           (one_failed: the run still fails)
#   notify       success           status = failed, failed = ["check","shard[1]"]
#   on_failure   success           (when run.status == "failed")
#   on_success   skipped           (when run.status == "success")
pipeline "final_failed" {
  description = "Exit handlers after a failing run."

  defaults {
    image = "alpine:3.20"
  }
}

task "extract" {
  command = ["sh", "-c", "echo extracting"]
}

task "check" {
  depends_on = [task.extract]
  command    = ["sh", "-c", "echo 'check failing on purpose' >&2; exit 3"]
}

task "shard" {
  depends_on = [task.extract]
  for_each   = ["ok", "bad"]
  command    = ["sh", "-c", "test \"$1\" = ok", "shard", each.value]
}

task "load" {
  depends_on = [task.shard]
  command    = ["sh", "-c", "echo loading"]
}

task "recover" {
  depends_on = [task.check, task.shard]
  trigger    = "one_failed"
  command    = ["sh", "-c", "echo recovering"]
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
  command = ["sh", "-c", "echo \"failed: $1\" > \"$DAGC_OUTPUTS/message\"", "on_failure", run.failed_tasks]
  outputs = ["message"]
}

task "on_success" {
  final   = true
  when    = run.status == "success"
  command = ["sh", "-c", "echo 'all good'"]
}
