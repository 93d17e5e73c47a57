package stepfunctions

import (
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

// Item 17 of the hardening issue: a task's image reaches AWS through the
// definition its Task state names, or the backend says why it cannot.
func TestHardening17ImageReachesTheDefinition(t *testing.T) {
	gen := func(t *testing.T, src string) (asl, cfn string, diags ir.Diagnostics) {
		t.Helper()
		p, pd := parser.New().ParseFile("img.dag.hcl", []byte(src), parser.Options{Backends: []string{"stepfunctions"}})
		if pd.HasErrors() {
			t.Fatal(pd)
		}
		files, diags := render(p)
		if files == nil {
			return "", "", diags
		}
		return string(files[0].Data), string(files[len(files)-1].Data), diags
	}

	t.Run("batch and ecs get a definition per image", func(t *testing.T) {
		asl, cfn, diags := gen(t, `
task "a" {
  image   = "alpine:3.20"
  command = ["true"]
}
task "b" {
  image   = "python:3.12"
  command = ["true"]
}
task "c" {
  image   = "alpine:3.20"
  command = ["true"]
}
task "d" {
  image   = "alpine:3.20"
  command = ["true"]
  stepfunctions {
    runner = "ecs"
    container_name = "main"
  }
}
`)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		for _, want := range []string{`"JobDefinition": "${JobDefinition1}"`, `"JobDefinition": "${JobDefinition2}"`, `"TaskDefinition": "${TaskDefinition1}"`} {
			if !strings.Contains(strings.ReplaceAll(asl, `":"`, `": "`), want) {
				t.Errorf("definition lacks %s:\n%s", want, asl)
			}
		}
		if strings.Count(asl, "${JobDefinition1}") != 2 {
			t.Errorf("a and c share alpine's job definition:\n%s", asl)
		}
		for _, want := range []string{
			"  JobDefinition1:\n    Type: AWS::Batch::JobDefinition\n    Properties:\n      Type: container\n      ContainerProperties:\n        Image: \"alpine:3.20\"\n",
			"  JobDefinition2:\n    Type: AWS::Batch::JobDefinition\n    Properties:\n      Type: container\n      ContainerProperties:\n        Image: \"python:3.12\"\n",
			"        - Name: \"main\"\n          Image: \"alpine:3.20\"\n",
			"        JobDefinition1: !Ref JobDefinition1\n        JobDefinition2: !Ref JobDefinition2\n        TaskDefinition1: !Ref TaskDefinition1\n",
		} {
			if !strings.Contains(cfn, want) {
				t.Errorf("template lacks %q:\n%s", want, cfn)
			}
		}
	})

	t.Run("an image per item is refused", func(t *testing.T) {
		_, _, diags := gen(t, `
task "m" {
  for_each = ["alpine:3.20", "python:3.12"]
  image    = each.value
  command  = ["true"]
}
`)
		if !diags.HasErrors() || !strings.Contains(fmtDiags(diags), "an image that differs between for_each items") || !strings.Contains(fmtDiags(diags), "stepfunctions") {
			t.Fatalf("want the per-item image refused, got %v", diags)
		}
	})

	t.Run("one image for every item is fine", func(t *testing.T) {
		asl, _, diags := gen(t, `
task "m" {
  for_each = { a = "alpine:3.20", b = "alpine:3.20" }
  image    = each.value
  command  = ["echo", each.key]
}
`)
		if diags.HasErrors() || !strings.Contains(asl, "${JobDefinition1}") {
			t.Fatalf("diags %v\n%s", diags, asl)
		}
	})

	t.Run("a named definition or a Lambda function fixes the image: warned", func(t *testing.T) {
		asl, _, diags := gen(t, `
task "named" {
  image   = "alpine:3.20"
  command = ["true"]
  stepfunctions {
    job_definition = "train:3"
  }
}
task "fn" {
  image   = "alpine:3.20"
  command = ["true"]
  stepfunctions {
    runner = "lambda"
  }
}
`)
		if diags.HasErrors() || !strings.Contains(asl, `"train:3"`) || strings.Contains(asl, "${") {
			t.Fatalf("diags %v\n%s", diags, asl)
		}
		var warned []string
		for _, d := range diags {
			if d.Severity == ir.Warning && d.Summary == "Image fixed by the runner" {
				warned = append(warned, d.Detail)
			}
		}
		if len(warned) != 2 || !strings.Contains(warned[0]+warned[1], `job definition "train:3"`) || !strings.Contains(warned[0]+warned[1], "Lambda") {
			t.Fatalf("warnings: %q", warned)
		}
	})
}

func fmtDiags(ds ir.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Error() + "\n")
	}
	return b.String()
}

// Item 14 of the hardening issue: run.date is the pipeline's timezone on
// every engine; Step Functions cannot compute it outside UTC, so it says so.
func TestHardening14RunDateOutsideUTCIsRefused(t *testing.T) {
	for _, tc := range []struct {
		tz     string
		refuse bool
	}{{"UTC", false}, {"Europe/Berlin", true}} {
		src := "pipeline \"d\" {\n  timezone = \"" + tc.tz + "\"\n}\ntask \"a\" {\n  command = [\"echo\", run.date]\n}\ntask \"b\" {\n  command = [\"echo\", run.id]\n}\n"
		p, pd := parser.New().ParseFile("d.dag.hcl", []byte(src), parser.Options{Backends: []string{"stepfunctions"}})
		if pd.HasErrors() {
			t.Fatal(pd)
		}
		diags := New().Check(p)
		got := fmtDiags(diags)
		if tc.refuse != diags.HasErrors() || tc.refuse && (len(diags) != 1 || !strings.Contains(got, "run.date in timezone Europe/Berlin is not supported by the stepfunctions backend") || !strings.Contains(got, `task "a"`)) {
			t.Fatalf("%s: %s", tc.tz, got)
		}
	}
}
