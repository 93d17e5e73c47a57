task "a" {
  command = ["sh", "-c", "echo attempt $1", "a", run.attempt]
  retries = 2
}

task "b" {
  depends_on = [task.a]
  when       = run.attempt > 1 # ERROR: run.attempt in when
  command    = ["true"]
}

task "c" {
  command = ["echo", run.attempts] # ERROR: Invalid reference
}

task "d" {
  timeout = run.attempt # ERROR: Run-time reference
  command = ["true"]
}
