package report

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/trace"
)

func TestPageEscapesEverythingATaskWrote(t *testing.T) {
	hostile := `</pre><script>alert("x")</script><img src=x onerror=alert(1)>{{ . }}`
	a := &ir.Task{Name: "a", Run: ir.Template{Command: ir.Lits("true")}, Outputs: []string{"o"}}
	b := &ir.Task{Name: "b", Run: ir.Template{Command: ir.Lits("true")}, Edges: ir.EdgesFrom("a"), ForEach: ir.StringItems(hostile, "plain")}
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{a, b}}
	ir.Normalize(p)
	if ds := ir.Validate(p); ds.HasErrors() {
		t.Fatal(ds)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	recs := []trace.Record{
		{Task: "a", Attempt: 1, State: "failed", Start: t0, End: t0.Add(time.Second)},
		{Task: "a", Attempt: 2, State: "success", Start: t0.Add(2 * time.Second), End: t0.Add(3 * time.Second), Outputs: map[string]string{"o": hostile}},
		{Task: "b", Instance: hostile, Attempt: 1, State: "success", Start: t0.Add(4 * time.Second), End: t0.Add(5 * time.Second)},
		{Task: "b", Instance: "plain", State: "skipped"},
	}
	var buf bytes.Buffer
	err := Write(&buf, Input{Pipeline: p, RunID: "r1", State: "success", Records: recs,
		Log: func(task, inst string, attempt int) string { return hostile }})
	if err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<img"} {
		if strings.Contains(page, bad) {
			t.Fatalf("page holds %q unescaped", bad)
		}
	}
	for _, want := range []string{
		`data-task="a" data-state="success"`,
		`class="attempt" data-state="failed" data-attempt="1"`,
		`class="attempt" data-state="success" data-attempt="2"`,
		`2 instances: 1 success, 1 skipped`,
		`&lt;/pre&gt;&lt;script&gt;`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "http://") && !strings.Contains(page, `xmlns="http://www.w3.org/2000/svg"`) || strings.Contains(page, "https://") || strings.Contains(page, "src=\"") {
		t.Error("the page refers to something outside itself")
	}
}

func TestTailKeepsTheLastLines(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/l.log"
	var b strings.Builder
	for i := range 100 {
		b.WriteString(strings.Repeat("x", i%7) + "\n")
	}
	b.WriteString("last\n")
	if err := writeFile(path, b.String()); err != nil {
		t.Fatal(err)
	}
	got := Tail(path, 3)
	if lines := strings.Split(got, "\n"); len(lines) != 3 || lines[2] != "last" {
		t.Fatalf("tail = %q", got)
	}
	if Tail(dir+"/missing", 3) != "" {
		t.Fatal("a missing log must give nothing")
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }
