task "1st" { # ERROR: Invalid task name
  command = ["true"]
}

task "has space" { # ERROR: Invalid task name
  command = ["true"]
}

param "with-dash" { # ERROR: Invalid param name
  type = string
}

task "ok" {
  command = ["true"]
  outputs = ["a b"] # ERROR: Invalid output name
  env = {
    "1BAD"      = "x" # ERROR: Invalid environment variable name
    DAGC_OUTPUTS = "y" # ERROR: Reserved environment variable name
  }
}
