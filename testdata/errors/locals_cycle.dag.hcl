locals {
  a = "${local.b}-x" # ERROR: Cycle in locals
  b = local.c
  c = upper(local.a)
  d = "fine"
}

task "t" {
  command = ["echo", local.d, local.a]
}
