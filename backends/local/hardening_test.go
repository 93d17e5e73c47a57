package local

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// Regression tests for the local runner's hardening items (issue 13,
// "Local runner" 1–10), one per item, named after it.

// summaryRows returns the rows of the summary table (header included).
func summaryRows(t *testing.T, out string) []string {
	t.Helper()
	_, table, ok := strings.Cut(out, "\nTASK ")
	if !ok {
		t.Fatalf("no summary table:\n%s", out)
	}
	table, _, _ = strings.Cut("TASK "+table, "\n\n")
	return strings.Split(table, "\n")
}

// Names longer than 24 characters: every row's STATE column starts at the
// same place as the header's.
func TestHardening10SummaryColumnsAlign(t *testing.T) {
	long := strings.Repeat("n", 40)
	p := pipeline(cmdTask("a", "true"), cmdTask(long, "true"), cmdTask("medium_length_name_of_25x", "true"))
	oc := runIt(t, context.Background(), p, t.TempDir(), Options{})
	wantStates(t, oc, map[string]ir.State{"a": ir.Success, long: ir.Success})
	rows := summaryRows(t, oc.out)
	col := strings.Index(rows[0], "STATE")
	if len(rows) != 4 {
		t.Fatalf("want a header and 3 rows, got:\n%s", strings.Join(rows, "\n"))
	}
	for _, row := range rows[1:] {
		if strings.Index(row, "success") != col {
			t.Errorf("row %q: state at column %d, header's STATE at %d\n%s", row, strings.Index(row, "success"), col, strings.Join(rows, "\n"))
		}
	}
}

// runGuarded is runIt with a hang guard: on the code before the fix the
// run never returned.
func runGuarded(t *testing.T, p *ir.Pipeline, dir string, o Options) *outcome {
	t.Helper()
	done := make(chan *outcome, 1)
	go func() { done <- runIt(t, context.Background(), p, dir, o) }()
	select {
	case oc := <-done:
		return oc
	case <-time.After(60 * time.Second):
		t.Fatal("the run hung")
		return nil
	}
}

func withOutputs(t *ir.Task, names ...string) *ir.Task {
	t.Outputs = names
	return t
}

func wantError(t *testing.T, oc *outcome, inst, want string) {
	t.Helper()
	if got := oc.inst(inst).Error; !strings.Contains(got, want) {
		t.Errorf("%s: error %q, want it to contain %q\n%s", inst, got, want, oc.out)
	}
}

// A FIFO in place of an output file: the attempt fails at once instead of
// blocking in open(2) forever.
func TestHardening01FifoOutputDoesNotHang(t *testing.T) {
	dir := t.TempDir()
	p := pipeline(withOutputs(shTask("f", `mkfifo "$DAGC_OUTPUTS/o"`), "o"))
	oc := runGuarded(t, p, dir, Options{})
	wantStates(t, oc, map[string]ir.State{"f": ir.Failed})
	wantError(t, oc, "f", `output "o" is a named pipe (FIFO), not a regular file`)
}

// Bytes that are not UTF-8 fail the producer, rather than reaching the
// consumer as bytes in one run and as U+FFFD after --resume.
func TestHardening05NonUTF8OutputRefused(t *testing.T) {
	dir := t.TempDir()
	p := pipeline(
		withOutputs(shTask("p", `printf 'a\377b' > "$DAGC_OUTPUTS/o"`), "o"),
		after(withOutputs(shTask("ok", `printf 'caf\303\251' > "$DAGC_OUTPUTS/o"`), "o")),
	)
	oc := runIt(t, context.Background(), p, dir, Options{})
	wantStates(t, oc, map[string]ir.State{"p": ir.Failed, "ok": ir.Success})
	wantError(t, oc, "p", `output "o" is not UTF-8 text`)
	if got := oc.inst("ok").Outputs["o"]; got != "café" {
		t.Errorf("valid UTF-8 output %q, want café", got)
	}
}

// A NUL byte in a run-time value (a param, an output) fails the consumer
// with a message naming the value, not "fork/exec …: invalid argument".
func TestHardening07RuntimeNULIsClearFailure(t *testing.T) {
	dir := t.TempDir()
	viaParam := cmdTask("param_arg", "echo", "x")
	viaParam.Instances[0].Command[1] = refStr("<", paramRef("x"), ">")
	prod := withOutputs(shTask("prod", `printf 'a\000b' > "$DAGC_OUTPUTS/o"`), "o")
	viaEnv := after(cmdTask("output_env", "env"), "prod")
	viaEnv.Instances[0].Env = []ir.EnvVar{{Name: "V", Value: refStr(outputRef("prod", "o"))}}
	p := pipeline(viaParam, prod, viaEnv)
	p.Params = []*ir.Param{{Name: "x", Type: ir.ParamString}}
	oc := runIt(t, context.Background(), p, dir, Options{Params: map[string]string{"x": "a\x00b"}})
	wantStates(t, oc, map[string]ir.State{"param_arg": ir.Failed, "prod": ir.Success, "output_env": ir.Failed})
	wantError(t, oc, "param_arg", "argument 1 of the command holds a NUL byte, from param.x")
	wantError(t, oc, "output_env", "env V holds a NUL byte, from task.prod.outputs.o")
}

