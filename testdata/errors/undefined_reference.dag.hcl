variable "models" {
  default = ["a", "b"]
}

locals {
  out = "artifacts"
}

task "a" {
  command = ["echo", var.model] # ERROR: Reference to undeclared variable
}

task "b" {
  command = ["echo", local.outt] # ERROR: Reference to undeclared local value
}

task "c" {
  command = ["echo", params.x] # ERROR: Unknown variable
}

task "d" {
  command = ["echo", param.nope] # ERROR: Reference to undeclared param
}
