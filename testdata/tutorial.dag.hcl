# Airflow's own tutorial DAG (print_date >> [sleep, templated]), written
# in dagc: default retries, a task with more retries, and a templated
# script (the run's id, logical date and attempt, and a compile-time
# %{ for } loop).
pipeline "tutorial" {
  description = "A simple tutorial DAG"
  schedule    = "@daily"
  start_date  = "2021-01-01"

  defaults {
    image = "alpine:3.20"
    retry {
      attempts = 1
      delay    = "5m"
    }
  }
}

task "print_date" {
  script = "date"
}

task "sleep" {
  depends_on = [task.print_date]
  script     = "sleep 1"
  retries    = 3
}

task "templated" {
  depends_on = [task.print_date]
  script     = <<-EOT
    echo "run ${run.id} for ${run.date}, attempt ${run.attempt}"
    %{for i in range(3)}echo "step ${i}"; %{endfor}
  EOT
}
