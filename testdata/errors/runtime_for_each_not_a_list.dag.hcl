param "count" {
  type    = number
  default = 3
}

task "by_number" {
  for_each = param.count # ERROR: for_each over a param that is not a list
  command  = ["echo", each.value]
}
