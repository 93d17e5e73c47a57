# Scheduling and engine settings: every pipeline-level attribute, params of
# all three types, resources and the per-backend blocks at pipeline,
# defaults and task level (merged field by field, task wins).
pipeline "schedule" {
  description = "A nightly pipeline with every scheduling and engine setting."
  schedule    = "30 2 * * 1-5"
  timezone    = "America/New_York"
  start_date  = "2026-01-05"
  catchup     = true
  concurrency = 2
  timeout     = "2h30m"
  tags        = ["nightly", "etl"]

  defaults {
    image   = "alpine:3.20"
    timeout = "20m"
    retry {
      attempts = 1
      delay    = "5s"
    }
    resources {
      cpu    = "500m"
      memory = "256Mi"
    }
    airflow {
      pool = "default_pool"
    }
  }

  airflow {
    operator = "bash"
    owner    = "data-team"
    queue    = "default"
  }

  argo {
    namespace            = "pipelines"
    service_account      = "pipeline-runner"
    image_pull_secrets   = ["registry-creds"]
    pod_gc               = "OnPodSuccess"
    ttl_after_completion = "1d"
    ttl_after_success    = "12h"
    ttl_after_failure    = "3d"
    labels               = { team = "data", "app.kubernetes.io/part-of" = "dagc" }
    annotations          = { "example.com/owner" = "data-team" }
  }

  stepfunctions {
    runner           = "ecs"
    cluster          = "arn:aws:ecs:us-east-1:123456789012:cluster/pipelines"
    task_definition  = "etl:7"
    launch_type      = "FARGATE"
    subnets          = ["subnet-0abc", "subnet-0def"]
    security_groups  = ["sg-0123"]
    assign_public_ip = false
    container_name   = "main"
    role_arn         = "arn:aws:iam::123456789012:role/pipelines"
  }
}

param "day" {
  type        = string
  default     = "2026-01-05"
  description = "Day to process."
}

param "limit" {
  type    = number
  default = 100
}

param "dry_run" {
  type    = bool
  default = false
}

task "extract" {
  command = ["sh", "-c", "echo \"extracting $1 (limit $2, dry run $3, run $4)\"", "extract", param.day, param.limit, param.dry_run, run.id]
  airflow {
    pool            = "extract_pool"
    priority_weight = 10
  }
  argo {
    node_selector = { "kubernetes.io/arch" = "amd64", disk = "ssd" }
    tolerations = [
      { key = "dedicated", operator = "Equal", value = "etl", effect = "NoSchedule" },
      { key = "spot", operator = "Exists" },
    ]
  }
}

task "transform" {
  depends_on = [task.extract]
  command    = ["sh", "-c", "echo transforming"]
  workdir    = "/tmp"
  resources {
    cpu    = 2
    memory = "1Gi"
    gpu    = 1
  }
  retries = 3
  timeout = "45m"
  stepfunctions {
    task_definition = "etl-gpu:2"
  }
}

task "load" {
  depends_on = [task.transform]
  script     = "echo loading"
  shell      = ["sh", "-euc"]
  airflow {
    queue = "io"
  }
  stepfunctions {
    runner         = "batch"
    job_queue      = "arn:aws:batch:us-east-1:123456789012:job-queue/io"
    job_definition = "load:1"
  }
}
