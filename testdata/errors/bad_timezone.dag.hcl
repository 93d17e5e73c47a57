pipeline "bad_timezone" {
  timezone = "Europe/Berlinn" # ERROR: Invalid timezone
}

task "a" {
  command = ["true"]
}
