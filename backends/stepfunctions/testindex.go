package stepfunctions

import (
	"fmt"

	"github.com/dagc-dev/dagc/ir"
)

// TestIndex returns, as JSON, what a harness that runs the generated state
// machine locally (conformance/stepfunctions/run.js) needs to know and the
// deployed definition does not carry: the task instance each Task state
// runs (by state name), the type of each param, so text params can be
// given as typed execution input, the file of each child machine, and the
// states that judge the run (whose input holds every task's record). dagc generate never writes it; the
// conformance suite writes it beside the definitions in its own work
// directory.
func TestIndex(p *ir.Pipeline) ([]byte, ir.Diagnostics) {
	b := newBuilder(p)
	b.definition()
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	params := obj{}
	for _, pa := range p.Params {
		params.set(pa.Name, string(pa.Type))
	}
	// Each Task state: the task, the instance key, the instance's index
	// among the task's instances and the task's key in the run state.
	// Each child machine: the ARN placeholder its parent starts, and its
	// file (beside the root definition).
	parts := obj{}
	for _, c := range b.children {
		parts.set(string(partArn(c.n)), fmt.Sprintf("%s.part-%d.asl.json", p.Name, c.n))
	}
	// Tasks whose when is false at compile time have no Task state; their
	// instances end skipped without running.
	var never []obj
	for _, t := range p.Tasks {
		if t.When == nil {
			continue
		}
		if w := t.When.Fold(); w.Op != ir.CondConst || w.Const {
			continue
		}
		for i, in := range t.Instances() {
			never = append(never, obj{{"task", t.Name}, {"instance", in.Key}, {"index", i}, {"key", stateKey(t.Name)}})
		}
	}
	verdicts := []string{stateRunState}
	if len(b.finalTasks()) > 0 {
		verdicts = append(verdicts, stateFinalState)
	}
	data, err := marshal(obj{{"params", params}, {"states", obj(b.index)}, {"never", never}, {"parts", parts}, {"verdicts", verdicts}})
	if err != nil {
		b.diags.Errorf(p.Range, "Cannot encode the Step Functions test index", "%v", err)
		return nil, b.diags
	}
	return data, b.diags
}
