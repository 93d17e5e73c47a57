task "a" {
  command = ["true"]
}

task "b" {
  depends_on = [task.a]
  trigger    = "all_sucess" # ERROR: Invalid trigger
  command    = ["true"]
}

# The suggestion keeps the meaning: none_failed, not one_failed.
task "c" {
  depends_on = [task.a]
  trigger    = "no_failure" # ERROR: Invalid trigger
  command    = ["true"]
}

# No upstream: runs whatever its trigger, so the trigger only gets a warning.
task "h" {
  trigger = "one_failed"
  command = ["true"]
}
