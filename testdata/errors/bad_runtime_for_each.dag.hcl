param "names" {
  type    = list(string)
  default = ["a", ["b"]] # ERROR: Invalid default for param
}

task "list" {
  command = ["true"]
  outputs = ["files"]
}

task "by_run" {
  for_each = run.id # ERROR: Invalid for_each
  command  = ["echo", each.value]
}

task "derived" {
  for_each = task.list.outputs.files
  command  = ["echo", upper(each.value)] # ERROR: each in an expression of a run-time for_each
}

task "missing" {
  for_each = task.list.outputs.rows # ERROR: Reference to undeclared output
  command  = ["echo", each.value]
}
