pipeline "bad_cron" {
  schedule = "61 * * * *" # ERROR: cron
}

task "a" {
  command = ["true"]
}
