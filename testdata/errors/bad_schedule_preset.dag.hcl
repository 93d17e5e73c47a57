pipeline "bad_schedule_preset" {
  schedule = "@dayly" # ERROR: Invalid schedule
}

task "a" {
  command = ["true"]
}
