// Package graph renders a pipeline's DAG as text a user pastes into
// Graphviz (DOT) or a Markdown page (Mermaid).
//
// Both renderings show the same things, in the pipeline's task order:
//
//   - one node per task, labelled with its name;
//   - a for_each task as a cluster (DOT) or subgraph (Mermaid) titled
//     "NAME (for_each)" holding one node per instance, labelled NAME[KEY]
//     and, when it differs from the key, the instance's value; edges to and
//     from the task attach to the whole cluster;
//   - a run-time fan-out's source as a "for_each: …" line;
//   - a task's `when` as a "when: …" line and a trigger other than
//     all_success as a "trigger: …" line (a final task: "final: …") under
//     the name, and every edge
//     into such a task dashed, since the task may run even though that
//     upstream did not succeed.
//
// Every user string is escaped for the target, so no name, key, value or
// condition can end a label early or inject markup.
package graph

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dagc-dev/dagc/ir"
)

// maxValueLen caps how much of an instance value a node shows, so a large
// map element does not swamp the picture.
const maxValueLen = 60

// Format names an output format.
type Format string

const (
	DOT     Format = "dot"
	Mermaid Format = "mermaid"
)

// Formats lists the supported formats.
var Formats = []Format{DOT, Mermaid}

// Render renders p in the given format.
func Render(p *ir.Pipeline, f Format) ([]byte, error) {
	switch f {
	case DOT:
		return RenderDOT(p), nil
	case Mermaid:
		return RenderMermaid(p), nil
	}
	return nil, fmt.Errorf("unknown graph format %q (use dot or mermaid)", f)
}

// clustered reports whether t is drawn as a group of instance nodes.
func clustered(t *ir.Task) bool { return t.ForEach != nil && t.NumInstances() > 0 }

// taskLines are the label lines of a task (or its cluster title).
func taskLines(t *ir.Task) []string {
	title := t.Name
	if clustered(t) {
		title += " (for_each)"
	}
	lines := []string{title}
	if t.IsDynamic() {
		// Its instances are known only at run time.
		lines = append(lines, "for_each: "+t.ForEach.Source.String())
	}
	switch {
	case t.Final:
		// An exit handler has no edges: it waits for every other task.
		lines = append(lines, "final: after every other task")
	case t.Trigger != "" && t.Trigger != ir.AllSuccess:
		lines = append(lines, "trigger: "+string(t.Trigger))
	}
	if t.When != nil {
		lines = append(lines, "when: "+t.When.String())
	}
	return lines
}

// instanceLines are the label lines of one for_each instance.
func instanceLines(t *ir.Task, in *ir.Instance) []string {
	lines := []string{t.Name + "[" + in.Key + "]"}
	if in.Value != in.Key {
		v := in.Value
		if utf8.RuneCountInString(v) > maxValueLen {
			v = string([]rune(v)[:maxValueLen-1]) + "…"
		}
		lines = append(lines, v)
	}
	return lines
}

// dashed reports whether edges into t are drawn dashed.
func dashed(t *ir.Task) bool { return t.Trigger != "" && t.Trigger != ir.AllSuccess }

// visible makes a label line safe to show: invalid UTF-8 becomes U+FFFD and
// control characters (a newline inside a value or condition, say) are shown
// as Go escapes, so one user string stays on one line.
func visible(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029'
}

