task "empty" {
  for_each = [] # ERROR: Empty for_each
  command  = ["true"]
}

task "scalar" {
  for_each = "abc" # ERROR: Invalid for_each
  command  = ["true"]
}
