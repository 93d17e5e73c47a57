task "nothing" { # ERROR: Missing command or script
  image = "alpine:3.20"
}
