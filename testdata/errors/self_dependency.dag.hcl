task "loop" {
  depends_on = [task.loop] # ERROR: depend
  command    = ["true"]
}
