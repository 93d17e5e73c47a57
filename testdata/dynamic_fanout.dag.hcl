# Fan-out over run-time values (DESIGN 2.5). list publishes three JSON
# arrays: file names (one of them hostile text, one that process's
# per-instance when skips), points as flat objects, and an empty list.
# process runs once per file, points once per object, regions once per
# element of a list(string) param, two at a time at most. nothing has no
# items, so it ends skipped and after_nothing is skipped after it. merge
# reads the aggregated outputs in item order, the skipped instance left out;
# after_process, under all_success, is skipped because one instance was.
#
# Expected run: success
#
# Expected final states:
#   list            success
#   process[0]      success
#   process[3]      skipped           (when: each.value != "skip.csv")
#   points[1]       success
#   regions[2]      success
#   nothing         skipped           (no items)
#   after_nothing   skipped           (all_success, upstream skipped)
#   after_process   skipped           (all_success, one instance skipped)
#   after_regions   success
#   merge           success           (none_failed)
pipeline "dynamic_fanout" {
  description = "Fan-out over a task's output and over a list param, known only at run time."

  defaults {
    image   = "alpine:3.20"
    timeout = "10m"
  }
}

param "regions" {
  type    = list(string)
  default = ["eu-west", "us east", "ap {{south}}"]
}

task "list" {
  script  = <<-EOT
    printf '%s' '["a.csv","b c.csv","it'"'"'s \"{{item}}\" $HOME","skip.csv"]' > "$DAGC_OUTPUTS/files"
    printf '%s' '[{"name":"p","x":"1"},{"name":"q","x":"<2> & 3"}]' > "$DAGC_OUTPUTS/points"
    printf '[]' > "$DAGC_OUTPUTS/none"
  EOT
  outputs = ["files", "points", "none"]
}

task "process" {
  for_each = task.list.outputs.files
  when     = each.value != "skip.csv"
  command  = ["sh", "-c", "printf '%s=%s' \"$1\" \"$2\" > \"$DAGC_OUTPUTS/row\"", "process", each.key, each.value]
  outputs  = ["row"]
}

task "points" {
  for_each = task.list.outputs.points
  command  = ["sh", "-c", "printf '%s' \"$N:$X\" > \"$DAGC_OUTPUTS/p\""]
  env      = { N = each.value.name, X = each.value.x }
  outputs  = ["p"]
}

task "regions" {
  for_each     = param.regions
  max_parallel = 2
  command      = ["sh", "-c", "printf '%s' \"$1\" > \"$DAGC_OUTPUTS/r\"", "regions", "region ${each.key}: ${each.value}"]
  outputs      = ["r"]
}

task "nothing" {
  for_each = task.list.outputs.none
  command  = ["sh", "-c", "echo \"$1\"", "echo", each.value]
}

task "after_nothing" {
  depends_on = [task.nothing]
  command    = ["sh", "-c", "echo never runs"]
}

task "merge" {
  trigger = "none_failed"
  command = ["sh", "-c", "printf '%s|%s|%s' \"$1\" \"$2\" \"$3\" > \"$DAGC_OUTPUTS/all\"", "merge", task.process.outputs.row, task.points.outputs.p, task.regions.outputs.r]
  outputs = ["all"]
}

task "after_process" {
  depends_on = [task.process]
  command    = ["sh", "-c", "echo skipped: an instance of process was skipped"]
}

task "after_regions" {
  depends_on = [task.regions]
  command    = ["sh", "-c", "echo every region succeeded"]
}
