package trace

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestWriteChromeIsATraceEventFile(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	recs := []Record{
		{Task: "a", Attempt: 1, State: "failed", Start: t0, End: t0.Add(time.Second)},
		{Task: "a", Attempt: 2, State: "success", Start: t0.Add(2 * time.Second), End: t0.Add(2500 * time.Millisecond), Outputs: map[string]string{"o": "<v>"}},
		{Task: "b", Instance: "k", State: "skipped"},
	}
	var buf bytes.Buffer
	if err := WriteChrome(&buf, recs, "success"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TraceEvents []struct {
			Name, Ph string
			Ts, Dur  int64
			Tid      int
			Args     map[string]string
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ev := doc.TraceEvents
	if len(ev) != 6 || ev[0].Ph != "X" || ev[0].Ts != 0 || ev[0].Dur != 1_000_000 || ev[1].Ts != 2_000_000 || ev[1].Dur != 500_000 ||
		ev[0].Tid != ev[1].Tid || ev[1].Args["output.o"] != "<v>" || ev[2].Ph != "i" || ev[2].Name != "b[k] skipped" {
		t.Fatalf("events %+v", ev)
	}
}
