pipeline "bad_timezone" {
  timezone = "Europe/Berlinn" # ERROR: timezone
}

task "a" {
  command = ["true"]
}
