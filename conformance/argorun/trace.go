package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"time"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	argoutil "github.com/argoproj/argo-workflows/v3/util"
)

// index is what the trace needs from the pipeline and the manifest does not
// carry (backends/argo TestIndex; the suite writes it).
type index struct {
	Tasks []indexTask `json:"tasks"`
}

type indexTask struct {
	// Label is the dag task's name in the manifest.
	Label string `json:"label"`
	Task  string `json:"task"`
	// Instances are the each.key of a for_each task in withItems order;
	// empty for a task without for_each.
	Instances []string `json:"instances"`
	// Dynamic: a run-time fan-out (withParam): an instance's key is its
	// item's index, and a node that never expanded is the one instance "".
	Dynamic bool `json:"dynamic"`
	// Upstream are the tasks this one waits for (dagc names).
	Upstream []string `json:"upstream"`
	// UpstreamFailed: an Omitted instance ended upstream_failed when some
	// upstream instance failed or ended upstream_failed, else skipped
	// (the rule's upstream_failed test, ir.RuleOf).
	UpstreamFailed bool `json:"upstream_failed"`
}

func readIndex(path string) (*index, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var idx index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &idx, nil
}

// record is one line of the trace (trace.Record of the dagc module).
type record struct {
	Task     string            `json:"task"`
	Instance string            `json:"instance"`
	Attempt  int               `json:"attempt"`
	State    string            `json:"state"`
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	Outputs  map[string]string `json:"outputs,omitempty"`
}

// omitted stands for an Omitted node until the upstream states decide
// between upstream_failed and skipped.
const omitted = "omitted"

func state(p wfv1.NodePhase) string {
	switch p {
	case wfv1.NodeSucceeded:
		return "success"
	case wfv1.NodeSkipped:
		return "skipped"
	case wfv1.NodeOmitted:
		return omitted
	case wfv1.NodeFailed, wfv1.NodeError:
		return "failed"
	}
	return "unfinished:" + string(p)
}

func outputs(n *wfv1.NodeStatus) map[string]string {
	if n.Outputs == nil || len(n.Outputs.Parameters) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, p := range n.Outputs.Parameters {
		if p.Value != nil {
			out[p.Name] = p.Value.String()
		}
	}
	return out
}

var attemptSuffix = regexp.MustCompile(`\((\d+)\)$`)

// attempts turns the node of one task instance into its attempts: the
// children of a Retry node in order, or the node itself.
func attempts(wf *wfv1.Workflow, n *wfv1.NodeStatus, task, instance string) []record {
	one := func(a *wfv1.NodeStatus, nr int) record {
		r := record{Task: task, Instance: instance, Attempt: nr, State: state(a.Phase), Outputs: outputs(a)}
		if a.Type == wfv1.NodeTypePod {
			r.Start, r.End = a.StartedAt.Time, a.FinishedAt.Time
		}
		return r
	}
	if n.Type != wfv1.NodeTypeRetry || len(n.Children) == 0 {
		return []record{one(n, 1)}
	}
	type child struct {
		nr   int
		node *wfv1.NodeStatus
	}
	var cs []child
	for _, id := range n.Children {
		c, err := wf.Status.Nodes.Get(id)
		if err != nil {
			continue
		}
		nr := len(cs)
		if m := attemptSuffix.FindStringSubmatch(c.Name); m != nil {
			nr, _ = strconv.Atoi(m[1])
		}
		cs = append(cs, child{nr, c})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].nr < cs[j].nr })
	var out []record
	for i, c := range cs {
		out = append(out, one(c.node, i+1))
	}
	// The Retry node's phase is the instance's final state.
	out[len(out)-1].State = state(n.Phase)
	return out
}

