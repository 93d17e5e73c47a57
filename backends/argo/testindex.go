package argo

import (
	"encoding/json"

	"github.com/dagc-dev/dagc/ir"
)

// indexTask is one dag task of the test index.
type indexTask struct {
	// Label is the dag task's name in the manifest.
	Label string `json:"label"`
	Task  string `json:"task"`
	// Instances are the each.key of a for_each task in withItems order.
	Instances []string `json:"instances,omitempty"`
	// Dynamic: a run-time fan-out, whose instances are withParam's items,
	// each.key their index; before it expands it is one instance, "".
	Dynamic  bool     `json:"dynamic,omitempty"`
	Upstream []string `json:"upstream,omitempty"`
	// UpstreamFailed: the task's rule has an upstream_failed test (any
	// upstream instance failed or upstream_failed), which decides what an
	// Omitted node means (docs/argo.md, "Triggers, skips and the run state").
	UpstreamFailed bool `json:"upstream_failed,omitempty"`
}

// TestIndex returns, as JSON, what a harness that runs the generated
// Workflow (conformance/argorun) needs to write the run's trace and the
// manifest does not carry: the task and instance key of each dag task and
// withItems item, and, for Omitted nodes, each task's upstream tasks and
// whether its rule can end it upstream_failed. dagc generate never writes
// it; the conformance suite writes it into its own work directory.
func TestIndex(p *ir.Pipeline) ([]byte, ir.Diagnostics) {
	r := &renderer{p: p, taskName: map[string]string{}}
	r.mapNames()
	if r.diags.HasErrors() {
		return nil, r.diags
	}
	var tasks []indexTask
	for _, t := range p.Tasks {
		it := indexTask{Label: r.taskName[t.Name], Task: t.Name, Upstream: t.Upstream()}
		it.Dynamic = t.IsDynamic()
		if t.ForEach != nil {
			for _, item := range t.ForEach.Items {
				it.Instances = append(it.Instances, item.Key)
			}
		}
		rule, ok := ir.RuleOf(t.Trigger)
		if !ok {
			rule, _ = ir.RuleOf(ir.AllSuccess)
		}
		if uf := rule.UpstreamFailed; uf != nil {
			if *uf != (ir.Test{Q: ir.Any, In: ir.Failing}) {
				r.errorf(t.Range, "Upstream_failed test not supported by the test index", "task %q: the argo test index only knows the upstream_failed test \"some upstream instance failed or is upstream_failed\".", t.Name)
			}
			it.UpstreamFailed = true
		}
		tasks = append(tasks, it)
	}
	data, err := json.MarshalIndent(struct {
		Tasks []indexTask `json:"tasks"`
	}{tasks}, "", "  ")
	if err != nil {
		r.errorf(p.Range, "Cannot encode the Argo test index", "%v", err)
	}
	return append(data, '\n'), r.diags
}
