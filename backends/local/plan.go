package local

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// Plan prints what a run would do, in order, without running anything:
// each task's edges, trigger, condition, retry and timeout, and each
// instance's command with run-time references shown as placeholders
// (${param.dataset}).
func Plan(w io.Writer, p *ir.Pipeline, jobs int) error {
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	if p.Concurrency > 0 && p.Concurrency < jobs {
		jobs = p.Concurrency
	}
	n := 0
	for _, t := range p.Tasks {
		n += t.NumInstances()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "plan for pipeline %s: %d task(s), %d instance(s), -j %d\n", p.Name, len(p.Tasks), n, jobs)
	if names := containerOnly(p); names != "" {
		fmt.Fprintf(&b, "note: image and resources do not apply to local runs (set by: %s)\n", names)
	}
	for k, t := range p.Tasks {
		fmt.Fprintf(&b, "\n%d. %s\n", k+1, t.Name)
		if len(t.Edges) > 0 {
			fmt.Fprintf(&b, "   after:   %s\n", strings.Join(t.Upstream(), ", "))
		}
		switch {
		case t.Final:
			fmt.Fprintf(&b, "   final:   after every other task, whatever their states\n")
		case t.Trigger != "" && t.Trigger != ir.AllSuccess:
			fmt.Fprintf(&b, "   trigger: %s\n", t.Trigger)
		}
		if t.When != nil {
			fmt.Fprintf(&b, "   when:    %s\n", t.When.String())
		}
		if t.Retry.Attempts > 0 {
			fmt.Fprintf(&b, "   retry:   %d time(s), delay %s, backoff %s", t.Retry.Attempts, t.Retry.Delay,
				strconv.FormatFloat(t.Retry.Backoff, 'g', -1, 64))
			if t.Retry.MaxDelay > 0 {
				fmt.Fprintf(&b, ", max %s", t.Retry.MaxDelay)
			}
			b.WriteString("\n")
		}
		if t.Timeout > 0 {
			fmt.Fprintf(&b, "   timeout: %s\n", t.Timeout)
		}
		if len(t.Outputs) > 0 {
			fmt.Fprintf(&b, "   outputs: %s\n", strings.Join(t.Outputs, ", "))
		}
		if t.IsDynamic() {
			fmt.Fprintf(&b, "   for_each: the items of %s, read when the task starts\n", t.ForEach.Source)
		}
		for _, in := range t.Instances() {
			indent := "   "
			if t.ForEach != nil {
				fmt.Fprintf(&b, "   [%s]\n", in.Key)
				indent = "     "
			}
			if in.IsScript() {
				fmt.Fprintf(&b, "%sshell:   %s\n", indent, quoteArgv(in.Shell))
				fmt.Fprintf(&b, "%sscript:\n", indent)
				for _, l := range strings.Split(strings.TrimSuffix(in.Script.Literal(), "\n"), "\n") {
					fmt.Fprintf(&b, "%s  | %s\n", indent, l)
				}
			} else {
				args := make([]string, len(in.Command))
				for j, s := range in.Command {
					args[j] = s.Literal()
				}
				fmt.Fprintf(&b, "%scommand: %s\n", indent, quoteArgv(args))
			}
			for _, e := range in.Env {
				fmt.Fprintf(&b, "%senv:     %s=%s\n", indent, e.Name, strconv.Quote(e.Value.Literal()))
			}
			if in.Workdir != "" {
				fmt.Fprintf(&b, "%sworkdir: %s\n", indent, in.Workdir)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func quoteArgv(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
