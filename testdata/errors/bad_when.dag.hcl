param "name" {
  type    = string
  default = "x"
}

param "n" {
  type    = number
  default = 1
}

task "a" {
  command = ["true"]
  outputs = ["flag"]
}

task "b" {
  when    = length(param.name) > 3 # ERROR: Invalid when condition
  command = ["true"]
}

task "c" {
  when    = task.a.outputs.flag # ERROR: Invalid when condition
  command = ["true"]
}

task "d" {
  when    = param.n + 1 > 3 # ERROR: Invalid when condition
  command = ["true"]
}

task "e" {
  when    = "yes" # ERROR: Invalid when condition
  command = ["true"]
}
