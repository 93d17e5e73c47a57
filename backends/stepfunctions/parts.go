package stepfunctions

import (
	"fmt"
	"sort"

	"github.com/dagc-dev/dagc/backends/stepfunctions/layout"
)

// Child state machines. When one definition cannot hold the pipeline
// within maxDefinitionBytes, subtrees of the layout are cut into child
// state machines ("parts"), each deployed by the same CloudFormation
// template and started from its parent by a Task state "Run Part N"
// (states:startExecution.sync:2, which waits for the child and returns its
// output as JSON). A part receives the run state (params, run, tasks) and
// returns it with its tasks' records added, exactly as a Parallel branch
// does, so cutting changes nothing in how the pipeline runs.

// partBudget is the size a machine's states may reach before subtrees are
// cut out of it: under the limit, leaving room for the estimate's error and
// the states every machine has (the root's params checks and run-state
// rule are counted separately).
// A variable so that tests can split small pipelines.
var partBudget = maxDefinitionBytes * 7 / 8

// partStateBytes estimates a "Run Part N" Task state.
const partStateBytes = 420

// part is one child state machine.
type part struct {
	n int // "Run Part N"; also the N in its resource names
	m *machine
	// parent is the machine that starts it: 0 the root, else part N.
	parent int
}

// partArn is the placeholder the template substitutes with the child's ARN
// (DefinitionSubstitutions). In the template "${" occurs nowhere else:
// user text has it written "$\u007b" (marshalForTemplate).
func partArn(n int) subst { return subst(fmt.Sprintf("${Part%dArn}", n)) }

func partStateName(n int) string { return fmt.Sprintf("Run Part %d", n) }

// partState starts child n with the run state and continues with its
// output, the run state with the child's records added.
func partState(n int, after string) obj {
	s := obj{
		{"Type", "Task"},
		{"Comment", fmt.Sprintf("Runs part %d of the pipeline as a child state machine.", n)},
		{"Resource", "arn:aws:states:::states:startExecution.sync:2"},
		{"Parameters", obj{
			{"StateMachineArn", partArn(n)},
			{"Input", obj{{"params.$", "$.params"}, {"run.$", "$.run"}, {"tasks.$", "$.tasks"}}},
		}},
		{"ResultSelector", obj{{"params.$", "$.Output.params"}, {"run.$", "$.Output.run"}, {"tasks.$", "$.Output.tasks"}}},
	}
	next(&s, after)
	return s
}

// estimate returns the encoded size of each layout subtree's states,
// measured for leaves by rendering the task's states on their own, and
// estimated for Parallel blocks.
func (b *builder) estimate(t *layout.Tree, sizes map[*layout.Tree]int) int {
	n := 0
	switch t.Kind {
	case layout.Leaf:
		// A scratch builder: its names, index and warnings are thrown
		// away (newBuilder would index every task again, per leaf).
		if b.scratch == nil {
			b.scratch = &builder{p: b.p, opts: b.opts, images: b.images, tasks: b.tasks, parts: map[*layout.Tree]bool{}}
		}
		sb := b.scratch
		sb.names, sb.warned, sb.index, sb.diags = map[string]bool{}, map[string]bool{}, nil, nil
		m := &machine{}
		sb.emitTask(m, b.tasks[t.Task], "Next State")
		data, _ := marshal(m.states)
		// One state per line: a name, indentation and a newline each.
		n = len(data) + 24*len(m.states)
		b.leafBytes[t.Task] = n
	default:
		for _, c := range t.Children {
			n += b.estimate(c, sizes)
		}
		if t.Kind == layout.Par && len(t.Children) > 1 {
			n += 550 + 80*len(t.Children) // its name (up to 80) twice
		}
	}
	sizes[t] = n
	return n
}

// cut marks the subtrees of t to run as child machines so that what stays
// in the machine holding t fits budget, and returns the estimated size of
// what stays. A cut subtree is fitted in turn into a machine of its own.
func (b *builder) cut(t *layout.Tree, budget int, sizes map[*layout.Tree]int) int {
	if sizes[t] <= budget || t.Kind == layout.Leaf {
		return sizes[t]
	}
	if len(t.Children) == 1 {
		return b.cut(t.Children[0], budget, sizes)
	}
	switch t.Kind {
	case layout.Seq:
		// Consecutive children are packed into parts of up to budget.
		var out []*layout.Tree
		var group []*layout.Tree
		groupSize := 0
		flush := func() {
			switch len(group) {
			case 0:
				return
			case 1:
				out = append(out, group[0])
				b.makePart(group[0], sizes)
			default:
				g := &layout.Tree{Kind: layout.Seq, Children: group}
				sizes[g] = groupSize
				out = append(out, g)
				b.makePart(g, sizes)
			}
			group, groupSize = nil, 0
		}
		for _, c := range t.Children {
			if groupSize+sizes[c] > budget {
				flush()
			}
			group = append(group, c)
			groupSize += sizes[c]
		}
		flush()
		t.Children = out
		return len(out) * partStateBytes
	default: // Par: the largest branches become parts until the rest fits.
		idx := make([]int, len(t.Children))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, c int) bool { return sizes[t.Children[idx[a]]] > sizes[t.Children[idx[c]]] })
		total := sizes[t]
		for _, i := range idx {
			if total <= budget {
				break
			}
			c := t.Children[i]
			total -= sizes[c] - partStateBytes
			b.makePart(c, sizes)
		}
		return total
	}
}

// makePart marks t as a child machine and fits its content into one.
func (b *builder) makePart(t *layout.Tree, sizes map[*layout.Tree]int) {
	b.parts[t] = true
	b.cut(t, partBudget, sizes)
}

// emitPart adds the Task state that runs subtree t as child machine, and
// the child's states to a new part.
func (b *builder) emitPart(m *machine, t *layout.Tree, after string) {
	b.partSeq++
	p := &part{n: b.partSeq, m: &machine{}, parent: b.curPart}
	b.children = append(b.children, p)
	b.add(m, partStateName(p.n), partState(p.n, after))
	outer := b.curPart
	b.curPart = p.n
	b.emitTree(p.m, t, "")
	b.closeBranch(p.m)
	b.curPart = outer
}