// A workdir that does not exist is named, instead of the kernel's chdir
// failure reported under the program's name.
func TestHardening08MissingWorkdirNamed(t *testing.T) {
	dir := t.TempDir()
	task := cmdTask("w", "pwd")
	task.Instances[0].Workdir = "no/such/dir"
	file := cmdTask("f", "pwd")
	file.Instances[0].Workdir = "afile"
	if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	oc := runIt(t, context.Background(), pipeline(task, file), dir, Options{})
	wantStates(t, oc, map[string]ir.State{"w": ir.Failed, "f": ir.Failed})
	wantError(t, oc, "w", "the workdir "+filepath.Join(dir, "no/such/dir")+" does not exist")
	wantError(t, oc, "f", "the workdir "+filepath.Join(dir, "afile")+" is not a directory")
}

// A log that cannot be written in full (here /dev/full, as on a full disk)
// fails the attempt instead of a success with its output lost.
func TestHardening09FullDiskFailsAttempt(t *testing.T) {
	dir := t.TempDir()
	const id = "20260101T000000Z-f0f0f0"
	logs := filepath.Join(dir, ".dagc", "runs", id, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/full", filepath.Join(logs, "talk.1.log")); err != nil {
		t.Fatal(err)
	}
	p := pipeline(shTask("talk", "echo hello"), shTask("quiet", "true"))
	oc := runIt(t, context.Background(), p, dir, Options{RunID: id})
	wantStates(t, oc, map[string]ir.State{"talk": ir.Failed, "quiet": ir.Success})
	wantError(t, oc, "talk", "log could not be written")
	wantError(t, oc, "talk", "no space left on device")
}

// An output that is a symbolic link is refused: it could publish any file
// of this machine (/etc/passwd).
func TestHardening09SymlinkOutputRefused(t *testing.T) {
	dir := t.TempDir()
	p := pipeline(withOutputs(shTask("l", `ln -s /etc/passwd "$DAGC_OUTPUTS/o"`), "o"))
	oc := runIt(t, context.Background(), p, dir, Options{})
	wantStates(t, oc, map[string]ir.State{"l": ir.Failed})
	wantError(t, oc, "l", `output "o" is a symbolic link`)
	if strings.Contains(fmt.Sprint(oc.inst("l").Outputs), "root:") {
		t.Error("the linked file was published")
	}
}

// A --resume of a run that is still going is refused with the PID of the
// process running it, instead of running its tasks a second time into the
// same attempt directories.
func TestHardening06ResumeOfLiveRunRefused(t *testing.T) {
	dir := t.TempDir()
	const id = "20260101T000000Z-0c0c0c"
	p := pipeline(shTask("slow", `echo $$ > started.pid; while [ ! -e gate ]; do sleep 0.05; done; echo ran >> count`))
	first := make(chan *outcome, 1)
	go func() { first <- runIt(t, context.Background(), p, dir, Options{RunID: id}) }()
	pid := readPid(t, filepath.Join(dir, "started.pid"))
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })

	second := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), p, Options{RunID: id, Resume: true, StateDir: filepath.Join(dir, ".dagc"),
			BaseDir: dir, Dir: dir, Out: io.Discard})
		second <- err
	}()
	var err error
	select {
	case err = <-second:
	case <-time.After(20 * time.Second):
		// Before the fix the resume ran the task a second time.
		os.WriteFile(filepath.Join(dir, "gate"), nil, 0o644)
		<-second
		<-first
		t.Fatal("the resume of a live run ran its tasks")
	}
	want := fmt.Sprintf("run %s is in progress (dagc process %d holds", id, os.Getpid())
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("resume of a live run: error %v, want one containing %q", err, want)
	}
	os.WriteFile(filepath.Join(dir, "gate"), nil, 0o644)
	select {
	case oc := <-first:
		wantStates(t, oc, map[string]ir.State{"slow": ir.Success})
	case <-time.After(60 * time.Second):
		t.Fatal("the first run did not end")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "count")); string(b) != "ran\n" {
		t.Errorf("the task ran %q, want once", b)
	}
	// Once the first run is over the lock is free again.
	oc := runIt(t, context.Background(), p, dir, Options{RunID: id, Resume: true})
	if oc.res.State != ir.Success {
		t.Errorf("resume after the run ended: %s\n%s", oc.res.State, oc.out)
	}
}
