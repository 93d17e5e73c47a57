package local

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
)

// nsThread is an OS thread in a mount namespace of its own. A process is
// forked from the thread that calls fork, and starts in that thread's
// namespaces: so an attempt started on it sees the thread's /tmp, while
// dagc's other threads keep the host's. No helper process or re-exec is
// needed.
//
// The thread lives until the attempt is over: the kernel sends the
// attempt's parent-death signal (Pdeathsig) when the thread that forked it
// exits, not the process.
type nsThread struct {
	reqs chan func()
}

// newNSThread starts a thread, moves it to a new mount namespace in which
// no mount propagates back to the host, and runs setup there.
func newNSThread(setup func() error) (*nsThread, error) {
	t := &nsThread{reqs: make(chan func())}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: a thread whose namespace is not the process's
		// must run nothing else, and the runtime ends a locked thread
		// when its goroutine returns. (The runtime also never clones new
		// threads from a locked one.)
		runtime.LockOSThread()
		if err := syscall.Unshare(syscall.CLONE_NEWNS); err != nil {
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
			errc <- fmt.Errorf("making / private: %w", err)
			return
		}
		if setup != nil {
			if err := setup(); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
		for f := range t.reqs {
			f()
		}
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	return t, nil
}

// do runs f on the thread.
func (t *nsThread) do(f func()) {
	done := make(chan struct{})
	t.reqs <- func() { f(); close(done) }
	<-done
}

// close ends the thread; the namespace goes when its last process does.
func (t *nsThread) close() { close(t.reqs) }

// probeMountNamespace reports why a mount namespace cannot be made here
// (not root, or a container that forbids it), or nil.
func probeMountNamespace() error {
	t, err := newNSThread(nil)
	if err == nil {
		t.close()
	}
	return err
}

// newMountThread makes a namespace whose /tmp is dir (see tmpBinds for
// keep).
func newMountThread(dir string, keep []string) (tmpNamespace, error) {
	tmp, kept := tmpBinds(keep)
	t, err := newNSThread(func() error { return mountTmp(dir, tmp, kept) })
	if err != nil {
		return nil, err // not a nil *nsThread in a non-nil interface
	}
	return t, nil
}

func (t *nsThread) start(cmd *exec.Cmd) error {
	var err error
	t.do(func() { err = cmd.Start() })
	return err
}

// tmpBinds returns the host's /tmp (symbolic links resolved) and the paths
// of keep that lie below it: the attempt's workdir, its outputs directory,
// its program's directory would be hidden by its private /tmp, so they are
// bound at the same place inside it, and are still found where dagc said.
// A path below another kept one comes with it.
func tmpBinds(keep []string) (string, []string) {
	tmp := "/tmp"
	if real, err := filepath.EvalSymlinks(tmp); err == nil {
		tmp = real
	}
	var below []string
	for _, p := range keep {
		if p == "" {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			// Missing: starting the attempt fails on it as it would
			// without --isolate, with the same message.
			continue
		}
		if _, ok := underTmp(tmp, real); ok {
			below = append(below, real)
		}
	}
	var kept []string
	for _, p := range below {
		inside := false
		for _, q := range below {
			if _, ok := underTmp(q, p); ok {
				inside = true
			}
		}
		if !inside && !slices.Contains(kept, p) {
			kept = append(kept, p)
		}
	}
	return tmp, kept
}

// mountTmp, in a mount namespace of the attempt's own, binds the kept paths
// inside dir and dir at tmp.
func mountTmp(dir, tmp string, kept []string) error {
	for _, p := range kept {
		rel, _ := underTmp(tmp, p)
		at := filepath.Join(dir, rel)
		// Created in dir on the host too: removed with it.
		if err := os.MkdirAll(at, 0o755); err != nil {
			return err
		}
		if err := syscall.Mount(p, at, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
			return fmt.Errorf("binding %s: %w", p, err)
		}
	}
	if err := syscall.Mount(dir, tmp, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("binding %s at %s: %w", dir, tmp, err)
	}
	return nil
}

// Without the privilege to make a mount namespace, a user namespace may
// still be allowed: in one of its own, where dagc's user is mapped to
// itself, a process may mount in the mount namespace it created with it.
// Such a process cannot be forked from a thread of dagc (a multi-threaded
// process may not enter a new user namespace), so the attempt's process is
// dagc itself, started in new user and mount namespaces with CAP_SYS_ADMIN
// as an ambient capability: it mounts the attempt's /tmp, drops every
// capability and execs the attempt's program, which so keeps its pid and
// runs as dagc's user without privileges.
//
// What the attempt sees differs from dagc's own view in one way: files of
// users and groups other than dagc's show as owned by the overflow ids
// (nobody), and a set-user-ID program cannot raise its privileges.

const (
	tmpnsArg           = "__dagc_tmpns"
	capSysAdmin        = 21
	prCapAmbient       = 47
	prCapAmbientClrAll = 4
)

type userNS struct {
	dir, tmp string
	kept     []string
}

func newUserNS(dir string, keep []string) (tmpNamespace, error) {
	if !guardianReady {
		return nil, errors.New("this program does not dispatch dagc's helper (local.Main)")
	}
	tmp, kept := tmpBinds(keep)
	return &userNS{dir: dir, tmp: tmp, kept: kept}, nil
}

func (*userNS) close() {}

// userNSAttr returns attr with the new namespaces, dagc's ids mapped to
// themselves and CAP_SYS_ADMIN kept across the exec of the helper.
func userNSAttr(attr *syscall.SysProcAttr) *syscall.SysProcAttr {
	a := *attr
	a.Cloneflags |= syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
	a.UidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getuid(), HostID: os.Getuid(), Size: 1}}
	a.GidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getgid(), HostID: os.Getgid(), Size: 1}}
	a.GidMappingsEnableSetgroups = false
	a.AmbientCaps = []uintptr{capSysAdmin}
	return &a
}

