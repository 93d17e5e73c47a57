// Package report writes a run as one self-contained HTML page: the
// pipeline's graph with each task coloured by its final state, a Gantt
// chart of every attempt (retries visible), and per task its state,
// attempts, duration, outputs and the last lines of its log. The page has
// no script and loads nothing: everything is inline, and every string a
// user or a task wrote goes through html/template's escaping.
package report

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

// Input is one run.
type Input struct {
	Pipeline *ir.Pipeline // validated
	RunID    string
	State    string // the run's final state, "" when it did not finish
	Records  []trace.Record
	// Log returns the last lines of an attempt's log, "" when there is
	// none; nil when logs are not kept.
	Log func(task, instance string, attempt int) string
}

// LogLines is how many lines of each attempt's log the page shows.
const LogLines = 20

//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"stateColor": stateColor,
}).Parse(pageSource))

// Write renders the page.
func Write(w io.Writer, in Input) error {
	return page.Execute(w, build(in))
}

// The colours of Airflow's UI for the four final states, so a reader of
// either finds the same meaning.
func stateColor(state string) string {
	switch state {
	case string(ir.Success):
		return "#2e7d32"
	case string(ir.Failed):
		return "#c62828"
	case string(ir.UpstreamFailed):
		return "#ef6c00"
	case string(ir.Skipped):
		return "#e91e63"
	}
	return "#9e9e9e" // not finished
}

type view struct {
	Pipeline, RunID, State, Started, Elapsed string
	Counts                                   []count
	Graph                                    graphView
	Gantt                                    ganttView
	Tasks                                    []taskView
}

type count struct {
	State string
	N     int
}

type taskView struct {
	Name, State string
	Instances   []instanceView
}

type instanceView struct {
	Key, State, Duration string
	Attempts             int
	Outputs              []output
	AttemptLogs          []attemptLog
}

type output struct{ Name, Value string }

type attemptLog struct {
	Attempt int
	State   string
	Log     string
}

type graphView struct {
	Width, Height int
	Nodes         []nodeView
	Edges         []edgeView
}

type nodeView struct {
	X, Y, W, H int
	Name       string
	Label      string // the name, cut to fit
	State      string
	Detail     string // e.g. "3 instances: 2 success, 1 failed"
}

type edgeView struct{ X1, Y1, X2, Y2 int }

type ganttView struct {
	Width, Height, LabelWidth int
	Rows                      []ganttRow
	Ticks                     []tick
}

type ganttRow struct {
	Y     int
	Label string
	Bars  []bar
}

type bar struct {
	X, Y, W int
	State   string
	Attempt int
	Title   string
}

type tick struct {
	X     int
	Label string
}

func build(in Input) view {
	p := in.Pipeline
	v := view{Pipeline: p.Name, RunID: in.RunID, State: in.State}
	if v.State == "" {
		v.State = "not finished"
	}
	// The last record of each instance is its final state.
	last := map[string]trace.Record{}
	attempts := map[string][]trace.Record{}
	var t0, t1 time.Time
	for _, r := range in.Records {
		k := trace.Key(r.Task, r.Instance)
		last[k] = r
		if r.Attempt > 0 && !r.Start.IsZero() {
			attempts[k] = append(attempts[k], r)
			if t0.IsZero() || r.Start.Before(t0) {
				t0 = r.Start
			}
			if r.End.After(t1) {
				t1 = r.End
			}
		}
	}
	if !t0.IsZero() {
		v.Started = t0.Format(time.RFC3339)
		v.Elapsed = roundDuration(t1.Sub(t0))
	}

	counts := map[string]int{}
	taskState := map[string]string{}
	for _, t := range p.Tasks {
		tv := taskView{Name: t.Name}
		states := map[string]int{}
		for _, key := range instanceKeys(t, in.Records) {
			inst := &ir.Instance{Key: key}
			k := trace.Key(t.Name, inst.Key)
			r, ok := last[k]
			st := "not run"
			if ok {
				st = r.State
			}
			states[st]++
			counts[st]++
			iv := instanceView{Key: inst.Key, State: st}
			for _, a := range attempts[k] {
				iv.Attempts = max(iv.Attempts, a.Attempt)
				al := attemptLog{Attempt: a.Attempt, State: a.State}
				if in.Log != nil {
					al.Log = in.Log(t.Name, inst.Key, a.Attempt)
				}
				iv.AttemptLogs = append(iv.AttemptLogs, al)
			}
			if ok && !r.Start.IsZero() {
				iv.Duration = roundDuration(r.End.Sub(r.Start))
			}
			for _, name := range slices.Sorted(mapsKeys(r.Outputs)) {
				iv.Outputs = append(iv.Outputs, output{name, r.Outputs[name]})
			}
			tv.Instances = append(tv.Instances, iv)
		}
		tv.State = summaryState(states)
		taskState[t.Name] = tv.State
		v.Tasks = append(v.Tasks, tv)
	}
	for _, st := range []string{"success", "failed", "upstream_failed", "skipped", "not run"} {
		if counts[st] > 0 {
			v.Counts = append(v.Counts, count{st, counts[st]})
		}
	}
	v.Graph = layoutGraph(p, taskState, v.Tasks)
	v.Gantt = layoutGantt(p, attempts, t0, t1, in.Records)
	return v
}

