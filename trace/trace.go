// Package trace is the record every executing engine writes for a run, one
// JSON object per line per attempt, so runs on different engines can be
// compared (DESIGN 5).
package trace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Record is one attempt of one task instance. The last record for a
// task/instance holds its final state.
type Record struct {
	Task string `json:"task"`
	// Instance is each.key, "" for a task without for_each.
	Instance string `json:"instance"`
	// Attempt counts from 1.
	Attempt int `json:"attempt"`
	// State is success, failed, skipped or upstream_failed.
	State string `json:"state"`
	// Start and End are zero for tasks that never started (skipped,
	// upstream_failed).
	Start   time.Time         `json:"start"`
	End     time.Time         `json:"end"`
	Outputs map[string]string `json:"outputs,omitempty"`
	// TimedOut marks the record of an instance that the run-level timeout
	// ended (DESIGN 2.4): its attempt was running when the timeout
	// expired, or it had not started. Engines record such instances in
	// states of their own, which the conformance suite maps
	// (conformance.RunTimeoutStates).
	TimedOut bool `json:"timed_out,omitempty"`
}

// Run is the summary line some engines add: {"run": "success"|"failed"}.
// Read returns it separately.
type runLine struct {
	Run string `json:"run"`
}

// Write writes one record as a JSON line.
func Write(w io.Writer, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteRunState writes the run's final state as {"run": state}.
func WriteRunState(w io.Writer, state string) error {
	b, _ := json.Marshal(runLine{Run: state})
	_, err := w.Write(append(b, '\n'))
	return err
}

// Read parses a trace: every record, and the run state if a run line is
// present ("" otherwise).
func Read(r io.Reader) ([]Record, string, error) {
	var recs []Record
	runState := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(line, &probe); err != nil {
			return nil, "", fmt.Errorf("trace line %d: %v", n, err)
		}
		if v, ok := probe["run"]; ok {
			if err := json.Unmarshal(v, &runState); err != nil {
				return nil, "", fmt.Errorf("trace line %d: %v", n, err)
			}
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, "", fmt.Errorf("trace line %d: %v", n, err)
		}
		recs = append(recs, rec)
	}
	return recs, runState, sc.Err()
}

// Final returns the last record of each task/instance, keyed "task[instance]"
// (or "task" when instance is "").
func Final(recs []Record) map[string]Record {
	out := map[string]Record{}
	for _, r := range recs {
		out[Key(r.Task, r.Instance)] = r
	}
	return out
}

// Key names a task instance the way logs and tables show it.
func Key(task, instance string) string {
	if instance == "" {
		return task
	}
	return task + "[" + instance + "]"
}
