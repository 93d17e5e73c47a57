# A final task that fails fails the run (DESIGN 2.4), though every other
# task succeeded: run.status, which the final tasks read, is still
# success, as it is judged before they run.
#
# Expected run: failed
#
# Expected final states:
#   work         success
#   report       success           status = success, failed = []
#   cleanup      failed
pipeline "final_fails" {
  description = "A failing exit handler fails a run that had succeeded."

  defaults {
    image = "alpine:3.20"
  }
}

task "work" {
  command = ["sh", "-c", "echo working"]
}

task "report" {
  final   = true
  env     = { STATUS = run.status, FAILED = run.failed_tasks }
  command = ["sh", "-c", "printf '%s %s' \"$STATUS\" \"$FAILED\" > \"$DAGC_OUTPUTS/seen\""]
  outputs = ["seen"]
}

task "cleanup" {
  final   = true
  command = ["sh", "-c", "echo 'cleanup failing on purpose' >&2; exit 4"]
}