// writeTrace writes the trace of a completed Workflow: one record per
// attempt of every task instance, then the run state.
func writeTrace(w io.Writer, wf *wfv1.Workflow, idx *index) error {
	var recs []record
	for _, t := range idx.Tasks {
		n := wf.Status.Nodes.FindByName(wf.Name + "." + t.Label)
		if n == nil {
			// A final task is a task of the onExit dag, whose node is
			// named <workflow>.onExit (common.GenerateOnExitNodeName).
			n = wf.Status.Nodes.FindByName(wf.Name + ".onExit." + t.Label)
		}
		if n == nil {
			// Never reached (the run ended first): no record.
			continue
		}
		if len(t.Instances) == 0 && !t.Dynamic {
			recs = append(recs, attempts(wf, n, t.Task, "")...)
			continue
		}
		if n.Type == wfv1.NodeTypeDAG {
			// A max_parallel task is a dag of its own whose one task, of
			// the same name, is the withItems loop.
			if inner := wf.Status.Nodes.FindByName(n.Name + "." + t.Label); inner != nil {
				n = inner
			}
		}
		if t.Dynamic && (n.Type != wfv1.NodeTypeTaskGroup || len(n.Children) == 0) {
			// Omitted, skipped (no items) or in error before expansion.
			recs = append(recs, record{Task: t.Task, Attempt: 1, State: state(n.Phase)})
			continue
		}
		if n.Type != wfv1.NodeTypeTaskGroup {
			// Omitted or skipped before expansion: every instance alike.
			for _, key := range t.Instances {
				recs = append(recs, record{Task: t.Task, Instance: key, Attempt: 1, State: state(n.Phase)})
			}
			continue
		}
		for _, id := range n.Children {
			c, err := wf.Status.Nodes.Get(id)
			if err != nil {
				return err
			}
			i := argoutil.RecoverIndexFromNodeName(c.Name)
			if t.Dynamic && i >= 0 {
				recs = append(recs, attempts(wf, c, t.Task, strconv.Itoa(i))...)
				continue
			}
			if i < 0 || i >= len(t.Instances) {
				return fmt.Errorf("node %s: no instance %d of task %s", c.Name, i, t.Task)
			}
			recs = append(recs, attempts(wf, c, t.Task, t.Instances[i])...)
		}
	}
	resolveOmitted(recs, idx)
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	run := "failed"
	if wf.Status.Phase == wfv1.WorkflowSucceeded {
		run = "success"
	}
	b, _ := json.Marshal(map[string]string{"run": run})
	_, err := w.Write(append(b, '\n'))
	return err
}

// resolveOmitted decides each Omitted instance (DESIGN 2.4, docs/argo.md):
// upstream_failed when its rule has an upstream_failed test and some
// upstream instance failed or ended upstream_failed, else skipped. An
// upstream's own Omitted instances are decided first.
func resolveOmitted(recs []record, idx *index) {
	byTask := map[string]indexTask{}
	for _, t := range idx.Tasks {
		byTask[t.Task] = t
	}
	final := func(task string) []*record {
		last := map[string]*record{}
		var order []string
		for i := range recs {
			if recs[i].Task == task {
				if _, ok := last[recs[i].Instance]; !ok {
					order = append(order, recs[i].Instance)
				}
				last[recs[i].Instance] = &recs[i]
			}
		}
		var out []*record
		for _, k := range order {
			out = append(out, last[k])
		}
		return out
	}
	for changed := true; changed; {
		changed = false
		for i := range recs {
			if recs[i].State != omitted {
				continue
			}
			t := byTask[recs[i].Task]
			if !t.UpstreamFailed {
				recs[i].State, changed = "skipped", true
				continue
			}
			decided, failing := true, false
			for _, up := range t.Upstream {
				for _, u := range final(up) {
					switch u.State {
					case omitted:
						decided = false
					case "failed", "upstream_failed":
						failing = true
					}
				}
			}
			if !decided && !failing {
				continue
			}
			recs[i].State = "skipped"
			if failing {
				recs[i].State = "upstream_failed"
			}
			changed = true
		}
	}
}