// RenderDOT renders p as a Graphviz digraph.
func RenderDOT(p *ir.Pipeline) []byte {
	var b strings.Builder
	b.WriteString("digraph " + dotQuote(p.Name) + " {\n")
	b.WriteString("  rankdir=LR;\n  compound=true;\n")
	b.WriteString("  label=" + dotLabel([]string{p.Name}) + ";\n  labelloc=t;\n")
	b.WriteString("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\"];\n")

	// anchor[name] is the node an edge to or from the task attaches to,
	// with the cluster to clip it at (lhead/ltail) when the task has one.
	type anchor struct{ node, cluster string }
	anchors := make(map[string]anchor, len(p.Tasks))
	for _, t := range p.Tasks {
		if !clustered(t) {
			id := dotQuote(t.Name)
			anchors[t.Name] = anchor{node: id}
			b.WriteString("  " + id + " [label=" + dotLabel(taskLines(t)) + "];\n")
			continue
		}
		cluster := dotQuote("cluster_" + t.Name)
		b.WriteString("  subgraph " + cluster + " {\n")
		b.WriteString("    label=" + dotLabel(taskLines(t)) + ";\n    style=\"rounded,dashed\";\n")
		for k, in := range t.Instances() {
			id := dotQuote(t.Name + "[" + strconv.Itoa(k) + "]")
			if k == 0 {
				anchors[t.Name] = anchor{node: id, cluster: cluster}
			}
			b.WriteString("    " + id + " [label=" + dotLabel(instanceLines(t, in)) + "];\n")
		}
		b.WriteString("  }\n")
	}
	for _, t := range p.Tasks {
		head := anchors[t.Name]
		for _, u := range t.Upstream() {
			tail, ok := anchors[u]
			if !ok {
				continue // unknown upstream: only in an invalid pipeline
			}
			var attrs []string
			if tail.cluster != "" {
				attrs = append(attrs, "ltail="+tail.cluster)
			}
			if head.cluster != "" {
				attrs = append(attrs, "lhead="+head.cluster)
			}
			if dashed(t) {
				attrs = append(attrs, "style=dashed")
			}
			b.WriteString("  " + tail.node + " -> " + head.node)
			if len(attrs) > 0 {
				b.WriteString(" [" + strings.Join(attrs, ", ") + "]")
			}
			b.WriteString(";\n")
		}
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// dotQuote quotes s as a DOT ID. Inside a quoted ID only `"` needs an
// escape for the parser, but backslashes are doubled too because Graphviz
// gives `\n`, `\l`, `\N`… a meaning in labels.
func dotQuote(s string) string {
	s = visible(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// dotLabel joins label lines with Graphviz's centred line break.
func dotLabel(lines []string) string {
	q := make([]string, len(lines))
	for i, l := range lines {
		l = dotQuote(l)
		q[i] = l[1 : len(l)-1]
	}
	return `"` + strings.Join(q, `\n`) + `"`
}

// RenderMermaid renders p as a Mermaid flowchart.
func RenderMermaid(p *ir.Pipeline) []byte {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	// Node ids are generated (t0, t1, t1_0 …) rather than taken from task
	// names: Mermaid ids cannot hold every character, and words such as
	// "end" are keywords.
	ids := make(map[string]string, len(p.Tasks))
	for i, t := range p.Tasks {
		id := "t" + strconv.Itoa(i)
		ids[t.Name] = id
		if !clustered(t) {
			b.WriteString("  " + id + "[" + mermaidLabel(taskLines(t)) + "]\n")
			continue
		}
		b.WriteString("  subgraph " + id + " [" + mermaidLabel(taskLines(t)) + "]\n")
		for k, in := range t.Instances() {
			b.WriteString("    " + id + "_" + strconv.Itoa(k) + "[" + mermaidLabel(instanceLines(t, in)) + "]\n")
		}
		b.WriteString("  end\n")
	}
	for _, t := range p.Tasks {
		arrow := " --> "
		if dashed(t) {
			arrow = " -.-> "
		}
		for _, u := range t.Upstream() {
			if from, ok := ids[u]; ok {
				b.WriteString("  " + from + arrow + ids[t.Name] + "\n")
			}
		}
	}
	return []byte(b.String())
}

// mermaidEntities replaces every character that could end a quoted label,
// start an entity, turn the label into Markdown or HTML, or end a
// statement, with Mermaid's entity codes (`#quot;`, `#35;` …).
var mermaidEntities = strings.NewReplacer(
	`"`, "#quot;",
	"#", "#35;",
	"&", "#38;",
	"<", "#lt;",
	">", "#gt;",
	"`", "#96;",
	";", "#59;",
	"\\", "#92;",
)

// mermaidLabel renders label lines as a quoted Mermaid label; lines are
// joined with <br>, the only markup in it.
func mermaidLabel(lines []string) string {
	q := make([]string, len(lines))
	for i, l := range lines {
		q[i] = mermaidEntities.Replace(visible(l))
	}
	return `"` + strings.Join(q, "<br>") + `"`
}
