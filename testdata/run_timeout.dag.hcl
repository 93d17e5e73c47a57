# A run-level timeout that expires (DESIGN 2.4): the run fails, the
# attempt still running when it expires ends failed, and every task not
# started yet ends upstream_failed. Engines that record other states for
# them say so in their docs (Airflow: skipped), and the conformance suite
# compares through that mapping (conformance.RunTimeoutStates). The 10s
# leave room for extract to finish first on a loaded machine: Airflow's
# first task can take several seconds to start under `go test ./...`.
# Expected run: failed
#
# Expected final states:
#   extract   success           (finished before the timeout)
#   load      failed            (running when the 10s run timeout expired)
#   report    upstream_failed   (never started)
pipeline "run_timeout" {
  description = "A run timeout cuts a long task; the run fails."
  timeout     = "10s"

  defaults {
    image = "alpine:3.20"
  }
}

task "extract" {
  command = ["sh", "-c", "printf %s 42 > \"$DAGC_OUTPUTS/rows\""]
  outputs = ["rows"]
}

task "load" {
  command = ["sh", "-c", "echo \"loading $1 rows\"; sleep 60", "load", task.extract.outputs.rows]
}

task "report" {
  depends_on = [task.load]
  command    = ["sh", "-c", "echo report"]
}
