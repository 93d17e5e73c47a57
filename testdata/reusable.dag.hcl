# One reusable task definition, instantiated per model config with
# for_each; locals and variables build each model's command with functions.
pipeline "reusable" {
  description = "A reusable training task applied to a map of configs."
  tags        = ["ml", "reusable"]

  defaults {
    image   = "alpine:3.20"
    retries = 1
    env = {
      PIPELINE = pipeline.name
    }
  }
}

variable "configs" {
  type = map(object({
    epochs = number
    layers = list(number)
  }))
  default = {
    small  = { epochs = 1, layers = [16] }
    medium = { epochs = 2, layers = [32, 16] }
    large  = { epochs = 3, layers = [64, 32, 16] }
  }
}

variable "prefix" {
  type    = string
  default = "exp"
  validation {
    condition     = length(var.prefix) <= 8
    error_message = "The prefix must be at most 8 characters."
  }
}

locals {
  # One line of flags per config, built with format/join/jsonencode.
  flags = {
    for name, cfg in var.configs :
    name => format("--epochs=%d --layers=%s", cfg.epochs, join(",", [for l in cfg.layers : tostring(l)]))
  }
  run_names = { for name in keys(var.configs) : name => upper("${var.prefix}_${name}") }
  manifest  = jsonencode({ models = sort(keys(var.configs)), prefix = var.prefix })
}

task "setup" {
  command = ["sh", "-c", "printf '%s\\n' \"$1\"", "setup", local.manifest]
}

task "train" {
  for_each   = var.configs
  depends_on = [task.setup]
  script     = <<-EOT
    echo "run ${local.run_names[each.key]}: ${local.flags[each.key]}"
    echo 'config ${jsonencode(each.value)}'
    printf %s "${each.value.epochs * 10}" > "$DAGC_OUTPUTS/score"
  EOT
  env = {
    RUN_NAME = local.run_names[each.key]
    RUN_ID   = run.id
  }
  outputs = ["score"]
}

task "report" {
  command = ["sh", "-c", "echo \"scores: $1\"", "report", "${task.train.outputs.score}"]
}
