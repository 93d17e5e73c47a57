task "a" {
  command = ["true"]
  outputs = ["x"]
}

task "b" {
  command = ["echo", task.a] # ERROR: Invalid reference
}

task "c" {
  command = ["echo", run.start] # ERROR: Invalid reference
}

task "d" {
  depends_on = ["a"] # ERROR: Invalid depends_on element
  command    = ["true"]
}
