# A task that may fail (allow_failure) before a none_failed join. Its
# dependents see it failed: the join and what follows it end
# upstream_failed, a one_failed handler runs. The run succeeds: the only
# failed task has allow_failure (DESIGN 2.4).
# Expected run: success
#
# Expected final states:
#   lint       failed            (exit 3, allowed to fail)
#   build      success
#   join       upstream_failed   (none_failed: lint failed)
#   publish    upstream_failed   (all_success after an upstream_failed)
#   report     success           (one_failed: lint failed)
#   cleanup    success           (all_done)
pipeline "allow_failure" {
  description = "A task allowed to fail before a none_failed join; the run succeeds."

  defaults {
    image = "alpine:3.20"
  }
}

task "lint" {
  command       = ["sh", "-c", "echo 'lint: 2 warnings, failing' >&2; exit 3"]
  allow_failure = true
}

task "build" {
  command = ["sh", "-c", "printf %s 'app-1.0' > \"$DAGC_OUTPUTS/artifact\""]
  outputs = ["artifact"]
}

task "join" {
  trigger    = "none_failed"
  depends_on = [task.lint]
  command    = ["sh", "-c", "echo \"joining $1\"", "join", task.build.outputs.artifact]
}

task "publish" {
  depends_on = [task.join]
  command    = ["sh", "-c", "echo publish"]
}

task "report" {
  trigger    = "one_failed"
  depends_on = [task.lint]
  command    = ["sh", "-c", "echo 'lint failed; reporting it'"]
}

task "cleanup" {
  trigger    = "all_done"
  depends_on = [task.publish, task.report]
  command    = ["sh", "-c", "echo cleanup"]
}
