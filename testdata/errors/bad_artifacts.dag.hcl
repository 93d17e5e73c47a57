pipeline "bad_artifacts" {
  storage = "gs://bucket/prefix" # ERROR: Invalid storage
  defaults {
    artifacts = ["x"] # ERROR: Attribute not allowed in defaults
  }
}

task "train" {
  command   = ["true"]
  artifacts = ["model", "model"] # ERROR: Duplicate artifact
}

task "bad_name" {
  command   = ["true"]
  artifacts = ["has-dash"] # ERROR: Invalid artifact name
}

task "serve" {
  command = ["true"]
  inputs = {
    model   = task.train.artifacts.modle # ERROR: Reference to undeclared artifact
    weights = task.nowhere.artifacts.w   # ERROR: Reference to undeclared task
    raw     = "model.bin"                # ERROR: Invalid input
    rows    = task.train.outputs.rows    # ERROR: Invalid input
  }
}

task "echo" {
  command = ["echo", task.train.artifacts.model] # ERROR: Artifact reference outside inputs
}

task "self" {
  artifacts = ["a"]
  command   = ["true"]
  inputs    = { a = task.self.artifacts.a } # ERROR: Task depends on itself
}

task "list" {
  command = ["true"]
  inputs  = [task.train.artifacts.model] # ERROR: Invalid inputs
}

task "dash" {
  command = ["true"]
  inputs  = { "my-model" = task.train.artifacts.model } # ERROR: Invalid input name
}

task "handler" {
  final   = true
  command = ["true"]
  inputs  = { model = task.train.artifacts.model } # ERROR: inputs in a final task
}
