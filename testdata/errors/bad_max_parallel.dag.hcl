task "single" {
  command      = ["true"]
  max_parallel = 2 # ERROR: max_parallel applies to a for_each task
}

task "zero" {
  for_each     = ["a", "b"]
  command      = ["echo", each.value]
  max_parallel = 0 # ERROR: Invalid max_parallel
}

task "negative" {
  for_each     = ["a", "b"]
  command      = ["echo", each.value]
  max_parallel = -3 # ERROR: Invalid max_parallel
}

task "fraction" {
  for_each     = ["a", "b"]
  command      = ["echo", each.value]
  max_parallel = 1.5 # ERROR: Incorrect attribute value type
}

task "text" {
  for_each     = ["a", "b"]
  command      = ["echo", each.value]
  max_parallel = "two" # ERROR: Incorrect attribute value type
}

task "per_item" {
  for_each     = ["a", "b"]
  command      = ["echo", each.value]
  max_parallel = length(each.value) # ERROR: each
}
