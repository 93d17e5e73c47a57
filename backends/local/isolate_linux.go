package local

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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

// newMountThread makes a namespace whose /tmp is dir. The paths in keep
// that lie below /tmp (the attempt's workdir, its outputs directory, its
// program's directory) would be hidden by it: they are bound at the same
// place inside dir first, so they are still found where dagc said.
func newMountThread(dir string, keep []string) (*nsThread, error) {
	tmp := "/tmp"
	if real, err := filepath.EvalSymlinks(tmp); err == nil {
		tmp = real
	}
	var binds []string
	for _, p := range keep {
		if p == "" {
			continue
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, ok := underTmp(tmp, p); ok {
			binds = append(binds, p)
		}
	}
	// A path below another kept one comes with it.
	var kept []string
	for _, p := range binds {
		inside := false
		for _, q := range binds {
			if _, ok := underTmp(q, p); ok {
				inside = true
			}
		}
		if !inside && !slices.Contains(kept, p) {
			kept = append(kept, p)
		}
	}
	return newNSThread(func() error {
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
	})
}
