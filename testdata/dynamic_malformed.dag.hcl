# A run-time fan-out over a value that is not a JSON array of strings or
# of flat objects of strings (DESIGN 2.5) fails the consuming task as a
# whole, with a message that shows the value's first bytes; its dependents
# follow the rules for a failed upstream, and the run fails.
#
# Expected run: failed
#
# Expected final states:
#   list          success
#   from_text     failed            (not JSON)
#   from_mixed    failed            (element 1 is a number)
#   from_object   failed            (an object, not an array)
#   after         upstream_failed   (all_success after a failed fan-out)
#   report        success           (all_failed: every fan-out failed)
pipeline "dynamic_malformed" {
  description = "Fan-out over run-time values of the wrong shape."

  defaults {
    image   = "alpine:3.20"
    timeout = "10m"
  }
}

task "list" {
  script  = <<-EOT
    printf 'not json' > "$DAGC_OUTPUTS/text"
    printf '["a",1]' > "$DAGC_OUTPUTS/mixed"
    printf '{"a":"b"}' > "$DAGC_OUTPUTS/object"
  EOT
  outputs = ["text", "mixed", "object"]
}

task "from_text" {
  for_each = task.list.outputs.text
  command  = ["sh", "-c", "echo \"$1\"", "echo", each.value]
}

task "from_mixed" {
  for_each = task.list.outputs.mixed
  command  = ["sh", "-c", "echo \"$1\"", "echo", each.value]
}

task "from_object" {
  for_each = task.list.outputs.object
  command  = ["sh", "-c", "echo \"$1\"", "echo", each.value]
}

task "after" {
  depends_on = [task.from_text]
  command    = ["sh", "-c", "echo never runs"]
}

task "report" {
  depends_on = [task.from_text, task.from_mixed, task.from_object]
  trigger    = "all_failed"
  command    = ["sh", "-c", "echo every fan-out failed"]
}
