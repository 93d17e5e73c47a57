taks "a" { # ERROR: Unsupported block type
  command = ["true"]
}

task "b" {
  command = ["true"]
  retyr { # ERROR: Unsupported block type
    attempts = 2
  }
}
