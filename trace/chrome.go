package trace

import (
	"encoding/json"
	"io"
	"slices"
	"time"
)

// WriteChrome writes records in the Chrome trace event format (one
// complete event per attempt; Perfetto and chrome://tracing open it): a
// task instance is a thread, its attempts are slices on it, and instances
// that never started are instant events at the end of the run.
func WriteChrome(w io.Writer, recs []Record, runState string) error {
	type event struct {
		Name string            `json:"name"`
		Cat  string            `json:"cat"`
		Ph   string            `json:"ph"`
		Ts   int64             `json:"ts"` // microseconds
		Dur  int64             `json:"dur,omitempty"`
		Pid  int               `json:"pid"`
		Tid  int               `json:"tid"`
		S    string            `json:"s,omitempty"`
		Args map[string]string `json:"args,omitempty"`
	}
	var t0, t1 time.Time
	for _, r := range recs {
		if r.Start.IsZero() {
			continue
		}
		if t0.IsZero() || r.Start.Before(t0) {
			t0 = r.Start
		}
		if r.End.After(t1) {
			t1 = r.End
		}
	}
	us := func(t time.Time) int64 { return t.Sub(t0).Microseconds() }
	tids := map[string]int{}
	tid := func(key string) int {
		if id, ok := tids[key]; ok {
			return id
		}
		tids[key] = len(tids) + 1
		return tids[key]
	}
	events := []event{}
	for _, r := range recs {
		key := Key(r.Task, r.Instance)
		args := map[string]string{"state": r.State}
		for k, v := range r.Outputs {
			args["output."+k] = v
		}
		if r.Start.IsZero() {
			events = append(events, event{Name: key + " " + r.State, Cat: r.State, Ph: "i", Ts: us(t1), Pid: 1, Tid: tid(key), S: "t", Args: args})
			continue
		}
		events = append(events, event{Name: key + " #" + itoa(r.Attempt), Cat: r.State, Ph: "X", Ts: us(r.Start), Dur: max(1, r.End.Sub(r.Start).Microseconds()), Pid: 1, Tid: tid(key), Args: args})
	}
	// Thread names, so each row reads as its task instance.
	keys := make([]string, 0, len(tids))
	for k := range tids {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		events = append(events, event{Name: "thread_name", Ph: "M", Pid: 1, Tid: tids[k], Args: map[string]string{"name": k}})
	}
	events = append(events, event{Name: "process_name", Ph: "M", Pid: 1, Args: map[string]string{"name": "dagc run (" + runState + ")"}})
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"traceEvents": events, "displayTimeUnit": "ms"})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
