package stepfunctions

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/bench/benchgen"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

// TestScaleWithinLimits: a 1,000-task layered pipeline, a 1,000-item and
// a 10,000-item for_each (DESIGN 3), the first two also with a final task
// reading run.failed_tasks, render within Step Functions' limits (1 MiB
// per definition, and a run state estimated at most three quarters of
// 256 KiB, leaving room for what params and commands add) and
// CloudFormation's (1 MB template body), and their sizes are logged (go
// test -run ScaleWithinLimits -v).
func TestScaleWithinLimits(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"layered_1000", func(b *bytes.Buffer) error { return benchgen.WriteLayered(b, 1000, 10) }},
		{"for_each_1000", func(b *bytes.Buffer) error { return benchgen.WriteForEach(b, 1000) }},
		{"for_each_10000", func(b *bytes.Buffer) error { return benchgen.WriteForEach(b, 10000) }},
		// An exit handler reading run.failed_tasks adds states per
		// instance to the root machine, which the cut must leave room for.
		{"layered_1000_final", func(b *bytes.Buffer) error {
			if err := benchgen.WriteLayered(b, 1000, 10); err != nil {
				return err
			}
			_, err := b.WriteString("\ntask \"notify\" {\n  final   = true\n  command = [\"notify\", run.status, run.failed_tasks]\n}\n")
			return err
		}},
		{"for_each_1000_final", func(b *bytes.Buffer) error {
			if err := benchgen.WriteForEach(b, 1000); err != nil {
				return err
			}
			_, err := b.WriteString("\ntask \"notify\" {\n  final   = true\n  command = [\"notify\", run.failed_tasks]\n}\n")
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var src bytes.Buffer
			if err := c.write(&src); err != nil {
				t.Fatal(err)
			}
			p, diags := parser.New().ParseFile(c.name+".dag.hcl", src.Bytes(), parser.Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			files, diags := render(p)
			if files == nil {
				t.Fatalf("rejected: %s", diagText(diags))
			}
			total, machines := 0, 0
			for _, f := range files {
				switch {
				case strings.HasSuffix(f.Path, ".asl.json"):
					machines++
					total += len(f.Data)
					if len(f.Data) > maxDefinitionBytes {
						t.Errorf("%s: %d bytes, over the 1 MiB definition limit", f.Path, len(f.Data))
					}
				case strings.HasSuffix(f.Path, ".cfn.yaml"):
					if len(f.Data) > maxTemplateBytes {
						t.Errorf("%s: %d bytes, over the template body limit", f.Path, len(f.Data))
					}
					t.Logf("%s: %d bytes (definitions %s)", f.Path, len(f.Data), map[bool]string{true: "referenced by file", false: "inline"}[bytes.Contains(f.Data, []byte("DefinitionS3Location"))])
				}
			}
			state := newBuilder(p).recordBytes()
			if state > maxPayloadBytes*3/4 {
				t.Errorf("the run state is estimated at %d bytes, over three quarters of the 256 KiB limit", state)
			}
			t.Logf("%s: %d state machine(s), %d bytes of definition in all, %d per task instance; run state at most %d bytes besides output values", c.name, machines, total, total/max(1, instances(p)), state)
		})
	}
}

func instances(p *ir.Pipeline) int {
	n := 0
	for _, t := range p.Tasks {
		n += t.NumInstances()
	}
	return n
}

// fanOut is a pipeline with one for_each of n items (a multiple of 500:
// range gives at most 1,024 values) running one echo.
func fanOut(t *testing.T, n int) *ir.Pipeline {
	t.Helper()
	src := fmt.Sprintf(`
task "echo" {
  for_each = flatten([for a in range(%d) : [for b in range(500) : format("item-%%06d", a * 500 + b)]])
  command  = ["echo", "value", each.value]
}
`, n/500)
	p, diags := parser.New().ParseFile("fanout_size.dag.hcl", []byte(src), parser.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

func definitionSize(t *testing.T, p *ir.Pipeline) int {
	t.Helper()
	files, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return len(files[0].Data)
}

// TestForEachDefinitionGrowsByItemsOnly: the Map's iterator is rendered
// once, so each extra item adds only its own data (its key and value)
// plus a small constant for the JSON around them.
func TestForEachDefinitionGrowsByItemsOnly(t *testing.T) {
	p1, p2 := fanOut(t, 1000), fanOut(t, 2000)
	s1, s2 := definitionSize(t, p1), definitionSize(t, p2)
	data := 0 // key and value of the extra items
	for _, it := range p2.Tasks[0].ForEach.Items[1000:] {
		data += len(it.Key) + len(it.Value)
	}
	itemBytes := float64(data) / 1000
	// Field names, quotes and the indentation of the pretty-printed file.
	const constant = 80
	perItem := float64(s2-s1) / 1000
	t.Logf("1,000 items: %d bytes, 2,000 items: %d bytes, %.1f bytes per extra item (item data %.1f bytes)", s1, s2, perItem, itemBytes)
	if perItem > itemBytes+constant {
		t.Errorf("each extra item adds %.1f bytes to the definition; want at most its %.1f bytes of data plus %d", perItem, itemBytes, constant)
	}
	if s1 > 1000*(int(itemBytes)+constant)+16<<10 {
		t.Errorf("a 1,000-item for_each of one echo is %d bytes", s1)
	}
}
