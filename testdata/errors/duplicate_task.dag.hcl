task "train" {
  command = ["true"]
}

task "train" { # ERROR: Duplicate task
  command = ["false"]
}
