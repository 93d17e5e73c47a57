package local

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dagc-dev/dagc/internal/outputs"
)

// drainTimeout bounds how long output is still read once a task's process
// group is gone: only a process that left the group (setsid) can keep the
// pipe open that long.
const drainTimeout = 2 * time.Second

type attempt struct {
	inst    *instNode
	number  int
	argv    []string
	env     []string
	dir     string
	outDir  string // "" when the task declares no outputs
	outputs []string
	// inputs are staged into inputsDir ($DAGC_INPUTS) before the command
	// starts; artifacts are written to staging ($DAGC_ARTIFACTS) and moved
	// to artifactsDir on success (artifacts.go).
	inputs       []inputSource
	inputsDir    string
	artifacts    []string
	staging      string
	artifactsDir string
	timeout      time.Duration
	logPath      string
	// marks are the environment entries that identify the attempt's
	// processes (DAGC_RUN_ID, DAGC_TASK, DAGC_INSTANCE).
	marks []string
}

type attemptResult struct {
	a          *attempt
	start, end time.Time
	ok         bool
	err        string
	outputs    map[string]string
	// stopped is true when the attempt was terminated because the run was
	// stopping (interrupt or run timeout), not for its own sake.
	stopped bool
	// exitCode is the process's exit status when it exited by itself
	// (0 for a failure after a clean exit, such as a missing output), -1
	// when it was killed, timed out or never started.
	exitCode int
}

// runAttempt runs one attempt to its end and never leaves a process of its
// group behind.
func (r *runner) runAttempt(a *attempt) (res attemptResult) {
	res.a = a
	res.exitCode = -1
	res.start = r.clock.Now()
	defer func() { res.end = r.clock.Now() }()

	// The log is created on the first byte of output: most tasks of a
	// large DAG print nothing, and creating thousands of empty files costs
	// more than running the tasks' own commands.
	log := &lazyLog{path: a.logPath}
	defer func() {
		if res.err != "" {
			fmt.Fprintf(log, "dagc: attempt %d failed: %s\n", a.number, res.err)
		}
		log.close()
	}()
	if a.outDir != "" {
		if err := os.MkdirAll(a.outDir, 0o755); err != nil {
			res.err = "cannot create the outputs directory: " + err.Error()
			return res
		}
	}

	if a.inputsDir != "" {
		defer os.RemoveAll(a.inputsDir)
		if err := stageInputs(a.inputsDir, a.inputs, r.tmpMode != tmpShared); err != nil {
			res.err = err.Error()
			return res
		}
	}
	if a.staging != "" {
		// Whatever a failed attempt wrote goes; a success moves it first.
		defer os.RemoveAll(a.staging)
		if err := os.RemoveAll(a.staging); err != nil {
			res.err = "cannot create the artifacts directory: " + err.Error()
			return res
		}
		if err := os.MkdirAll(a.staging, 0o755); err != nil {
			res.err = "cannot create the artifacts directory: " + err.Error()
			return res
		}
	}

	env := a.env
	var pt *privateTmp
	if r.tmpMode != tmpShared {
		var extra []string
		var err error
		if pt, extra, err = r.isolate(a, r.command(a.argv).Path); err != nil {
			res.err = "cannot make the attempt's private /tmp: " + err.Error()
			return res
		}
		// Runs after everything below, once the attempt's processes are
		// gone: nothing it wrote to /tmp outlives it. Removing a directory
		// costs a millisecond or more on a slow disk: it is done off the
		// scheduler's path, and the run waits for it before it ends.
		r.tmpClean.Add(1)
		defer func() {
			go func() {
				defer r.tmpClean.Done()
				if err := pt.close(); err != nil {
					r.con.printf("dagc: warning: %s: cannot remove the attempt's private /tmp: %v", a.inst.name, err)
				}
			}()
		}()
		// After the run's own environment, so they win over the user's.
		env = append(env[:len(env):len(env)], extra...)
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		res.err = err.Error()
		return res
	}
	// Exec form: argv goes to execve as is, no shell in between unless the
	// user's command is one.
	newCmd := func() *exec.Cmd {
		cmd := r.command(a.argv)
		cmd.Stdin = r.devNull
		cmd.Env = env
		cmd.Dir = a.dir
		cmd.Stdout, cmd.Stderr = pw, pw
		cmd.SysProcAttr = sysProcAttr()
		return cmd
	}
	cmd, ap, err := r.procs.start(newCmd(), newCmd, a.marks, pt.start)
	if err != nil {
		pw.Close()
		pr.Close()
		res.err = startError(err, a.dir)
		return res
	}
	pw.Close()

	copied := make(chan struct{})
	go func() {
		r.pump(pr, log, a.inst)
		close(copied)
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	var timeoutC <-chan time.Time
	if a.timeout > 0 {
		t := time.NewTimer(a.timeout)
		defer t.Stop()
		timeoutC = t.C
	}
	var werr error
	reason := ""
	select {
	case werr = <-waited:
	case <-timeoutC:
		reason = fmt.Sprintf("timed out after %s", a.timeout)
	case <-r.stopCh:
		reason, res.stopped = "terminated", true
	case <-r.o.Kill:
		reason, res.stopped = "killed", true
	}
	if reason != "" {
		// The process may have finished at the same moment: then its own
		// result stands.
		select {
		case werr = <-waited:
			reason, res.stopped = "", false
		default:
			werr = r.terminate(ap, waited)
		}
	}
	// Whatever the task left running ends with it: its group (a `cmd &`
	// never waited for) and, on Linux, every process that left the group
	// (setsid), before the log pipe is drained, so none of them holds the
	// pipe open.
	r.procs.end(ap, copied)
	pr.SetReadDeadline(time.Now().Add(drainTimeout))
	<-copied
	pr.Close()

	switch {
	case reason != "":
		res.err = reason
		return res
	case werr != nil:
		res.err = exitMessage(werr)
		var ee *exec.ExitError
		if errors.As(werr, &ee) && ee.ExitCode() >= 0 {
			res.exitCode = ee.ExitCode()
		}
		return res
	}
	res.exitCode = 0
	// A log that could not be written in full (a full disk) fails the
	// attempt: the task's output would otherwise be lost without a word.
	if err := log.flush(); err != nil {
		res.err = "the attempt's log could not be written: " + err.Error()
		return res
	}
	if len(a.outputs) > 0 {
		outs, err := outputs.Read(a.outDir, a.outputs)
		if err != nil {
			res.err = err.Error()
			return res
		}
		res.outputs = outs
	}
	if a.staging != "" {
		if err := commitArtifacts(a.staging, a.artifactsDir, a.artifacts); err != nil {
			res.err = err.Error()
			return res
		}
	}
	res.ok = true
	return res
}

// command is exec.Command with the PATH lookup of a bare program name done
// once per run rather than once per task.
func (r *runner) command(argv []string) *exec.Cmd {
	name := argv[0]
	if strings.Contains(name, "/") {
		return exec.Command(name, argv[1:]...)
	}
	if path, ok := r.paths.Load(name); ok {
		return &exec.Cmd{Path: path.(string), Args: argv}
	}
	cmd := exec.Command(name, argv[1:]...)
	if cmd.Err == nil {
		r.paths.Store(name, cmd.Path)
	}
	return cmd
}

// terminate sends SIGTERM to the group, waits up to the grace period (cut
// short by Kill), then sends SIGKILL. It returns the leader's exit error.
func (r *runner) terminate(ap *attemptProcs, waited <-chan error) error {
	killNow := false
	select {
	case <-r.o.Kill:
		killNow = true
	default:
	}
	if !killNow {
		r.procs.signal(ap, syscall.SIGTERM)
		grace := time.NewTimer(r.o.Grace)
		defer grace.Stop()
		select {
		case err := <-waited:
			return err
		case <-grace.C:
		case <-r.o.Kill:
		}
	}
	r.procs.signal(ap, syscall.SIGKILL)
	return <-waited
}

func exitMessage(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "killed by signal " + ws.Signal().String()
		}
		return fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	return err.Error()
}

