package stepfunctions

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/bench/benchgen"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

// TestScaleWithinLimits: a 1,000-task layered pipeline and a 1,000-item
// for_each render within Step Functions' limits (1 MiB per definition)
// and CloudFormation's (1 MB template body), and their sizes are logged
// (go test -run ScaleWithinLimits -v).
func TestScaleWithinLimits(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"layered_1000", func(b *bytes.Buffer) error { return benchgen.WriteLayered(b, 1000, 10) }},
		{"for_each_1000", func(b *bytes.Buffer) error { return benchgen.WriteForEach(b, 1000) }},
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
			t.Logf("%s: %d state machine(s), %d bytes of definition in all, %d per task instance", c.name, machines, total, total/max(1, instances(p)))
		})
	}
}

func instances(p *ir.Pipeline) int {
	n := 0
	for _, t := range p.Tasks {
		n += len(t.Instances)
	}
	return n
}
