package local

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// A private /tmp per attempt (dagc run --isolate, docs/local.md "Private
// /tmp"): each attempt gets a fresh directory under the run directory,
// removed when the attempt ends. Where dagc can make a mount namespace
// (Linux: as root, or in a user namespace of its own), the attempt's
// processes see that directory at /tmp, as in a container; elsewhere only
// TMPDIR, TMP and TEMP point at it.

type tmpMode int

const (
	tmpShared tmpMode = iota // no --isolate: the host's /tmp, as always
	tmpMount                 // a mount namespace per attempt, its directory at /tmp
	tmpUserNS                // the same in a user namespace, for a user without privileges
	tmpEnv                   // TMPDIR, TMP and TEMP only
)

// forceTmpEnv and forceTmpUserNS make --isolate take a fallback even where
// the better way is allowed, so tests cover them.
var forceTmpEnv, forceTmpUserNS = false, false

// tmpNamespace is how an attempt's process is started in a mount namespace
// whose /tmp is the attempt's private directory.
type tmpNamespace interface {
	start(*exec.Cmd) error
	close()
}

// TmpDirName is the directory of a run that holds the private /tmp of each
// running attempt.
const TmpDirName = "tmp"

// chooseTmpMode decides how a run with --isolate isolates /tmp, and warns
// once when it can only set the environment.
func (r *runner) chooseTmpMode() error {
	if !r.o.Isolate {
		return nil
	}
	switch {
	case forceTmpEnv:
		r.tmpMode = tmpEnv
	case forceTmpUserNS:
		r.tmpMode = tmpUserNS
	default:
		err := probeMountNamespace()
		if err == nil {
			r.tmpMode = tmpMount
			break
		}
		uerr := probeUserNamespace()
		if uerr == nil {
			r.tmpMode = tmpUserNS
			break
		}
		r.tmpMode = tmpEnv
		r.con.printf("dagc: warning: --isolate cannot make a mount namespace (%v; in a user namespace: %v): each attempt gets a private TMPDIR, TMP and TEMP, but a program that writes to /tmp by name still shares it", err, uerr)
	}
	root, err := filepath.Abs(filepath.Join(r.dir, TmpDirName))
	if err != nil {
		return err
	}
	r.tmpRoot = root
	return os.MkdirAll(root, 0o755)
}

// closeTmp waits for the attempts' directories to be removed, then removes
// the directory that held them.
func (r *runner) closeTmp() {
	if r.tmpMode == tmpShared {
		return
	}
	r.tmpClean.Wait()
	os.Remove(r.tmpRoot) // only if empty: one could not be removed
}

// privateTmp is an attempt's private directory.
type privateTmp struct {
	dir string
	ns  tmpNamespace // where the attempt starts; nil with tmpEnv
}

// isolate makes the attempt's private directory and, unless with tmpEnv,
// the mount namespace its program (at path prog) starts in. It returns the
// environment that points at the directory. The privateTmp must be closed
// once the attempt's processes are gone.
func (r *runner) isolate(a *attempt, prog string) (*privateTmp, []string, error) {
	pt := &privateTmp{dir: filepath.Join(r.tmpRoot, a.inst.file+"."+strconv.Itoa(a.number))}
	err := os.Mkdir(pt.dir, 0o700)
	if errors.Is(err, fs.ErrExist) {
		// Only a dagc that was killed leaves one (the run's lock keeps
		// any other away): its content is not this attempt's.
		if err = removeAll(pt.dir); err == nil {
			err = os.Mkdir(pt.dir, 0o700)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	seen := pt.dir
	if r.tmpMode != tmpEnv {
		// It is the attempt's /tmp (the umask kept Mkdir from this).
		if err := os.Chmod(pt.dir, 0o777|fs.ModeSticky); err != nil {
			pt.close()
			return nil, nil, err
		}
		seen = "/tmp"
		wd, _ := filepath.Abs(a.dir) // "" is dagc's own directory
		if !filepath.IsAbs(prog) {
			prog = filepath.Join(wd, prog)
		}
		keep := []string{wd, a.outDir, filepath.Dir(prog)}
		if r.tmpMode == tmpMount {
			pt.ns, err = newMountThread(pt.dir, keep)
		} else {
			pt.ns, err = newUserNS(pt.dir, keep)
		}
		if err != nil {
			pt.close()
			return nil, nil, err
		}
	}
	return pt, []string{"TMPDIR=" + seen, "TMP=" + seen, "TEMP=" + seen}, nil
}

// start starts cmd where the attempt's /tmp is private.
func (pt *privateTmp) start(cmd *exec.Cmd) error {
	if pt == nil || pt.ns == nil {
		return cmd.Start()
	}
	return pt.ns.start(cmd)
}

// close ends the namespace's thread and removes the directory with
// everything the attempt left in it.
func (pt *privateTmp) close() error {
	if pt == nil {
		return nil
	}
	if pt.ns != nil {
		pt.ns.close()
		pt.ns = nil
	}
	return removeAll(pt.dir)
}

// removeAll is os.RemoveAll that also removes what a task made unwritable
// (a chmod 0500 directory): it is dagc's to clean up, not the task's.
func removeAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		// Called before the directory is read: made readable, it is.
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// underTmp reports whether p lies below tmp (not tmp itself), and where.
func underTmp(tmp, p string) (string, bool) {
	rel, err := filepath.Rel(tmp, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}
