task "process" {
  command = ["true"]
  outputs = ["rows"]
}

task "train" {
  depends_on = [task.proces] # ERROR: Reference to undeclared task
  command    = ["echo", task.evaluate.outputs.rows] # ERROR: Reference to undeclared task
}
