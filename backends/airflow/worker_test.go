package airflow

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// Item 18 of the hardening issue: on an Airflow 3 worker the task's stdin
// is a socket, and bash without SHLVL then reads ~/.bashrc as for a remote
// shell. Every BashOperator task sets SHLVL=1, unless the user set it.
func TestHardening18BashOnAWorkerSkipsBashrc(t *testing.T) {
	plain := plainTask("plain", "true")
	own := plainTask("own", "true")
	own.Run.Env = []ir.EnvVar{{Name: "SHLVL", Value: ir.Lit("5")}}
	data, diags := render(&ir.Pipeline{Name: "w", Timezone: "UTC", Tasks: []*ir.Task{own, plain}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dag := string(data)
	if strings.Count(dag, `"SHLVL"`) != 1 || !strings.Contains(dag, `"SHLVL": "5"`) || !strings.Contains(string(runtimeModule.data), `out.setdefault("SHLVL", "1")`) {
		t.Fatalf("want the user's SHLVL=5 on own, and dagc_env's default SHLVL=1 for plain:\n%s", dag)
	}

	// Why it matters, with the bash on this machine: a socket on stdin.
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".bashrc"), []byte("echo BASHRC-READ\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skip("no socketpair:", err)
	}
	stdin := os.NewFile(uintptr(fds[0]), "stdin")
	defer stdin.Close()
	defer syscall.Close(fds[1])
	run := func(env ...string) string {
		cmd := exec.Command("bash", "-c", "echo command")
		cmd.Stdin = stdin
		cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}, env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if out := run("SHLVL=1"); strings.Contains(out, "BASHRC-READ") {
		t.Errorf("with SHLVL=1 bash still read ~/.bashrc: %q", out)
	}
	if out := run(); !strings.Contains(out, "BASHRC-READ") {
		t.Logf("this bash does not read ~/.bashrc for a socket stdin (built without SSH_SOURCE_BASHRC): %q", out)
	}
}