// startError explains why a process could not start. A missing working
// directory makes the kernel's chdir fail in the child, which Go reports
// under the program's name; name the directory instead.
func startError(err error, dir string) string {
	if dir != "" {
		if fi, serr := os.Stat(dir); serr != nil {
			if errors.Is(serr, os.ErrNotExist) {
				return fmt.Sprintf("cannot start: the workdir %s does not exist", dir)
			}
			return fmt.Sprintf("cannot start: the workdir: %v", serr)
		} else if !fi.IsDir() {
			return fmt.Sprintf("cannot start: the workdir %s is not a directory", dir)
		}
	}
	return "cannot start: " + err.Error()
}

// pump copies a task's output to its log and, line by line with the
// task's name in front, to the console.
func (r *runner) pump(pr *os.File, log io.Writer, i *instNode) {
	br := readers.Get().(*bufio.Reader)
	br.Reset(pr)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			log.Write(line)
			r.con.taskOutput(i, line)
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// readers are the line readers of task output, reused across attempts.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// lazyLog is an attempt's log file, created when first written to. The
// first error (cannot create, disk full) is kept: the attempt fails with it.
type lazyLog struct {
	path string
	f    *os.File
	w    *bufio.Writer
	err  error
}

func (l *lazyLog) Write(b []byte) (int, error) {
	if l.w == nil && l.err == nil {
		if l.f, l.err = os.Create(l.path); l.err == nil {
			l.w = bufio.NewWriterSize(l.f, 16<<10)
		}
	}
	if l.err != nil {
		return len(b), nil // the console still shows the output
	}
	if _, err := l.w.Write(b); err != nil {
		l.err = err
	}
	return len(b), nil
}

// flush writes out what is buffered and returns the first error.
func (l *lazyLog) flush() error {
	if l.w != nil && l.err == nil {
		l.err = l.w.Flush()
	}
	return l.err
}

func (l *lazyLog) close() {
	if l.w != nil {
		l.w.Flush()
		l.f.Close()
	}
}
