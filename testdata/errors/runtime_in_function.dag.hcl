param "dataset" {
  type    = string
  default = "raw.csv"
}

locals {
  path = "data/${param.dataset}" # ERROR: Run-time reference not allowed here
}

task "a" {
  command = ["echo", upper(param.dataset)] # ERROR: Run-time reference inside an expression
  outputs = ["x"]
}

task "b" {
  command = ["echo", "in=${lower(task.a.outputs.x)}"] # ERROR: Run-time reference inside an expression
}

task "c" {
  script = "echo %{ if param.dataset != "" }yes%{ endif }" # ERROR: Run-time reference in a template directive
}

task "d" {
  for_each = toset([param.dataset]) # ERROR: Invalid for_each
  command  = ["echo", each.value]
}

task "e" {
  command = concat(["echo"], [param.dataset]) # ERROR: Run-time reference inside an expression
}
