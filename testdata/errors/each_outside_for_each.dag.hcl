task "plain" {
  command = ["echo", each.value] # ERROR: Reference to each outside for_each
}

task "fan" {
  for_each = toset(["a", "b"])
  command  = ["echo", each.key]
  timeout  = "${length(each.key)}m" # ERROR: Reference to each outside for_each
  outputs  = [each.key] # ERROR: Reference to each outside for_each
}
