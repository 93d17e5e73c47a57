# when with number, string and bool params and task outputs: comparisons,
# && || ! and parentheses. Tasks named *_yes run, tasks named *_no are
# skipped (with the default params).
pipeline "conditions" {
  description = "Run-time conditions over params and outputs."

  defaults {
    image = "alpine:3.20"
  }
}

param "threshold" {
  type    = number
  default = 5
}

param "stage" {
  type    = string
  default = "prod"
}

param "flag" {
  type    = bool
  default = true
}

task "measure" {
  command = ["sh", "-c", "printf %s 0.93 > \"$DAGC_OUTPUTS/score\"; printf %s gold > \"$DAGC_OUTPUTS/label\"; printf %s 10 > \"$DAGC_OUTPUTS/count\""]
  outputs = ["score", "label", "count"]
}

task "number_yes" {
  when    = param.threshold > 3
  command = ["sh", "-c", "echo number_yes"]
}

task "number_no" {
  when    = param.threshold >= 10
  command = ["sh", "-c", "echo number_no"]
}

task "string_yes" {
  when    = param.stage == "prod"
  command = ["sh", "-c", "echo string_yes"]
}

task "string_no" {
  when    = param.stage != "prod"
  command = ["sh", "-c", "echo string_no"]
}

task "bool_yes" {
  when    = param.flag
  command = ["sh", "-c", "echo bool_yes"]
}

task "bool_no" {
  when    = !param.flag
  command = ["sh", "-c", "echo bool_no"]
}

task "combined_yes" {
  when    = (param.threshold > 3 && param.stage == "prod") || !param.flag
  command = ["sh", "-c", "echo combined_yes"]
}

task "combined_no" {
  when    = !(param.threshold > 3) || (param.stage == "dev" && param.flag)
  command = ["sh", "-c", "echo combined_no"]
}

task "output_number_yes" {
  # Numeric because 0.9 is a number: "0.93" >= 0.9.
  when    = task.measure.outputs.score >= 0.9
  command = ["sh", "-c", "echo output_number_yes"]
}

task "output_count_yes" {
  # Numeric: 10 > 9 (a string comparison would say "10" < "9").
  when    = task.measure.outputs.count > 9
  command = ["sh", "-c", "echo output_count_yes"]
}

task "output_string_no" {
  when    = task.measure.outputs.label == "silver"
  command = ["sh", "-c", "echo output_string_no"]
}

task "mixed_yes" {
  when    = task.measure.outputs.label == "gold" && param.flag == true && run.date != ""
  command = ["sh", "-c", "echo mixed_yes"]
}

task "constant_no" {
  # False when the pipeline is compiled: skipped on every engine, never run,
  # even as the first state of a Step Functions branch.
  when    = 1 > 2
  command = ["sh", "-c", "echo constant_no"]
}
