variable "prefix" {
  type    = string
  default = "much-too-long-prefix" # ERROR: Invalid value for variable
  validation {
    condition     = length(var.prefix) <= 8
    error_message = "The prefix must be at most 8 characters."
  }
}

variable "region" { # ERROR: No value for required variable
  type = string
}

variable "count" {
  type    = number
  default = "three" # ERROR: Invalid default value for variable
}

task "a" {
  command = ["echo", var.prefix]
}
