# The DESIGN section 2 example, made runnable with POSIX sh only.
pipeline "ml_training" {
  description = "Process data, train three models in parallel, serve the best."
  schedule    = "0 3 * * *"
  timezone    = "Europe/Berlin"
  start_date  = "2026-01-01"
  catchup     = false
  concurrency = 4
  timeout     = "6h"
  tags        = ["ml", "nightly"]

  defaults {
    image = "alpine:3.20"
    retry {
      attempts  = 2
      delay     = "1s"
      backoff   = 2
      max_delay = "10s"
    }
    timeout = "1h"
    env     = { LOG_LEVEL = "info" }
  }

  airflow {
    operator = "bash"
  }
  argo {
    namespace       = "ml"
    service_account = "pipeline-runner"
  }
  stepfunctions {
    runner         = "batch"
    job_queue      = "arn:aws:batch:eu-central-1:123456789012:job-queue/ml"
    job_definition = "train:3"
  }
}

variable "models" {
  type        = list(string)
  default     = ["xgb", "rf", "lr"]
  description = "Models trained in parallel."
  validation {
    condition     = length(var.models) > 0
    error_message = "Train at least one model."
  }
}

param "dataset" {
  type    = string
  default = "data/raw.csv"
}

param "min_score" {
  type    = number
  default = 0.5
}

locals {
  out = "artifacts/${pipeline.name}"
  # Simulated accuracies, so the run is deterministic.
  accuracy = { xgb = "0.95", rf = "0.91", lr = "0.88" }
}

task "process" {
  command = ["sh", "-c", "printf 'processing %s into %s\\n' \"$1\" \"$2\"; printf %s 1000 > \"$DAGC_OUTPUTS/rows\"", "process", param.dataset, local.out]
  outputs = ["rows"]
}

task "train" {
  for_each = toset(var.models)
  command  = ["sh", "-c", "printf 'training %s on %s rows\\n' \"$1\" \"$2\"; printf %s \"$3\" > \"$DAGC_OUTPUTS/accuracy\"", "train", each.value, task.process.outputs.rows, lookup(local.accuracy, each.value, "0.5")]
  resources {
    cpu    = 2
    memory = "4Gi"
    gpu    = 1
  }
  timeout = "2h"
  outputs = ["accuracy"]
}

task "evaluate" {
  depends_on = [task.train]
  script     = <<-EOT
    echo "evaluating models ${jsonencode(var.models)}"
    echo "accuracies: $ACCURACIES"
    printf %s xgb > "$DAGC_OUTPUTS/best"
    printf %s 0.95 > "$DAGC_OUTPUTS/score"
  EOT
  env = {
    # A JSON array of the train instances' values, in each.key order.
    ACCURACIES = task.train.outputs.accuracy
  }
  outputs = ["best", "score"]
}

task "serve" {
  when    = task.evaluate.outputs.score >= 0.9 && param.dataset != "" && param.min_score < 1
  command = ["sh", "-c", "echo \"serving model $1\"", "serve", task.evaluate.outputs.best]
}

task "cleanup" {
  trigger    = "all_done"
  depends_on = [task.serve]
  command    = ["sh", "-c", "echo cleaning up ${local.out}"]
}
