# The triggers beyond the first four, each over successful, failed and
# skipped upstreams, and what follows from an upstream_failed they decide.
# Every rule is decided once all upstream instances have ended (DESIGN 2.4).
# The run ends failed: "boom" and the instance fan[1] fail.
# Expected run: failed
#
# Expected final states:
#   ok                       success
#   fan[0]                   success
#   boom                     failed
#   fan[1]                   failed
#   gated                    skipped           (when false)
#   one_success_mixed        success           (one_success: ok succeeded)
#   one_success_none         upstream_failed   (one_success: none succeeded, boom failed)
#   one_success_skipped      skipped           (one_success: every upstream skipped)
#   one_success_fan          success           (one_success: fan[0] succeeded)
#   none_failed_skip         success           (none_failed: a skip is fine)
#   none_failed_bad          upstream_failed   (none_failed: boom failed)
#   none_failed_fan          upstream_failed   (none_failed: fan[1] failed)
#   min_one_ok               success           (none_failed_min_one_success)
#   min_one_skipped          skipped           (none_failed_min_one_success: no success)
#   min_one_bad              upstream_failed   (none_failed_min_one_success: boom failed)
#   none_skipped_ok          success           (none_skipped: a failure is fine)
#   none_skipped_skip        skipped           (none_skipped: gated skipped)
#   after_none               upstream_failed   (all_success after an upstream_failed)
#   handler                  success           (one_failed: upstream_failed counts)
pipeline "more_triggers" {
  description = "one_success, none_failed, none_failed_min_one_success and none_skipped; the run ends failed."

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

task "gated" {
  when    = param.enabled
  command = ["sh", "-c", "echo never runs"]
}

task "fan" {
  for_each = ["a", "b"]
  command  = ["sh", "-c", "test \"$0\" = a", each.value]
}

task "one_success_mixed" {
  trigger    = "one_success"
  depends_on = [task.ok, task.boom]
  command    = ["sh", "-c", "echo 'one upstream succeeded'"]
}

task "one_success_none" {
  trigger    = "one_success"
  depends_on = [task.boom, task.gated]
  command    = ["sh", "-c", "echo never runs"]
}

task "one_success_skipped" {
  trigger    = "one_success"
  depends_on = [task.gated]
  command    = ["sh", "-c", "echo never runs"]
}

task "one_success_fan" {
  trigger    = "one_success"
  depends_on = [task.fan]
  command    = ["sh", "-c", "echo 'one instance succeeded'"]
}

task "none_failed_skip" {
  trigger    = "none_failed"
  depends_on = [task.ok, task.gated]
  command    = ["sh", "-c", "echo 'nothing failed'"]
}

task "none_failed_bad" {
  trigger    = "none_failed"
  depends_on = [task.ok, task.boom]
  command    = ["sh", "-c", "echo never runs"]
}

task "none_failed_fan" {
  trigger    = "none_failed"
  depends_on = [task.fan]
  command    = ["sh", "-c", "echo never runs"]
}

task "min_one_ok" {
  trigger    = "none_failed_min_one_success"
  depends_on = [task.ok, task.gated]
  command    = ["sh", "-c", "echo 'nothing failed, one succeeded'"]
}

task "min_one_skipped" {
  trigger    = "none_failed_min_one_success"
  depends_on = [task.gated]
  command    = ["sh", "-c", "echo never runs"]
}

task "min_one_bad" {
  trigger    = "none_failed_min_one_success"
  depends_on = [task.ok, task.boom]
  command    = ["sh", "-c", "echo never runs"]
}

task "none_skipped_ok" {
  trigger    = "none_skipped"
  depends_on = [task.ok, task.boom]
  command    = ["sh", "-c", "echo 'nothing skipped'"]
}

task "none_skipped_skip" {
  trigger    = "none_skipped"
  depends_on = [task.ok, task.gated]
  command    = ["sh", "-c", "echo never runs"]
}

task "after_none" {
  depends_on = [task.one_success_none]
  command    = ["sh", "-c", "echo never runs"]
}

task "handler" {
  trigger    = "one_failed"
  depends_on = [task.one_success_none]
  command    = ["sh", "-c", "echo 'handling an upstream_failed'"]
}
