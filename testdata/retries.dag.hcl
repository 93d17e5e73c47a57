# A task that fails on its first attempt and succeeds on the second (a
# marker file per run remembers the first attempt), retried with backoff and
# a cap; a timeout that is not reached.
pipeline "retries" {
  description = "Retry with backoff; the run succeeds."
  timeout     = "10m"

  defaults {
    image = "alpine:3.20"
  }
}

task "flaky" {
  script = <<-EOT
    marker="/tmp/dagc-retry-${run.id}-flaky"
    if [ -e "$marker" ]; then
      echo "second attempt: succeeding"
      rm -f "$marker"
      printf %s recovered > "$DAGC_OUTPUTS/status"
    else
      echo "first attempt: failing on purpose" >&2
      : > "$marker"
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
