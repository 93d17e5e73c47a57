# retry { on_exit_codes }: only the listed exit codes are retried, any
# other failure is final on its first occurrence, whatever attempts remain.
# Exit code 75 (EX_TEMPFAIL) stands for a temporary failure here, 2 and 3
# for ones another attempt would not fix. The attempt number comes from
# $DAGC_ATTEMPT: nothing is shared between attempts.
# The run ends failed: "validate" and "flip" fail.
# Expected run: failed
#
# Expected final states:
#   fetch      success   (exit 75 on attempt 1, retried; succeeds on attempt 2)
#   validate   failed    (exit 2 on attempt 1: not listed, not retried)
#   flip       failed    (exit 75 on attempt 1, retried; exit 3 on attempt 2: final)
#   report     success   (all_done)
pipeline "exit_codes" {
  description = "Retry only on listed exit codes; the run ends failed."

  defaults {
    image = "alpine:3.20"
    retry {
      attempts      = 3
      delay         = "1s"
      on_exit_codes = [75]
    }
  }
}

task "fetch" {
  script  = <<-EOT
    if [ "$DAGC_ATTEMPT" -lt 2 ]; then
      echo "attempt $DAGC_ATTEMPT: temporary failure" >&2
      exit 75
    fi
    printf %s "fetched on attempt ${run.attempt}" > "$DAGC_OUTPUTS/status"
  EOT
  outputs = ["status"]
}

task "validate" {
  command = ["sh", "-c", "echo 'bad input: not worth a retry' >&2; exit 2"]
}

task "flip" {
  command = ["sh", "-c", "if [ \"$DAGC_ATTEMPT\" = 1 ]; then exit 75; fi; echo \"attempt $DAGC_ATTEMPT: final failure\" >&2; exit 3"]
  retry {
    attempts      = 5
    on_exit_codes = [75, 76]
  }
}

task "report" {
  trigger    = "all_done"
  depends_on = [task.validate, task.flip]
  command    = ["sh", "-c", "echo \"fetch says: $1\"", "report", task.fetch.outputs.status]
}
