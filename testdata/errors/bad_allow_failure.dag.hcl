pipeline "bad_allow_failure" {
  defaults {
    allow_failure = true # ERROR: Attribute not allowed in defaults
  }
}

task "a" {
  command       = ["true"]
  allow_failure = "sometimes" # ERROR: Incorrect attribute value type
}

task "b" {
  command       = ["true"]
  allow_failure = param.tolerate # ERROR: Run-time reference
}

param "tolerate" {
  type    = bool
  default = true
}
