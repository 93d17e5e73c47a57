# Every trigger rule, a deliberately failing task, skips propagating from a
# false when, and upstream_failed. The run must end failed, because "boom"
# ends failed (DESIGN 2.4), even though the failure handlers succeed.
#
# Expected run: failed
#
# Expected final states:
#   ok                   success
#   boom                 failed
#   after_boom           upstream_failed   (all_success, upstream failed)
#   after_after_boom     upstream_failed   (all_success, upstream upstream_failed)
#   on_failure           success           (one_failed, boom failed)
#   no_failure           skipped           (one_failed, every upstream succeeded)
#   all_failed_handler   success           (all_failed, every upstream failed)
#   not_all_failed       skipped           (all_failed, ok succeeded)
#   gated                skipped           (when false)
#   after_gated          skipped           (all_success, upstream skipped)
#   done_after_gated     success           (all_done runs whatever the states)
#   finally              success           (all_done over everything)
pipeline "triggers" {
  description = "Trigger rules and skip propagation; the run ends failed."

  defaults {
    image = "alpine:3.20"
  }
}

param "enabled" {
  type    = bool
  default = false
}

task "ok" {
  command = ["sh", "-c", "echo ok"]
}

task "boom" {
  command = ["sh", "-c", "echo 'failing on purpose' >&2; exit 1"]
}

task "after_boom" {
  depends_on = [task.boom]
  command    = ["sh", "-c", "echo never runs"]
}

task "after_after_boom" {
  depends_on = [task.after_boom]
  command    = ["sh", "-c", "echo never runs either"]
}

task "on_failure" {
  trigger    = "one_failed"
  depends_on = [task.ok, task.boom]
  command    = ["sh", "-c", "echo 'handling a failure'"]
}

task "no_failure" {
  trigger    = "one_failed"
  depends_on = [task.ok]
  command    = ["sh", "-c", "echo never runs"]
}

task "all_failed_handler" {
  trigger    = "all_failed"
  depends_on = [task.boom]
  command    = ["sh", "-c", "echo 'everything upstream failed'"]
}

task "not_all_failed" {
  trigger    = "all_failed"
  depends_on = [task.ok, task.boom]
  command    = ["sh", "-c", "echo never runs"]
}

task "gated" {
  depends_on = [task.ok]
  when       = param.enabled
  command    = ["sh", "-c", "echo never runs"]
}

task "after_gated" {
  depends_on = [task.gated]
  command    = ["sh", "-c", "echo never runs"]
}

task "done_after_gated" {
  trigger    = "all_done"
  depends_on = [task.gated]
  command    = ["sh", "-c", "echo 'runs after a skip'"]
}

task "finally" {
  trigger = "all_done"
  depends_on = [
    task.after_after_boom, task.on_failure, task.no_failure, task.all_failed_handler,
    task.not_all_failed, task.after_gated, task.done_after_gated,
  ]
  command = ["sh", "-c", "echo 'cleaning up'"]
}