// start runs cmd through the helper. The helper reports on descriptor 3,
// closed by a successful exec, why it could not mount or exec: that is a
// start failure, as it is without --isolate, not an exit status.
func (u *userNS) start(cmd *exec.Cmd) error {
	if cmd.Err != nil {
		return cmd.Start() // the program was not found: said as always
	}
	// Not os.Executable's path: the file there may have been replaced
	// since dagc started.
	const self = "/proc/self/exe"
	rp, wp, err := os.Pipe()
	if err != nil {
		return err
	}
	defer rp.Close()
	args := []string{self, tmpnsArg, u.tmp, u.dir, strconv.Itoa(len(u.kept))}
	args = append(args, u.kept...)
	args = append(args, cmd.Path)
	cmd.Path, cmd.Args = self, append(args, cmd.Args...)
	cmd.ExtraFiles = append(cmd.ExtraFiles, wp)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr = userNSAttr(cmd.SysProcAttr)
	err = cmd.Start()
	wp.Close()
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(rp)
	if len(msg) > 0 {
		cmd.Wait()
		return errors.New(string(msg))
	}
	return nil
}

// probeUserNamespace reports why the helper cannot make a private /tmp in
// a user namespace here, or nil.
func probeUserNamespace() error {
	if !guardianReady {
		return errors.New("this program does not dispatch dagc's helper (local.Main)")
	}
	cmd := exec.Command("/proc/self/exe", tmpnsArg, "probe")
	cmd.SysProcAttr = userNSAttr(&syscall.SysProcAttr{})
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// tmpnsHelper is the helper's main: args are tmp, dir, the number of kept
// paths, the kept paths, the program and its argv.
func tmpnsHelper(args []string) int {
	if len(args) == 1 && args[0] == "probe" {
		// A bind mount is what an attempt needs: try one.
		if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
			fmt.Fprintln(os.Stderr, "making / private:", err)
			return 1
		}
		if err := syscall.Mount("/tmp", "/tmp", "", syscall.MS_BIND, ""); err != nil {
			fmt.Fprintln(os.Stderr, "bind mount:", err)
			return 1
		}
		return 0
	}
	report := os.NewFile(3, "report")
	fail := func(err error) int {
		report.WriteString(err.Error())
		return 127
	}
	if len(args) < 3 {
		return fail(errors.New("dagc: --isolate helper: bad arguments"))
	}
	tmp, dir := args[0], args[1]
	n, err := strconv.Atoi(args[2])
	if err != nil || len(args) < 3+n+2 {
		return fail(errors.New("dagc: --isolate helper: bad arguments"))
	}
	kept, prog, argv := args[3:3+n], args[3+n], args[4+n:]
	// The working directory was entered before /tmp was mounted: entered
	// again by name, a /tmp in its path is the private one.
	wd, err := syscall.Getwd()
	if err != nil {
		return fail(err)
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fail(fmt.Errorf("making / private: %w", err))
	}
	if err := mountTmp(dir, tmp, kept); err != nil {
		return fail(err)
	}
	if err := syscall.Chdir(wd); err != nil {
		return fail(err)
	}
	// The program runs without the capability the mounts needed.
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prCapAmbient, prCapAmbientClrAll, 0, 0, 0, 0); e != 0 {
		return fail(fmt.Errorf("dropping capabilities: %w", e))
	}
	syscall.CloseOnExec(3)
	err = syscall.Exec(prog, argv, os.Environ())
	return fail(fmt.Errorf("fork/exec %s: %w", prog, err))
}