// instanceKeys are the instance keys of t: its static items', or for a
// run-time fan-out those the run recorded, in item order ("" when it ended
// as a whole).
func instanceKeys(t *ir.Task, recs []trace.Record) []string {
	if !t.IsDynamic() {
		ins := t.Instances()
		keys := make([]string, len(ins))
		for i, in := range ins {
			keys[i] = in.Key
		}
		return keys
	}
	seen := map[string]bool{}
	var keys []string
	for _, r := range recs {
		if r.Task == t.Name && !seen[r.Instance] {
			seen[r.Instance] = true
			keys = append(keys, r.Instance)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return cmp.Compare(x, y)
	})
	if len(keys) == 0 {
		keys = []string{""}
	}
	return keys
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// summaryState colours a task by its worst instance: failed, then
// upstream_failed, then success, then skipped.
func summaryState(states map[string]int) string {
	for _, st := range []string{"failed", "upstream_failed", "success", "skipped"} {
		if states[st] > 0 {
			return st
		}
	}
	return "not run"
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

const (
	nodeW, nodeH = 150, 34
	colGap       = 60
	rowGap       = 16
	margin       = 10
)

// layoutGraph places each task in the column of its depth (the longest
// path from a task without upstream) and in declaration order within it;
// Tasks are in topological order, so one pass finds every depth.
func layoutGraph(p *ir.Pipeline, state map[string]string, tasks []taskView) graphView {
	depth := map[string]int{}
	rows := map[int]int{}
	pos := map[string][2]int{}
	var g graphView
	for i, t := range p.Tasks {
		d := 0
		for _, u := range t.Upstream() {
			d = max(d, depth[u]+1)
		}
		depth[t.Name] = d
		r := rows[d]
		rows[d]++
		x, y := margin+d*(nodeW+colGap), margin+r*(nodeH+rowGap)
		pos[t.Name] = [2]int{x, y}
		label := t.Name
		if len(label) > 20 {
			label = label[:19] + "…"
		}
		n := nodeView{X: x, Y: y, W: nodeW, H: nodeH, Name: t.Name, Label: label, State: state[t.Name]}
		if t.ForEach != nil {
			n.Detail = instanceSummary(tasks[i])
		}
		g.Nodes = append(g.Nodes, n)
		g.Width = max(g.Width, x+nodeW+margin)
		g.Height = max(g.Height, y+nodeH+margin)
	}
	for _, t := range p.Tasks {
		to := pos[t.Name]
		for _, u := range t.Upstream() {
			from := pos[u]
			g.Edges = append(g.Edges, edgeView{from[0] + nodeW, from[1] + nodeH/2, to[0], to[1] + nodeH/2})
		}
	}
	return g
}

func instanceSummary(t taskView) string {
	n := map[string]int{}
	for _, in := range t.Instances {
		n[in.State]++
	}
	var parts []string
	for _, st := range []string{"success", "failed", "upstream_failed", "skipped", "not run"} {
		if n[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[st], st))
		}
	}
	return fmt.Sprintf("%d instances: %s", len(t.Instances), strings.Join(parts, ", "))
}

const (
	ganttWidth = 900
	ganttLabel = 220
	ganttRowH  = 22
)

// layoutGantt draws one row per instance that ran, in pipeline order,
// with one bar per attempt on a common time axis.
func layoutGantt(p *ir.Pipeline, attempts map[string][]trace.Record, t0, t1 time.Time, recs []trace.Record) ganttView {
	g := ganttView{Width: ganttLabel + ganttWidth + 50, LabelWidth: ganttLabel} // room for the last tick
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Millisecond
	}
	x := func(t time.Time) int { return ganttLabel + int(float64(ganttWidth)*float64(t.Sub(t0))/float64(span)) }
	y := 24
	for _, t := range p.Tasks {
		for _, key := range instanceKeys(t, recs) {
			rs := attempts[trace.Key(t.Name, key)]
			if len(rs) == 0 {
				continue
			}
			label := trace.Key(t.Name, key)
			if len(label) > 32 {
				label = label[:31] + "…"
			}
			row := ganttRow{Y: y, Label: label}
			for _, r := range rs {
				b := bar{X: x(r.Start), Y: y, State: r.State, Attempt: r.Attempt,
					Title: fmt.Sprintf("%s attempt %d: %s, %s", trace.Key(r.Task, r.Instance), r.Attempt, r.State, roundDuration(r.End.Sub(r.Start)))}
				b.W = max(2, x(r.End)-b.X)
				row.Bars = append(row.Bars, b)
			}
			g.Rows = append(g.Rows, row)
			y += ganttRowH
		}
	}
	g.Height = y + margin
	for i := 0; i <= 4; i++ {
		g.Ticks = append(g.Ticks, tick{X: ganttLabel + ganttWidth*i/4, Label: roundDuration(span * time.Duration(i) / 4)})
	}
	return g
}

// Tail returns the last n lines of the file at path, "" when it cannot be
// read. It reads at most the file's last 64 KiB.
func Tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 64 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > window {
		if _, err := f.Seek(fi.Size()-window, io.SeekStart); err != nil {
			return ""
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, window))
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.ToValidUTF8(strings.Join(lines, "\n"), "\uFFFD")
}
