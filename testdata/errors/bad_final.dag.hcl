# Exit handlers (final = true, DESIGN 2.1): what they may not do, and what
# no other task may do with them.
pipeline "bad_final" {
  defaults {
    env = { STATUS = run.status } # ERROR: run.status outside a final task
  }
}

task "build" {
  command = ["make"]
  outputs = ["artifact"]
}

task "report" {
  command = ["echo", run.failed_tasks] # ERROR: run.failed_tasks outside a final task
}

task "waits_for_handler" {
  depends_on = [task.notify] # ERROR: Dependency on a final task
  command    = ["true"]
}

task "reads_handler" {
  command = ["echo", task.notify.outputs.sent] # ERROR: Dependency on a final task
}

task "notify" {
  final      = true
  depends_on = [task.build] # ERROR: depends_on in a final task
  trigger    = "all_done" # ERROR: trigger in a final task
  command    = ["notify", run.status, task.build.outputs.artifact] # ERROR: Output reference in a final task
  outputs    = ["sent"]
}

task "per_item" {
  final    = true
  for_each = toset(["a", "b"]) # ERROR: for_each in a final task
  command  = ["echo", each.value, run.status]
}

task "not_bool" {
  final   = "yes please" # ERROR: Incorrect attribute value type
  command = ["true"]
}

# A trigger alone is the error, not also the "no effect" warning.
task "with_trigger" {
  final   = true
  trigger = "one_failed" # ERROR: trigger in a final task
  command = ["true"]
}
