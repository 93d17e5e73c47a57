param "rows" {
  type    = list # ERROR: Invalid param type
  default = "1"
}

param "limit" {
  type    = number
  default = "lots" # ERROR: Invalid default for param
}

param "flag" {
  type    = bool
  default = "maybe" # ERROR: Invalid default for param
}

task "a" {
  command = ["echo", param.limit]
}
