pipeline "bad_backend_attribute" {
  airflow {
    pol = "etl" # ERROR: Unsupported argument
  }
  argo {
    nodeselector = { disk = "ssd" } # ERROR: Unsupported argument
  }
  stepfunctions {
    runner = "fargate" # ERROR: Invalid value for stepfunctions runner
  }
  defaults {
    argo {
      namespace = "ml" # a setting of the whole Workflow: fine in defaults
    }
  }
}

task "a" {
  command = ["true"]
  airflow {
    operator = "python" # ERROR: Invalid value for airflow operator
  }
  argo {
    tolerations = [{ key = "spot", operater = "Exists" }] # ERROR: Invalid value for argo tolerations
  }
}

task "b" {
  command = ["true"]
  airflow {
    priority_weight = 0 # ERROR: Invalid value for airflow priority_weight
  }
  argo {
    pod_gc = "OnPodSuccess" # ERROR: argo pod_gc cannot be set per task
  }
  stepfunctions {
    subnets = "subnet-1" # ERROR: Incorrect attribute value type
    rolearn = "x"        # ERROR: Unsupported argument
  }
}
