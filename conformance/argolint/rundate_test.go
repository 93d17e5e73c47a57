package main

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/argoproj/argo-workflows/v3/util/template"

	"github.com/dagc-dev/dagc/ir"
)

// Item 14 of the hardening issue: run.date is the pipeline's timezone on
// Argo too. The container's args go through Argo's own templater with the
// creation-time variables the controller sets (operator.go
// setGlobalParameters), for a Workflow created at 11:00 UTC: in
// Pacific/Kiritimati (UTC+14) that is already the next day.
func TestHardening14RunDateInThePipelineTimezone(t *testing.T) {
	created := time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ tz, want string }{
		{"UTC", "2026-01-01"},
		{"Pacific/Kiritimati", "2026-01-02"},
		{"America/Los_Angeles", "2026-01-01"},
	} {
		t.Run(tc.tz, func(t *testing.T) {
			date := ir.Str{Parts: []ir.Part{{Lit: "d="}, {Ref: &ir.Ref{Kind: ir.RefRunDate}}}}
			p := &ir.Pipeline{Name: "rundate", Timezone: tc.tz, Tasks: []*ir.Task{{Name: "a", Trigger: ir.AllSuccess, Retry: ir.Retry{Backoff: 1},
				Run: ir.Template{Image: ir.Lit("alpine"), Command: []ir.Str{ir.Lit("echo"), date}}}}}
			ir.Normalize(p)
			if ds := ir.Validate(p); ds.HasErrors() {
				t.Fatal(ds)
			}
			wf := render(t, p)
			var argv []string
			for _, tp := range wf.Spec.Templates {
				if tp.Container != nil {
					argv = append(append(argv, tp.Container.Command...), tp.Container.Args...)
				}
			}
			if argv == nil {
				t.Fatal("no container template")
			}
			scope := map[string]any{
				"workflow.creationTimestamp":         created.Format(time.RFC3339),
				"workflow.creationTimestamp.s":       strconv.FormatInt(created.Unix(), 10),
				"workflow.creationTimestamp.RFC3339": created.Format(time.RFC3339),
				"workflow.creationTimestamp.Y":       created.Format("2006"),
				"workflow.creationTimestamp.m":       created.Format("01"),
				"workflow.creationTimestamp.d":       created.Format("02"),
			}
			b, _ := json.Marshal(argv)
			s, err := template.Replace(string(b), scope, true)
			if err != nil {
				t.Fatal(err)
			}
			var args []string
			if err := json.Unmarshal([]byte(s), &args); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, a := range args {
				if a == "d="+tc.want {
					found = true
				}
			}
			if !found {
				t.Fatalf("args %q, want d=%s", args, tc.want)
			}
		})
	}
}
