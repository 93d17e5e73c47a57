# Static items are known at compile time, so an item that is not a number
# in a numeric comparison is reported at the reference, not at run time.
task "fan" {
  for_each = toset(["1", "two"])
  when     = each.value > 0 # ERROR: Item is not a number
  command  = ["echo", each.key]
}
