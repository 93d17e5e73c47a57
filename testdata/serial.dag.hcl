# A serial flow: process → train → serve, each step passing a value on.
pipeline "serial" {
  description = "Process data, train one model on it, serve the model."

  defaults {
    image = "alpine:3.20"
  }
}

param "dataset" {
  type        = string
  default     = "data/raw.csv"
  description = "Input data set."
}

task "process" {
  command = ["sh", "-c", "echo \"processing $1\"; printf %s 1200 > \"$DAGC_OUTPUTS/rows\"", "process", param.dataset]
  outputs = ["rows"]
}

task "train" {
  command = ["sh", "-c", "echo \"training on $1 rows\"; printf %s model-v1 > \"$DAGC_OUTPUTS/model\"", "train", task.process.outputs.rows]
  outputs = ["model"]
}

task "serve" {
  script  = <<-EOT
    echo "serving ${task.train.outputs.model}"
    printf %s "https://models.example/${task.train.outputs.model}" > "$DAGC_OUTPUTS/endpoint"
  EOT
  outputs = ["endpoint"]
}
