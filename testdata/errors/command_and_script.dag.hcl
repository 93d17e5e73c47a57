task "both" {
  command = ["echo", "hi"]
  script  = "echo hi" # ERROR: Conflicting command and script
}
