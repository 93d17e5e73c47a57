task "a" {
  depends_on = [task.c]
  command    = ["true"]
}

task "b" {
  depends_on = [task.a]
  command    = ["true"]
}

task "c" {
  depends_on = [task.b] # ERROR: Dependency cycle
  command    = ["true"]
}
