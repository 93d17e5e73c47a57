package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// tmpModes runs f with --isolate's mount namespace, made by dagc or in a
// user namespace (where this machine allows them), and with its
// environment-only fallback. tmp is the directory
// a task's script uses as its temporary directory: a path below /tmp by
// name with the mount namespace, below $TMPDIR with the fallback, which
// only promises that.
func tmpModes(t *testing.T, f func(t *testing.T, tmp string)) {
	t.Run("mount", func(t *testing.T) {
		if err := probeMountNamespace(); err != nil {
			t.Skipf("no mount namespace here: %v", err)
		}
		// Unique, so the run without --isolate (which does share the
		// host's /tmp) meets nothing of another test's.
		d := filepath.Join("/tmp", fmt.Sprintf("dagc-isolate-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
		t.Cleanup(func() { os.RemoveAll(d) })
		f(t, d)
	})
	t.Run("userns", func(t *testing.T) {
		if err := probeUserNamespace(); err != nil {
			t.Skipf("no user namespace here: %v", err)
		}
		forceTmpUserNS = true
		defer func() { forceTmpUserNS = false }()
		d := filepath.Join("/tmp", fmt.Sprintf("dagc-isolate-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
		t.Cleanup(func() { os.RemoveAll(d) })
		f(t, d)
	})
	t.Run("env", func(t *testing.T) {
		forceTmpEnv = true
		defer func() { forceTmpEnv = false }()
		// The fallback's promise is about $TMPDIR: without --isolate it
		// is the test's own, shared by both tasks.
		t.Setenv("TMPDIR", t.TempDir())
		f(t, "$TMPDIR/dagc-isolate-test")
	})
}

// Two attempts running at the same time each write their name to tmp/x,
// wait until the other has written too, and read tmp/x back: with
// --isolate each reads its own, without it both read the last writer's.
func TestIsolateTasksDoNotShareTmp(t *testing.T) {
	tmpModes(t, func(t *testing.T, tmp string) {
		task := func(name, other string) *ir.Task {
			tk := shTask(name, fmt.Sprintf(`mkdir -p "%[1]s"; echo %[2]s > "%[1]s/x"; touch %[2]s.ready
n=0; until [ -f %[3]s.ready ]; do n=$((n+1)); [ $n -lt 2000 ]; sleep 0.01; done
cat "%[1]s/x" > "$DAGC_OUTPUTS/seen"`, tmp, name, other))
			tk.Outputs = []string{"seen"}
			return tk
		}
		for _, isolate := range []bool{true, false} {
			dir := t.TempDir()
			oc := runIt(t, context.Background(), pipeline(task("a", "b"), task("b", "a")), dir, Options{Jobs: 2, Isolate: isolate})
			wantStates(t, oc, map[string]ir.State{"a": S, "b": S})
			a, b := oc.inst("a").Outputs["seen"], oc.inst("b").Outputs["seen"]
			if isolate && (a != "a" || b != "b") {
				t.Errorf("--isolate: a read %q, b read %q from their /tmp/x: want each its own", a, b)
			}
			if !isolate && a != b {
				t.Errorf("without --isolate: a read %q, b read %q: want the same shared file", a, b)
			}
			if isolate {
				wantNoTmpLeft(t, oc, tmp)
			}
		}
	})
}

// A retried task's second attempt does not find what its first attempt
// left in /tmp: each attempt has a fresh one.
func TestIsolateRetryGetsFreshTmp(t *testing.T) {
	tmpModes(t, func(t *testing.T, tmp string) {
		script := fmt.Sprintf(`if [ "$DAGC_ATTEMPT" = 1 ]; then mkdir -p "%[1]s"; echo first > "%[1]s/marker"; exit 1; fi
if [ -e "%[1]s/marker" ]; then echo found > "$DAGC_OUTPUTS/marker"; else echo absent > "$DAGC_OUTPUTS/marker"; fi`, tmp)
		for _, isolate := range []bool{true, false} {
			flaky := shTask("flaky", script)
			flaky.Retry = ir.Retry{Attempts: 1, Delay: time.Second, Backoff: 1}
			flaky.Outputs = []string{"marker"}
			oc := runIt(t, context.Background(), pipeline(flaky), t.TempDir(), Options{Isolate: isolate})
			wantStates(t, oc, map[string]ir.State{"flaky": S})
			want := map[bool]string{true: "absent", false: "found"}[isolate]
			if got := oc.inst("flaky").Outputs["marker"]; got != want {
				t.Errorf("isolate=%v: the second attempt's marker is %s, want %s", isolate, got, want)
			}
			if isolate {
				wantNoTmpLeft(t, oc, tmp)
			}
		}
	})
}

// What an attempt leaves in its /tmp is gone when it ends, even a directory
// it made unwritable and a process it left running; the private directory
// was under the run directory while it ran, and TMPDIR, TMP and TEMP named
// it (as /tmp where it is mounted there).
func TestIsolateCleansUp(t *testing.T) {
	tmpModes(t, func(t *testing.T, tmp string) {
		dir := t.TempDir()
		state := filepath.Join(dir, ".dagc")
		private := filepath.Join(RunDir(state, "r1"), TmpDirName, "t.1")
		tk := shTask("t", fmt.Sprintf(`mkdir -p "%[1]s/ro/sub"; echo data > "%[1]s/ro/sub/f"; chmod 500 "%[1]s/ro/sub" "%[1]s/ro"
(sleep 30; echo late > "%[1]s/late") &
printf '%%s %%s %%s' "$TMPDIR" "$TMP" "$TEMP" > "$DAGC_OUTPUTS/env"
# The private directory, seen from the run directory: it must exist now.
ls -d "%[2]s" > "$DAGC_OUTPUTS/private"`, tmp, private))
		tk.Outputs = []string{"env", "private"}
		oc := runIt(t, context.Background(), pipeline(tk), dir, Options{Isolate: true, StateDir: state, RunID: "r1"})
		wantStates(t, oc, map[string]ir.State{"t": S})
		if got := oc.inst("t").Outputs["private"]; got != private {
			t.Errorf("the run directory's tmp/t.1 during the attempt: %q, want %q", got, private)
		}
		seen := private
		if strings.HasPrefix(tmp, "/tmp") {
			seen = "/tmp"
		}
		if got, want := oc.inst("t").Outputs["env"], seen+" "+seen+" "+seen; got != want {
			t.Errorf("TMPDIR TMP TEMP = %q, want %q", got, want)
		}
		wantNoTmpLeft(t, oc, tmp)
	})
}

// The attempt still finds its workdir, its outputs directory and its
// program where dagc said, though all of them lie below /tmp here, and a
// workdir of /tmp itself is its private /tmp.
func TestIsolateKeepsPathsBelowTmp(t *testing.T) {
	tmpModes(t, func(t *testing.T, tmp string) {
		if !strings.HasPrefix(tmp, "/tmp/") {
			t.Skip("only a mount namespace hides /tmp")
		}
		testKeepsPathsBelowTmp(t)
	})
}

func testKeepsPathsBelowTmp(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "dagc-isolate-keep-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("input\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	if err := os.WriteFile(filepath.Join(bin, "prog"), []byte("#!/bin/sh\ncat in.txt > \"$DAGC_OUTPUTS/read\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	prog := cmdTask("prog", filepath.Join(bin, "prog"))
	prog.Outputs = []string{"read"}
	name := filepath.Base(dir) + ".x"
	intmp := shTask("intmp", `echo here > `+name+`; [ "$(pwd)" = /tmp ]; ls -A > "$DAGC_OUTPUTS/ls"`)
	intmp.Outputs = []string{"ls"}
	intmp.Run.Workdir = ir.Lit("/tmp")
	p := pipeline(prog, intmp)
	oc := runIt(t, context.Background(), p, dir, Options{Isolate: true})
	wantStates(t, oc, map[string]ir.State{"prog": S, "intmp": S})
	if got := oc.inst("prog").Outputs["read"]; got != "input" {
		t.Errorf("prog read %q from its workdir, want input", got)
	}
	// The private /tmp holds what the task wrote, and the directory
	// binding its workdir's way back (dagc's own directory).
	if got := oc.inst("intmp").Outputs["ls"]; !slices.Contains(strings.Split(got, "\n"), name) {
		t.Errorf("ls of the private /tmp: %q, want %s in it", got, name)
	}
	if _, err := os.Stat(filepath.Join("/tmp", name)); err == nil {
		os.Remove(filepath.Join("/tmp", name))
		t.Errorf("the task's ./%s in workdir /tmp reached the host's /tmp", name)
	}
}

// wantNoTmpLeft checks that the run left no private directory, and that
// with a mount namespace nothing reached the host's /tmp.
func wantNoTmpLeft(t *testing.T, oc *outcome, tmp string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(oc.res.Dir, TmpDirName)); !os.IsNotExist(err) {
		ents, _ := os.ReadDir(filepath.Join(oc.res.Dir, TmpDirName))
		t.Errorf("%s is still there (%v, %d entries)", filepath.Join(oc.res.Dir, TmpDirName), err, len(ents))
	}
	if strings.HasPrefix(tmp, "/tmp/") {
		if _, err := os.Stat(tmp); !os.IsNotExist(err) {
			t.Errorf("%s exists on the host: a task's private /tmp leaked", tmp)
		}
	}
}

// In a user namespace the attempt runs as dagc's own user, and without the
// capability its helper needed to mount.
func TestIsolateUserNSRunsAsTheUser(t *testing.T) {
	if err := probeUserNamespace(); err != nil {
		t.Skipf("no user namespace here: %v", err)
	}
	forceTmpUserNS = true
	defer func() { forceTmpUserNS = false }()
	tk := shTask("t", `id -u > "$DAGC_OUTPUTS/uid"; sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status > "$DAGC_OUTPUTS/caps"`)
	tk.Outputs = []string{"uid", "caps"}
	oc := runIt(t, context.Background(), pipeline(tk), t.TempDir(), Options{Isolate: true})
	wantStates(t, oc, map[string]ir.State{"t": S})
	if got, want := oc.inst("t").Outputs["uid"], strconv.Itoa(os.Getuid()); got != want {
		t.Errorf("uid %s, want dagc's %s", got, want)
	}
	if got := oc.inst("t").Outputs["caps"]; os.Getuid() != 0 && strings.Trim(got, "0") != "" {
		t.Errorf("effective capabilities %s, want none", got)
	}
}

// As root, the user-namespace way is what a user without privileges gets:
// run the tests above once more as nobody.
func TestIsolateAsAnotherUser(t *testing.T) {
	if os.Getuid() != 0 || os.Getenv("DAGC_TEST_AS_NOBODY") != "" {
		t.Skip("needs root, to become nobody")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("no setpriv")
	}
	// The test binary, where nobody may run it.
	dir, err := os.MkdirTemp("", "dagc-isolate-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "local.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o777)
	os.Chmod(work, 0o777)
	cmd := exec.Command(setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups", bin,
		"-test.run", "^(TestIsolateTasksDoNotShareTmp|TestIsolateUserNSRunsAsTheUser|TestIsolateKeepsPathsBelowTmp)$", "-test.v")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "DAGC_TEST_AS_NOBODY=1", "HOME="+work, "TMPDIR=/tmp")
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "no user namespace here") {
		t.Skipf("nobody may not make a user namespace here:\n%s", out)
	}
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	for _, want := range []string{"--- PASS: TestIsolateTasksDoNotShareTmp/userns", "--- PASS: TestIsolateUserNSRunsAsTheUser", "--- PASS: TestIsolateKeepsPathsBelowTmp/userns"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("as nobody, no %q:\n%s", want, out)
		}
	}
}

// A program or workdir that does not exist fails the attempt with the
// message it has without --isolate, whichever way /tmp is made private.
func TestIsolateStartFailuresReadAsWithout(t *testing.T) {
	dir := t.TempDir()
	missingWd := cmdTask("missing_wd", "true")
	missingWd.Run.Workdir = ir.Lit(filepath.Join(dir, "nowhere"))
	p := pipeline(cmdTask("no_file", filepath.Join(dir, "no-such-program")), cmdTask("not_in_path", "no-such-program-dagc"), missingWd)
	errs := func(o Options) map[string]string {
		oc := runIt(t, context.Background(), p, dir, o)
		out := map[string]string{}
		for _, in := range oc.res.Instances {
			out[in.Task] = in.Error
		}
		return out
	}
	want := errs(Options{})
	for name, e := range want {
		if !strings.Contains(e, "cannot start") {
			t.Fatalf("%s without --isolate: %q", name, e)
		}
	}
	for _, mode := range []struct {
		name  string
		force *bool
		probe func() error
	}{{"mount", nil, probeMountNamespace}, {"userns", &forceTmpUserNS, probeUserNamespace}, {"env", &forceTmpEnv, nil}} {
		t.Run(mode.name, func(t *testing.T) {
			if mode.probe != nil {
				if err := mode.probe(); err != nil {
					t.Skip(err)
				}
			}
			if mode.force != nil {
				*mode.force = true
				defer func() { *mode.force = false }()
			}
			got := errs(Options{Isolate: true})
			for name := range want {
				if got[name] != want[name] {
					t.Errorf("%s: %q, without --isolate %q", name, got[name], want[name])
				}
			}
		})
	}
}
