# A numeric `when` reads each side as a finite decimal number, as JSON
# writes numbers, after trimming blanks. NaN, Inf, hex floats and empty text
# are not numbers: the task comparing them fails, on every engine alike.
#
# Expected run: failed
#
# Expected final states:
#   publish              success
#   nan_equals_itself    failed    (NaN is not a number)
#   inf_is_large         failed    (Inf is not a number)
#   hex_is_sixteen       failed    (0x1p4 is not a decimal)
#   empty_is_zero        failed    (empty text is not a number)
#   padded_yes           success   (" 7\n" trims to 7)
#   exponent_yes         success   (1e2 == 100)
pipeline "numbers" {
  description = "Numeric when conditions over values that are and are not numbers."

  defaults {
    image = "alpine:3.20"
  }
}

task "publish" {
  script  = <<-EOT
    printf 'NaN' > "$DAGC_OUTPUTS/nan"
    printf 'Inf' > "$DAGC_OUTPUTS/inf"
    printf '0x1p4' > "$DAGC_OUTPUTS/hex"
    printf '' > "$DAGC_OUTPUTS/empty"
    printf ' 7\n' > "$DAGC_OUTPUTS/padded"
    printf '1e2' > "$DAGC_OUTPUTS/exponent"
  EOT
  outputs = ["nan", "inf", "hex", "empty", "padded", "exponent"]
}

task "nan_equals_itself" {
  when    = task.publish.outputs.nan == 0 || task.publish.outputs.nan >= 0
  command = ["sh", "-c", "echo ran"]
}

task "inf_is_large" {
  when    = task.publish.outputs.inf > 1
  command = ["sh", "-c", "echo ran"]
}

task "hex_is_sixteen" {
  when    = task.publish.outputs.hex == 16
  command = ["sh", "-c", "echo ran"]
}

task "empty_is_zero" {
  when    = task.publish.outputs.empty <= 0
  command = ["sh", "-c", "echo ran"]
}

task "padded_yes" {
  when    = task.publish.outputs.padded == 7
  command = ["sh", "-c", "echo padded_yes"]
}

task "exponent_yes" {
  when    = task.publish.outputs.exponent == 100
  command = ["sh", "-c", "echo exponent_yes"]
}
