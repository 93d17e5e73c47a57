task "a" {
  command = ["true",
  image = "alpine:3.20" # ERROR: Missing item separator
}
