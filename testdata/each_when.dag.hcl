# A per-instance when (DESIGN 2.5): each instance of process decides on its
# own item. alpha is too small (5 < 9 as numbers; as text "5" < "9" too),
# beta is large enough only as a number (10 >= 9, though "10" < "9" as
# text), delta is in the wrong region, and epsilon's label is exactly the
# hostile text the condition excludes, while zeta's differs from it by its
# last character. The instances a false when skips are left out of the
# aggregated output, so join reads ["beta:10","gamma:12","zeta:30"]; under
# the default trigger, after sees skipped instances and is skipped too.
pipeline "each_when" {
  description = "A fan-out whose instances are skipped one by one by their when."

  defaults {
    image   = "alpine:3.20"
    timeout = "10m"
  }
}

variable "shards" {
  type = map(object({ region = string, size = number, label = string }))
  default = {
    alpha   = { region = "eu", size = 5, label = "plain" }
    beta    = { region = "eu", size = 10, label = "plain" }
    gamma   = { region = "us", size = 12, label = "{{item}} {{=1+1}}" }
    delta   = { region = "ap", size = 40, label = "plain" }
    epsilon = { region = "us", size = 20, label = "it's \"quoted\" \\ ${"$"}{HOME}\n\tend" }
    zeta    = { region = "eu", size = 30, label = "it's \"quoted\" \\ ${"$"}{HOME}\n\tenD" }
  }
}

param "min_size" {
  type    = number
  default = 9
}

task "process" {
  for_each = var.shards
  when = (
    each.value.region != "ap"
    && each.value.size >= param.min_size
    && each.value.size < 100
    && each.value.label != "it's \"quoted\" \\ ${"$"}{HOME}\n\tend"
  )
  command = ["sh", "-c", "echo \"shard $1 of size $2\"; printf %s \"$1:$2\" > \"$DAGC_OUTPUTS/o\"", "process", each.key, each.value.size]
  outputs = ["o"]
}

task "join" {
  trigger = "none_failed"
  command = ["sh", "-c", "echo \"processed: $1\"; printf %s \"$1\" > \"$DAGC_OUTPUTS/all\"", "join", task.process.outputs.o]
  outputs = ["all"]
}

task "after" {
  depends_on = [task.process]
  command    = ["sh", "-c", "echo every instance of process succeeded"]
}
