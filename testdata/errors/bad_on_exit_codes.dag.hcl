task "a" {
  command = ["true"]
  retry {
    attempts      = 2
    on_exit_codes = [1, 0, 256] # ERROR: Invalid retry on_exit_codes
  }
}

task "b" {
  command = ["true"]
  retry {
    attempts      = 2
    on_exit_codes = [75, 2.5] # ERROR: Invalid retry on_exit_codes
  }
}

task "c" {
  command = ["true"]
  retry {
    attempts      = 2
    on_exit_codes = [3, 3] # ERROR: Invalid retry on_exit_codes
  }
}

task "d" {
  command = ["true"]
  retry {
    attempts      = 1
    on_exit_codes = [] # ERROR: Invalid retry on_exit_codes
  }
}

task "e" {
  command = ["true"]
  retry {
    attempts      = 1
    on_exit_codes = "1" # ERROR: Invalid retry on_exit_codes
  }
}

task "f" {
  command = ["true"]
  retry {
    attempts      = 1
    on_exit_codes = ["x"] # ERROR: Invalid retry on_exit_codes
  }
}

# Only a warning: nothing is retried.
task "g" {
  command = ["true"]
  retry {
    on_exit_codes = [1]
  }
}
