package entrypoint

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type call struct{ kind, token, body, errName string }

type fakeReporter struct{ calls []call }

func (f *fakeReporter) Success(_ context.Context, token, output string) error {
	f.calls = append(f.calls, call{"success", token, output, ""})
	return nil
}

func (f *fakeReporter) Failure(_ context.Context, token, errorName, cause string) error {
	f.calls = append(f.calls, call{"failure", token, cause, errorName})
	return nil
}

func run(t *testing.T, env []string, argv ...string) (int, *fakeReporter, string) {
	t.Helper()
	rep := &fakeReporter{}
	var out, errb bytes.Buffer
	code := Run(context.Background(), argv, Config{Env: append([]string{"PATH=" + os.Getenv("PATH")}, env...), Stdout: &out, Stderr: &errb, Reporter: rep})
	return code, rep, out.String() + errb.String()
}

func TestOutputsAreReportedWithTheToken(t *testing.T) {
	code, rep, log := run(t, []string{"DAGC_OUTPUT_NAMES=rows,note", "DAGC_TASK_TOKEN=tok-1"},
		"sh", "-c", `printf '1000\n' > "$DAGC_OUTPUTS/rows"; printf 'a "quoted"\nline' > "$DAGC_OUTPUTS/note"; echo "token=${DAGC_TASK_TOKEN-unset}"`)
	if code != 0 || len(rep.calls) != 1 || rep.calls[0].kind != "success" || rep.calls[0].token != "tok-1" {
		t.Fatalf("code %d calls %+v log %s", code, rep.calls, log)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(rep.calls[0].body), &got); err != nil || got["rows"] != "1000" || got["note"] != "a \"quoted\"\nline" {
		t.Fatalf("output %q (%v)", rep.calls[0].body, err)
	}
	if !strings.Contains(log, "token=unset") {
		t.Fatalf("the command saw the task token: %s", log)
	}
}

func TestFailuresAreReported(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       []string
		argv      []string
		code      int
		wantCause string
	}{
		{"exit status", nil, []string{"sh", "-c", "exit 3"}, 3, "exit status 3"},
		{"missing output", []string{"DAGC_OUTPUT_NAMES=rows"}, []string{"true"}, 1, `declared output "rows" was not written`},
		{"not UTF-8", []string{"DAGC_OUTPUT_NAMES=rows"}, []string{"sh", "-c", `printf 'a\377b' > "$DAGC_OUTPUTS/rows"`}, 1, `output "rows" is not UTF-8 text`},
		{"too large", []string{"DAGC_OUTPUT_NAMES=rows"}, []string{"sh", "-c", `head -c 40000 /dev/zero | tr '\0' x > "$DAGC_OUTPUTS/rows"`}, 1, "larger than the 32 KiB limit"},
		{"fifo", []string{"DAGC_OUTPUT_NAMES=rows"}, []string{"sh", "-c", `mkfifo "$DAGC_OUTPUTS/rows"`}, 1, "named pipe"},
		{"not found", nil, []string{"no-such-program-dagc"}, 127, "cannot start"},
		{"workdir", []string{"DAGC_WORKDIR=/no/such/dir"}, []string{"true"}, 126, `working directory "/no/such/dir" does not exist`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, rep, log := run(t, append(tc.env, "DAGC_TASK_TOKEN=tok"), tc.argv...)
			if code != tc.code || len(rep.calls) != 1 || rep.calls[0].kind != "failure" || rep.calls[0].errName != ErrorTaskFailed || !strings.Contains(rep.calls[0].body, tc.wantCause) {
				t.Fatalf("code %d (want %d) calls %+v log %s", code, tc.code, rep.calls, log)
			}
		})
	}
}

func TestWithoutTokenTheExitStatusSpeaks(t *testing.T) {
	code, rep, _ := run(t, nil, "sh", "-c", "exit 0")
	if code != 0 || len(rep.calls) != 0 {
		t.Fatalf("code %d calls %+v", code, rep.calls)
	}
	code, _, log := run(t, []string{"DAGC_OUTPUT_NAMES=a"}, "true")
	if code != exitInternal || !strings.Contains(log, "DAGC_TASK_TOKEN is not set") {
		t.Fatalf("code %d log %s", code, log)
	}
}

// The container runtime's SIGTERM reaches the command's whole process
// group, and the command may clean up before it exits.
func TestSigtermReachesTheProcessGroup(t *testing.T) {
	dir := t.TempDir()
	ready, marker := filepath.Join(dir, "ready"), filepath.Join(dir, "child-got-term")
	sig := make(chan os.Signal, 1)
	rep := &fakeReporter{}
	done := make(chan int, 1)
	go func() {
		script := `sh -c 'trap "touch ` + marker + `; exit 0" TERM; touch ` + ready + `; while :; do sleep 0.05; done' & wait; exit 143`
		done <- Run(context.Background(), []string{"sh", "-c", script}, Config{Env: []string{"PATH=" + os.Getenv("PATH"), "DAGC_TASK_TOKEN=t"}, Stdout: io.Discard, Stderr: io.Discard, Reporter: rep, Signals: sig})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	sig <- syscall.SIGTERM
	select {
	case code := <-done:
		if _, err := os.Stat(marker); err != nil {
			t.Fatalf("the grandchild did not get SIGTERM (code %d)", code)
		}
		if len(rep.calls) != 1 || rep.calls[0].kind != "failure" || !strings.Contains(rep.calls[0].body, "passed on terminated") {
			t.Fatalf("calls %+v", rep.calls)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("dagc exec did not end after SIGTERM")
	}
}

// The real SDK client against a loopback endpoint: what goes on the wire
// is the Step Functions JSON protocol.
func TestStepFunctionsReporterSpeaksTheAPI(t *testing.T) {
	var got []map[string]any
	var targets []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		got = append(got, body)
		targets = append(targets, r.Header.Get("X-Amz-Target"))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte("{}"))
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SFN", srv.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	sf, err := NewStepFunctions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := sf.Success(ctx, "tok", `{"a":"1"}`); err != nil {
		t.Fatal(err)
	}
	if err := sf.Failure(ctx, "tok", ErrorTaskFailed, "why"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || targets[0] != "AWSStepFunctions.SendTaskSuccess" || targets[1] != "AWSStepFunctions.SendTaskFailure" ||
		got[0]["taskToken"] != "tok" || got[0]["output"] != `{"a":"1"}` || got[1]["error"] != ErrorTaskFailed || got[1]["cause"] != "why" {
		t.Fatalf("targets %v bodies %v", targets, got)
	}
}
