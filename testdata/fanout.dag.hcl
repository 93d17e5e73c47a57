# A fan-out of parallel training tasks joined before serving: train has one
# instance per model, evaluate waits for all of them and reads their
# accuracies as one JSON array (in the order of each.key).
pipeline "fanout" {
  description = "Train several models in parallel, pick the best, serve it."
  concurrency = 3

  defaults {
    image   = "alpine:3.20"
    timeout = "10m"
  }
}

variable "models" {
  type = map(object({ depth = number, rate = string }))
  default = {
    forest = { depth = 8, rate = "0.1" }
    boost  = { depth = 4, rate = "0.3" }
    linear = { depth = 1, rate = "1.0" }
  }
}

task "prepare" {
  command = ["sh", "-c", "echo preparing; printf %s 500 > \"$DAGC_OUTPUTS/rows\""]
  outputs = ["rows"]
}

task "train" {
  for_each = var.models
  command = [
    "sh", "-c",
    "echo \"training $1 (depth $2, rate $3) on $4 rows\"; printf %s \"$5\" > \"$DAGC_OUTPUTS/accuracy\"",
    "train", each.key, each.value.depth, each.value.rate, task.prepare.outputs.rows,
    format("0.%d", 80 + each.value.depth),
  ]
  env     = { MODEL = each.key }
  outputs = ["accuracy"]
  # At most two models train at once, below the pipeline's concurrency.
  max_parallel = 2
}

task "evaluate" {
  # task.train.outputs.accuracy is ["0.84","0.88","0.81"]: boost, forest, linear.
  command = ["sh", "-c", "echo \"accuracies: $1\"; printf %s forest > \"$DAGC_OUTPUTS/best\"", "evaluate", task.train.outputs.accuracy]
  outputs = ["best"]
}

task "serve" {
  command = ["sh", "-c", "echo \"serving $1\"", "serve", task.evaluate.outputs.best]
}
