pipeline "bad_cron" {
  schedule = "61 * * * *" # ERROR: Invalid schedule
}

task "a" {
  command = ["true"]
}
