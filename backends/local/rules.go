package local

import "github.com/dagc-dev/dagc/ir"

// decide applies a trigger rule (DESIGN 2.4) to the final states of every
// upstream instance: a for_each upstream counts once per instance, as
// Airflow counts mapped task instances. It returns run=true when the task
// may run (its `when` is evaluated next), else the state the task ends in
// without running. A task with no upstream always runs, whatever its
// trigger, as in Airflow.
func decide(trigger ir.Trigger, upstream []ir.State) (run bool, otherwise ir.State) {
	if len(upstream) == 0 {
		return true, ""
	}
	failed, success := 0, 0
	for _, s := range upstream {
		switch s {
		case ir.Failed, ir.UpstreamFailed:
			failed++
		case ir.Success:
			success++
		}
	}
	switch trigger {
	case ir.AllDone:
		return true, ""
	case ir.OneFailed:
		if failed > 0 {
			return true, ""
		}
		return false, ir.Skipped
	case ir.AllFailed:
		if failed == len(upstream) {
			return true, ""
		}
		return false, ir.Skipped
	default: // all_success, and "" for IR built without a trigger
		if success == len(upstream) {
			return true, ""
		}
		if failed > 0 {
			return false, ir.UpstreamFailed
		}
		return false, ir.Skipped
	}
}
