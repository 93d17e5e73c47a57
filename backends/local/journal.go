package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/dagc-dev/dagc/trace"
)

// Meta is what a run needs to be resumed with nothing but its id: it is
// written once, when the run starts, to runs/<id>/meta.json.
type Meta struct {
	RunID    string `json:"run_id"`
	Pipeline string `json:"pipeline"`
	// File is the absolute path of the pipeline file.
	File     string            `json:"file"`
	Vars     []string          `json:"vars,omitempty"`
	VarFiles []string          `json:"var_files,omitempty"`
	Params   map[string]string `json:"params"`
	Date     string            `json:"date"`
	Started  time.Time         `json:"started"`
}

// RunDir is where a run keeps its meta, journal, logs and outputs.
func RunDir(stateDir, runID string) string { return filepath.Join(stateDir, "runs", runID) }

// ReadMeta reads the meta of an earlier run.
func ReadMeta(stateDir, runID string) (*Meta, error) {
	b, err := os.ReadFile(filepath.Join(RunDir(stateDir, runID), "meta.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("no run %q in %s", runID, filepath.Join(stateDir, "runs"))
		}
		return nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(RunDir(stateDir, runID), "meta.json"), err)
	}
	return &m, nil
}

func writeMeta(dir string, m *Meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "meta.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "meta.json"))
}

// journalRecord is one finished task instance. The journal is append-only:
// a resumed run appends newer records and the last one for an instance
// wins.
type journalRecord struct {
	Task     string            `json:"task"`
	Instance string            `json:"instance"`
	State    string            `json:"state"`
	Attempts int               `json:"attempts"`
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	Outputs  map[string]string `json:"outputs,omitempty"`
	Error    string            `json:"error,omitempty"`
}

// journal appends records with one write(2) each on an O_APPEND file, so a
// crash of dagc loses at most the record being written, which then shows
// as a torn last line. No fsync: records survive a crash of the process,
// which is what resume is for; like ninja's log, not a power loss.
type journal struct {
	f *os.File
}

func openJournal(dir string) (*journal, error) {
	path := filepath.Join(dir, "journal.jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &journal{f: f}, nil
}

func (j *journal) append(r journalRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = j.f.Write(append(b, '\n'))
	return err
}

func (j *journal) close() error { return j.f.Close() }

// readJournal returns the last record of each instance, keyed by
// trace.Key. A torn last line (dagc killed mid-write) is cut off the file
// so that appending continues on a clean line; a bad line anywhere else is
// an error.
func readJournal(dir string) (map[string]journalRecord, error) {
	path := filepath.Join(dir, "journal.jsonl")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]journalRecord{}, nil
	}
	if err != nil {
		return nil, err
	}
	if n := len(data); n > 0 && data[n-1] != '\n' {
		keep := bytes.LastIndexByte(data, '\n') + 1
		if err := os.Truncate(path, int64(keep)); err != nil {
			return nil, err
		}
		data = data[:keep]
	}
	out := map[string]journalRecord{}
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		var r journalRecord
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s:%d: corrupt journal record: %v", path, i+1, err)
		}
		out[trace.Key(r.Task, r.Instance)] = r
	}
	return out, nil
}
