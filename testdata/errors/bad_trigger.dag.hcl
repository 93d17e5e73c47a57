task "a" {
  command = ["true"]
}

task "b" {
  depends_on = [task.a]
  trigger    = "all_sucess" # ERROR: Invalid trigger
  command    = ["true"]
}

# No upstream: runs whatever its trigger, so the trigger only gets a warning.
task "h" {
  trigger = "one_failed"
  command = ["true"]
}
