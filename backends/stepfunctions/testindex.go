package stepfunctions

import (
	"github.com/dagc-dev/dagc/ir"
)

// TestIndex returns, as JSON, what a harness that runs the generated state
// machine locally (conformance/stepfunctions/run.js) needs to know and the
// deployed definition does not carry: the task instance each Task state
// runs (by state name) and the type of each param, so text params can be
// given as typed execution input. dagc generate never writes it; the
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
	data, err := marshal(obj{{"params", params}, {"states", obj(b.index)}})
	if err != nil {
		b.diags.Errorf(p.Range, "Cannot encode the Step Functions test index", "%v", err)
		return nil, b.diags
	}
	return data, b.diags
}
