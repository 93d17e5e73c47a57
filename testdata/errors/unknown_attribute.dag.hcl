pipeline "unknown_attribute" {
  schedul = "@daily" # ERROR: Unsupported argument
  defaults {
    image = "alpine:3.20"
  }
}

task "a" {
  command = ["true"]
  imagee  = "alpine:3.20" # ERROR: Unsupported argument
}
