// Package entrypoint is `dagc exec`, the container entrypoint of engines
// that run a task's container without dagc around it (Step Functions on
// Batch or ECS; DESIGN 4, docs/stepfunctions.md "The container contract").
//
// It runs the task's argv without a shell, in a process group of its own
// that receives the container runtime's SIGTERM; gives it DAGC_OUTPUTS when
// the task declares outputs; reads them by the one rule of DESIGN 2.3
// (internal/outputs); and, when the engine handed it a task token, reports
// the outcome with SendTaskSuccess or SendTaskFailure. Its exit status is
// the command's, so an engine that judges the container by its exit status
// (a .sync Batch job) sees the same outcome.
package entrypoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dagc-dev/dagc/internal/outputs"
	"github.com/dagc-dev/dagc/ir"
)

// Reporter tells the engine how the task ended, by its task token.
type Reporter interface {
	Success(ctx context.Context, token, output string) error
	Failure(ctx context.Context, token, errorName, cause string) error
}

// The variables of the container contract.
const (
	EnvOutputNames = "DAGC_OUTPUT_NAMES"
	EnvOutputs     = "DAGC_OUTPUTS"
	EnvWorkdir     = "DAGC_WORKDIR"
	EnvTaskToken   = "DAGC_TASK_TOKEN"
)

// ErrorTaskFailed is the error name of SendTaskFailure for a task that
// failed otherwise than by its command's own exit code (its outputs, a
// signal, a command that could not start).
const ErrorTaskFailed = "dagc.TaskFailed"

// ErrorExit is the error name for a command that exited with code N by
// itself: what a Retry's ErrorEquals lists for retry { on_exit_codes }.
func ErrorExit(code int) string { return fmt.Sprintf("dagc.exit.%d", code) }

// Step Functions' limits on SendTaskFailure (API reference): error at
// most 256 characters, cause at most 32,768.
const maxCause = 32768

// Exit statuses of dagc exec itself, as a shell reports them: 125 dagc
// could not run the task (a usage or reporting problem), 126/127 the
// program could not be started / was not found.
const (
	exitInternal   = 125
	exitCannotRun  = 126
	exitNotFound   = 127
	exitBadOutputs = 1
)

// Config is what Run needs besides the argv.
type Config struct {
	Env      []string // the container's environment, os.Environ()
	Stdout   io.Writer
	Stderr   io.Writer
	Reporter Reporter // nil: no token reporting is possible
	// Signals, when not nil, delivers the signals to pass to the command's
	// process group (tests); nil means SIGTERM, SIGINT and SIGHUP.
	Signals <-chan os.Signal
	// OpenStore opens the artifact storage; nil means NewStore.
	OpenStore func(ctx context.Context, st ir.Storage) (Store, error)
}

