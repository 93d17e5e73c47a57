# run.date is the logical date of the run in the pipeline's timezone, on
# every engine (DESIGN 2.2). The conformance suite starts this run at
# 2026-03-14T23:30:00Z (testdata/conformance.json, "at"): the UTC date is
# still 2026-03-14, while in Tokyo (UTC+9, no daylight saving time) it is
# already 2026-03-15. The suite passes that date as param.expected_date, so
# an engine that gives the UTC date fails "check"; run at any other time,
# with the default "", nothing is checked. Step Functions refuses run.date
# outside UTC (an execution's start time is UTC only and its intrinsics
# have no date arithmetic): the suite expects that refusal.
#
# Expected run: success
#
# Expected final states:
#   today   success   date = run.date
#   check   success   (date is param.expected_date, when one is given)
pipeline "midnight" {
  description = "run.date in the pipeline's timezone, near midnight UTC."
  timezone    = "Asia/Tokyo"

  defaults {
    image = "alpine:3.20"
  }
}

param "expected_date" {
  type        = string
  default     = ""
  description = "The run.date this run must see; empty checks nothing."
}

task "today" {
  command = ["sh", "-c", "printf %s \"$1\" > \"$DAGC_OUTPUTS/date\"", "today", run.date]
  outputs = ["date"]
}

task "check" {
  command = ["sh", "-c", "[ -z \"$2\" ] || [ \"$1\" = \"$2\" ] || { echo \"run.date is $1, want $2\" >&2; exit 1; }", "check", task.today.outputs.date, param.expected_date]
}
