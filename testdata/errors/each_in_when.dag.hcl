task "plain" {
  when    = each.value == "x" # ERROR: Reference to each in a task without for_each
  command = ["true"]
}

task "plain_key" {
  when    = param.p != "" && each.key != "a" # ERROR: Reference to each in a task without for_each
  command = ["true"]
}

param "p" {
  default = "v"
}

task "fan" {
  for_each = { a = { n = 1, s = "x" }, b = { n = 2, s = "y" } }
  when     = each.value.n > 0 && each.value.s == "x"
  command  = ["echo", each.key]
}

task "fan_missing_field" {
  for_each = { a = { n = 1 }, b = { m = 2 } }
  when     = each.value.n > 0 # ERROR: Unsupported attribute
  command  = ["echo", each.key]
}

task "fan_not_a_bool" {
  for_each = toset(["a", "b"])
  when     = upper(each.value) # ERROR: Invalid when condition
  command  = ["echo", each.key]
}
