task "a" {
  command = ["true"]
}

task "b" {
  depends_on = [task.a]
  trigger    = "all_sucess" # ERROR: Invalid trigger
  command    = ["true"]
}
