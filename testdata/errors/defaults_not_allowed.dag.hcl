pipeline "defaults_not_allowed" {
  defaults {
    depends_on = [task.a] # ERROR: Attribute not allowed in defaults
    image      = "alpine:3.20"
    env = {
      FROM_A = task.a.outputs.x # ERROR: Task output reference in defaults
    }
  }
}

task "a" {
  command = ["true"]
  outputs = ["x"]
}
