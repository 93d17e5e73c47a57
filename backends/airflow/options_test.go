package airflow

import (
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/parser"
)

// The airflow blocks merge pipeline < defaults < task, field by field.
func TestOptionsMerge(t *testing.T) {
	src := `pipeline "m" {
  airflow {
    owner = "o"
    queue = "q"
  }
  defaults {
    airflow {
      pool = "p"
    }
  }
}
task "plain" {
  command = ["true"]
}
task "custom" {
  command = ["true"]
  airflow {
    queue           = "mine"
    priority_weight = 7
  }
}
`
	p, diags := parser.New().ParseFile("m.dag.hcl", []byte(src), parser.Options{Backends: []string{"airflow"}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tasks := map[string]string{}
	for _, part := range strings.Split(string(out), "task_id=")[1:] {
		name, _, _ := strings.Cut(part, ",")
		tasks[strings.Trim(name, `"`)] = part
	}
	for task, wants := range map[string][]string{
		"plain":  {`pool="p"`, `queue="q"`, `owner="o"`},
		"custom": {`pool="p"`, `queue="mine"`, `owner="o"`, `priority_weight=7`},
	} {
		for _, want := range wants {
			if !strings.Contains(tasks[task], want) {
				t.Errorf("task %s lacks %s:\n%s", task, want, tasks[task])
			}
		}
	}
}
