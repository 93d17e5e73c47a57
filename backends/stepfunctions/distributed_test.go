package stepfunctions

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// mapModes renders p and returns the ProcessorConfig of every Map state
// by name, and the CloudFormation template.
func mapModes(t *testing.T, p *ir.Pipeline) (map[string]map[string]any, string) {
	t.Helper()
	files, diags := render(p)
	if files == nil {
		t.Fatalf("rejected: %v", diags)
	}
	modes := map[string]map[string]any{}
	var cfn string
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".cfn.yaml") {
			cfn = string(f.Data)
			continue
		}
		var def map[string]any
		if err := json.Unmarshal(f.Data, &def); err != nil {
			t.Fatal(err)
		}
		var walk func(states map[string]any)
		walk = func(states map[string]any) {
			for name, v := range states {
				s := v.(map[string]any)
				if bs, ok := s["Branches"].([]any); ok {
					for _, b := range bs {
						walk(b.(map[string]any)["States"].(map[string]any))
					}
				}
				if ip, ok := s["ItemProcessor"].(map[string]any); ok {
					modes[name] = ip["ProcessorConfig"].(map[string]any)
					walk(ip["States"].(map[string]any))
				}
			}
		}
		walk(def["States"].(map[string]any))
	}
	return modes, cfn
}

// TestMapMode: the rule that picks a Map's mode (docs/stepfunctions.md).
// Every Map of a run-time fan-out, its shape check included, is
// distributed, with STANDARD child executions; a static for_each is
// inline until items × the bound on an iteration's history events pass
// half the 25,000-event quota, retries counted; and the template grants
// the role the right to run the child executions exactly when a Map is
// distributed.
func TestMapMode(t *testing.T) {
	distributed := map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
	inline := map[string]any{"Mode": "INLINE"}
	same := func(a, b map[string]any) bool {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return string(x) == string(y)
	}

	p := parseExample(t, filepath.Join(examplesDir, "dynamic_fanout.dag.hcl"))
	modes, cfn := mapModes(t, p)
	for _, name := range []string{"process", "process check", "points", "points check", "regions", "regions check", "nothing", "nothing check"} {
		if !same(modes[name], distributed) {
			t.Errorf("dynamic_fanout: Map %q has ProcessorConfig %v, want %v", name, modes[name], distributed)
		}
	}
	if !strings.Contains(cfn, "DistributedMapPolicy:") || !strings.Contains(cfn, "states:StartExecution") {
		t.Errorf("dynamic_fanout: the template does not grant states:StartExecution for the distributed Maps:\n%s", cfn)
	}

	p = parseExample(t, filepath.Join(examplesDir, "fanout.dag.hcl"))
	modes, cfn = mapModes(t, p)
	if len(modes) == 0 {
		t.Fatal("fanout: no Map state")
	}
	for name, m := range modes {
		if !same(m, inline) {
			t.Errorf("fanout: static Map %q of a few items has ProcessorConfig %v, want inline", name, m)
		}
	}
	if strings.Contains(cfn, "DistributedMapPolicy") {
		t.Error("fanout: the template grants child executions to a machine without a distributed Map")
	}

	// One echo per item: the processor has 2 states (the Task state and
	// "echo instance failed"), so an iteration is at most 2 + 2×2 + 4 =
	// 10 events with one attempt, 14 with two: 1,000 items (10,000) stay
	// inline and 2,000 (20,000 > 12,500) do not.
	for _, c := range []struct {
		items, retries int
		want           map[string]any
	}{
		{1000, 0, inline},
		{2000, 0, distributed},
		{500, 1, inline},       // 14 × 500 = 7,000
		{1000, 1, distributed}, // 14 × 1,000 = 14,000
	} {
		p := fanOut(t, c.items)
		p.Tasks[0].Retry.Attempts = c.retries
		modes, cfn := mapModes(t, p)
		if !same(modes["echo"], c.want) {
			t.Errorf("%d items, %d retries: ProcessorConfig %v, want %v", c.items, c.retries, modes["echo"], c.want)
		}
		if got := strings.Contains(cfn, "DistributedMapPolicy:"); got != (c.want["Mode"] == "DISTRIBUTED") {
			t.Errorf("%d items, %d retries: policy in the template = %v", c.items, c.retries, got)
		}
	}

	if got := iterationEvents(3, 2); got != 2+6+8 {
		t.Errorf("iterationEvents(3, 2) = %d", got)
	}
}
