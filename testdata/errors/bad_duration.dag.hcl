pipeline "bad_duration" {
  timeout = "6 hours" # ERROR: Invalid duration
}

task "a" {
  command = ["true"]
  timeout = "10mins" # ERROR: Invalid duration
  retry {
    attempts = 2
    delay    = "-5s" # ERROR: Invalid duration
  }
}