// Run runs argv by the container contract and returns dagc exec's exit
// status.
func Run(ctx context.Context, argv []string, c Config) int {
	env := environ(c.Env)
	token := env[EnvTaskToken]
	errorName := ErrorTaskFailed
	fail := func(code int, format string, args ...any) int {
		cause := fmt.Sprintf(format, args...)
		fmt.Fprintf(c.Stderr, "dagc exec: %s\n", cause)
		if token != "" {
			if err := report(ctx, c.Reporter, func(r Reporter) error {
				return r.Failure(ctx, token, errorName, truncate(cause, maxCause))
			}); err != nil {
				fmt.Fprintf(c.Stderr, "dagc exec: could not report the failure: %v\n", err)
			}
		}
		return code
	}
	if len(argv) == 0 || argv[0] == "" {
		return fail(exitInternal, "no command: use dagc exec -- PROGRAM [ARG...]")
	}
	var names []string
	if s := env[EnvOutputNames]; s != "" {
		names = strings.Split(s, ",")
	}
	if len(names) > 0 && token == "" {
		return fail(exitInternal, "the task declares outputs (%s) but %s is not set, so they cannot be reported", env[EnvOutputNames], EnvTaskToken)
	}

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = c.Stdout, c.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The command never sees the token: only dagc exec reports the outcome.
	childEnv := make([]string, 0, len(c.Env)+1)
	for _, kv := range c.Env {
		if !strings.HasPrefix(kv, EnvTaskToken+"=") && !strings.HasPrefix(kv, EnvOutputs+"=") && !strings.HasPrefix(kv, EnvArtifacts+"=") && !strings.HasPrefix(kv, EnvInputs+"=") {
			childEnv = append(childEnv, kv)
		}
	}
	if len(names) > 0 {
		dir, err := os.MkdirTemp("", "dagc-outputs-")
		if err != nil {
			return fail(exitInternal, "cannot create the outputs directory: %v", err)
		}
		defer os.RemoveAll(dir)
		childEnv = append(childEnv, EnvOutputs+"="+dir)
		env[EnvOutputs] = dir
	}
	plan, err := planArtifacts(env)
	if err != nil {
		return fail(exitInternal, "%v", err)
	}
	var store Store
	if plan != nil {
		open := c.OpenStore
		if open == nil {
			open = NewStore
		}
		if store, err = open(ctx, plan.storage); err != nil {
			return fail(exitInternal, "cannot open the storage %s: %v", plan.storage, err)
		}
		// Folders of this run of dagc exec alone, removed when it ends.
		for _, d := range []struct {
			want     bool
			variable string
			dst      *string
		}{{len(plan.names) > 0, EnvArtifacts, &plan.outDir}, {len(plan.inputs) > 0, EnvInputs, &plan.inDir}} {
			if !d.want {
				continue
			}
			dir, err := os.MkdirTemp("", "dagc-"+strings.ToLower(strings.TrimPrefix(d.variable, "DAGC_"))+"-")
			if err != nil {
				return fail(exitInternal, "cannot create $%s: %v", d.variable, err)
			}
			defer os.RemoveAll(dir)
			*d.dst = dir
			childEnv = append(childEnv, d.variable+"="+dir)
		}
		if len(plan.inputs) > 0 {
			if err := plan.fetchInputs(ctx, store); err != nil {
				return fail(exitCannotRun, "%v", err)
			}
		}
	}
	cmd.Env = childEnv
	if wd := env[EnvWorkdir]; wd != "" {
		if fi, err := os.Stat(wd); err != nil || !fi.IsDir() {
			return fail(exitCannotRun, "the working directory %q does not exist", wd)
		}
		cmd.Dir = wd
	}

	signals := c.Signals
	if signals == nil {
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		defer signal.Stop(ch)
		signals = ch
	}
	if err := cmd.Start(); err != nil {
		code := exitCannotRun
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = exitNotFound
		}
		return fail(code, "cannot start %q: %v", argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var got os.Signal
wait:
	for {
		select {
		case err = <-done:
			break wait
		case s := <-signals:
			// Pass it on to the whole group: the runtime's SIGTERM must
			// reach the command, which may clean up before it exits.
			got = s
			if sig, ok := s.(syscall.Signal); ok {
				_ = syscall.Kill(-cmd.Process.Pid, sig)
			}
		}
	}
	if err != nil {
		code, why := exitStatus(err)
		if got != nil {
			why += fmt.Sprintf(" after dagc exec passed on %v", got)
		} else if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Exited() {
			errorName = ErrorExit(code)
		}
		return fail(code, "%s: %s", argv[0], why)
	}
	if plan != nil && len(plan.names) > 0 {
		if err := plan.checkArtifacts(); err != nil {
			return fail(exitBadOutputs, "%v", err)
		}
	}
	var values map[string]string
	if len(names) > 0 {
		if values, err = outputs.Read(env[EnvOutputs], names); err != nil {
			return fail(exitBadOutputs, "%v", err)
		}
	}
	// Stored only once the task has succeeded by every other rule.
	if plan != nil && len(plan.names) > 0 {
		if err := plan.storeArtifacts(ctx, store); err != nil {
			return fail(exitBadOutputs, "%v", err)
		}
	}
	if len(names) == 0 {
		if token != "" {
			if err := report(ctx, c.Reporter, func(r Reporter) error { return r.Success(ctx, token, "{}") }); err != nil {
				fmt.Fprintf(c.Stderr, "dagc exec: could not report success: %v\n", err)
				return exitInternal
			}
		}
		return 0
	}
	doc, err := json.Marshal(values) // map keys come out sorted
	if err != nil {
		return fail(exitInternal, "cannot encode the outputs: %v", err)
	}
	if err := report(ctx, c.Reporter, func(r Reporter) error { return r.Success(ctx, token, string(doc)) }); err != nil {
		fmt.Fprintf(c.Stderr, "dagc exec: could not report the outputs: %v\n", err)
		return exitInternal
	}
	return 0
}

func report(ctx context.Context, r Reporter, call func(Reporter) error) error {
	if r == nil {
		return errors.New("no way to reach the engine")
	}
	return call(r)
}

// exitStatus is the status a shell would report for the command, and why.
func exitStatus(err error) (int, string) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), "killed by signal " + ws.Signal().String()
		}
		return ee.ExitCode(), fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	return exitInternal, err.Error()
}

func environ(kvs []string) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
