package local

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dagc-dev/dagc/ir"
)

// console serialises everything the run prints. On a terminal it keeps a
// one-line status at the bottom, cleared before and redrawn after every
// other line; otherwise it prints plain lines only.
type console struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	line  string // status line currently drawn
	width int    // name column width of live lines (capped)
	// full is the longest instance name: the summary table is printed
	// once, so its name column fits every name.
	full int
	buf  []byte
}

func newConsole(w io.Writer, tty bool, insts []*instNode) *console {
	c := &console{w: w, tty: tty}
	for _, i := range insts {
		n := utf8.RuneCountInString(i.name)
		if i.whole {
			n += len("[00]") // its instances, once it expands
		}
		c.full = max(c.full, n)
	}
	c.width = min(c.full, 24)
	return c
}

func (c *console) pad(name string) string {
	if n := utf8.RuneCountInString(name); n < c.width {
		return name + strings.Repeat(" ", c.width-n)
	}
	return name
}

// writeLocked writes b, keeping the status line below it.
func (c *console) writeLocked(b []byte) {
	if c.tty && c.line != "" {
		c.w.Write(append(append([]byte("\r\x1b[K"), b...), c.line...))
		return
	}
	c.w.Write(b)
}

func (c *console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeLocked([]byte(fmt.Sprintf(format, args...) + "\n"))
}

// taskOutput prints one line (or a piece of an over-long line) of a task's
// output with the task's name in front.
func (c *console) taskOutput(i *instNode, line []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buf[:0]
	b = append(b, c.pad(i.name)...)
	b = append(b, " | "...)
	b = append(b, line...)
	if b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	c.writeLocked(b)
	c.buf = b
}

func (c *console) status(done, running, left int, elapsed time.Duration) {
	if !c.tty {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.line = fmt.Sprintf("[%d done, %d running, %d left, %s]", done, running, left, elapsed.Truncate(time.Second))
	c.w.Write([]byte("\r\x1b[K" + c.line))
}

func (c *console) clearStatus() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tty && c.line != "" {
		c.w.Write([]byte("\r\x1b[K"))
	}
	c.line = ""
}

func (c *console) header(r *runner) {
	verb := "run"
	if r.o.Resume {
		verb = "resume"
	}
	c.printf("dagc: %s %s (pipeline %s, date %s, -j %d)", verb, r.o.RunID, r.p.Name, r.o.Date, r.jobs)
	if names := containerOnly(r.p); names != "" {
		c.printf("dagc: note: image and resources do not apply to local runs; tasks run on this machine as they are (set by: %s)", names)
	}
}

// containerOnly lists the tasks that set image or resources.
func containerOnly(p *ir.Pipeline) string {
	var names []string
	for _, t := range p.Tasks {
		uses := !t.Resources.IsZero()
		for _, in := range t.Instances() {
			uses = uses || in.Image != ""
		}
		if uses {
			names = append(names, t.Name)
		}
	}
	if len(names) > 1 && len(names) == len(p.Tasks) {
		return "every task"
	}
	return strings.Join(names, ", ")
}

func (c *console) started(i *instNode, attempt int) {
	if c.tty {
		return // the status line shows what runs
	}
	if attempt == 1 {
		c.printf("%s : started", c.pad(i.name))
	} else {
		c.printf("%s : started (attempt %d)", c.pad(i.name), attempt)
	}
}

func (c *console) failed(i *instNode, attempt int, why, next string) {
	if next != "" {
		c.printf("%s : attempt %d failed: %s; %s", c.pad(i.name), attempt, why, next)
	} else {
		c.printf("%s : attempt %d failed: %s", c.pad(i.name), attempt, why)
	}
}

func (c *console) finished(i *instNode, st ir.State, msg string, attempts int, d time.Duration) {
	tolerated := ""
	if st == ir.Failed && i.task.t.AllowFailure {
		tolerated = " (allow_failure: the run does not fail for it)"
	}
	switch {
	case st == ir.Success:
		c.printf("%s : success (%s)", c.pad(i.name), fmtDuration(d))
	case msg != "":
		c.printf("%s : %s: %s%s", c.pad(i.name), st, msg, tolerated)
	case st == ir.Failed && i.err != "":
		c.printf("%s : failed after %d attempt(s): %s%s", c.pad(i.name), attempts, i.err, tolerated)
	default:
		c.printf("%s : %s", c.pad(i.name), st)
	}
}

func fmtDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%.3fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Truncate(time.Second).String()
}

func (c *console) summary(r *runner, res *Result) {
	c.clearStatus()
	var b strings.Builder
	w := max(c.full, 4)
	fmt.Fprintf(&b, "\n%-*s  %-15s  %8s  %s\n", w, "TASK", "STATE", "ATTEMPTS", "DURATION")
	counts := map[ir.State]int{}
	for k, in := range res.Instances {
		st := string(in.State)
		if st == "" {
			st = "not finished"
		}
		if in.Kept {
			st += " (kept)"
		}
		counts[in.State]++
		fmt.Fprintf(&b, "%-*s  %-15s  %8d  %s\n", w, r.insts[k].name, st, in.Attempts, fmtDuration(r.durationOf(r.insts[k])))
	}
	what := string(res.State)
	switch {
	case res.Interrupted:
		what = "interrupted"
	case res.TimedOut:
		what = "failed (run timeout)"
	}
	fmt.Fprintf(&b, "\nrun %s %s in %s: %d success, %d failed, %d skipped, %d upstream_failed",
		res.RunID, what, fmtDuration(res.Elapsed), counts[ir.Success], counts[ir.Failed], counts[ir.Skipped], counts[ir.UpstreamFailed])
	if n := counts[""]; n > 0 {
		fmt.Fprintf(&b, ", %d not finished (dagc run --resume %s)", n, res.RunID)
	}
	fmt.Fprintf(&b, "\nlogs: %s\n", r.dir+"/logs")
	c.mu.Lock()
	io.WriteString(c.w, b.String())
	c.mu.Unlock()
}
