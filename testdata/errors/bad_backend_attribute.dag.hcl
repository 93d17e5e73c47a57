pipeline "bad_backend_attribute" {
  airflow {
    pol = "etl" # ERROR: Unsupported argument
  }
  argo {
    nodeselector = { disk = "ssd" } # ERROR: Unsupported argument
  }
  stepfunctions {
    runner = "fargate" # ERROR: Invalid value for runner
  }
}

task "a" {
  command = ["true"]
  airflow {
    operator = "python" # ERROR: Invalid value for operator
  }
  argo {
    tolerations = [{ key = "spot", operater = "Exists" }] # ERROR: Invalid tolerations
  }
}
