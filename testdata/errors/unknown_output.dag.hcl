task "process" {
  command = ["true"]
  outputs = ["rows"]
}

task "train" {
  command = ["echo", "--rows=${task.process.outputs.row}"] # ERROR: Reference to undeclared output
}

task "serve" {
  when    = task.process.outputs.count > 3 # ERROR: Reference to undeclared output
  command = ["true"]
}
