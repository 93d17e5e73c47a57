# A task that fails on its first attempt and succeeds on the second, retried
# with backoff and a cap; a timeout that is not reached. The attempt number
# comes from run.attempt and $DAGC_ATTEMPT, the same on every engine: no
# state is kept between attempts (a real cluster shares no /tmp).
pipeline "retries" {
  description = "Retry with backoff; the run succeeds."
  timeout     = "10m"

  defaults {
    image = "alpine:3.20"
  }
}

task "flaky" {
  script = <<-EOT
    if [ "$DAGC_ATTEMPT" -ge 2 ]; then
      echo "attempt $DAGC_ATTEMPT: succeeding"
      printf %s "recovered on attempt ${run.attempt}" > "$DAGC_OUTPUTS/status"
    else
      echo "attempt ${run.attempt}: failing on purpose" >&2
      exit 1
    fi
  EOT
  retry {
    attempts  = 3
    delay     = "1s"
    backoff   = 2
    max_delay = "2s"
  }
  timeout = "1m"
  outputs = ["status"]
}

task "steady" {
  command = ["sh", "-c", "echo steady"]
  retries = 2
  timeout = "30s"
}

task "after" {
  command    = ["sh", "-c", "echo \"flaky says $1\"", "after", task.flaky.outputs.status]
  depends_on = [task.steady]
}
