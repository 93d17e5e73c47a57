package local

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/dagc-dev/dagc/ir"
)

// Artifacts (DESIGN 2.6) live in the run directory's artifacts/ folder, or
// under the pipeline's storage when it is file://, as
// <task>/<instance>/<name> (the run id is the folder above). An attempt
// writes into a staging folder of its own beside its instance's artifacts;
// only an attempt that succeeds moves them into place, each with one
// rename, so a consumer (which starts after its producer has ended) never
// sees half of an artifact, and a failed attempt leaves nothing behind.

// artifactRoot is the folder of this run's artifacts.
func (r *runner) artifactRoot() string {
	if r.p.Storage != "" {
		if st, err := ir.ParseStorage(r.p.Storage); err == nil && st.Scheme == "file" {
			return filepath.Join(filepath.FromSlash(st.Prefix), ir.InstanceSegment(r.o.RunID, true))
		}
	}
	abs, err := filepath.Abs(filepath.Join(r.dir, "artifacts"))
	if err != nil {
		return filepath.Join(r.dir, "artifacts")
	}
	return abs
}

// instanceArtifacts is the folder of one instance's artifacts.
func (r *runner) instanceArtifacts(i *instNode) string {
	return filepath.Join(r.artRoot, i.task.t.Name, ir.InstanceSegment(i.in.Key, i.task.t.ForEach != nil))
}

// inputSource is one input of an attempt: the artifact of a plain
// producer, or one entry per successful instance of a for_each producer.
type inputSource struct {
	name    string
	fanout  bool
	entries []inputEntry
}

type inputEntry struct{ segment, path string }

// inputSources lists where an instance's inputs come from; it runs on the
// scheduler's goroutine, which owns the instances' states.
func (r *runner) inputSources(i *instNode) []inputSource {
	t := i.task.t
	if len(t.Inputs) == 0 {
		return nil
	}
	out := make([]inputSource, 0, len(t.Inputs))
	for _, in := range t.Inputs {
		prod := r.byName[in.Task]
		src := inputSource{name: in.Name, fanout: prod.t.ForEach != nil}
		for _, pi := range prod.insts {
			if pi.state != ir.Success || pi.whole {
				continue
			}
			src.entries = append(src.entries, inputEntry{
				segment: ir.InstanceSegment(pi.in.Key, src.fanout),
				path:    filepath.Join(r.instanceArtifacts(pi), in.Artifact),
			})
		}
		out = append(out, src)
	}
	return out
}

// stageInputs fills dir with the attempt's inputs: hard links to the
// stored files where the file system allows, copies otherwise or when
// private is set (--isolate: as in a container, nothing a task does to its
// inputs reaches the store, even as root). An input whose producer did not
// succeed (a trigger such as all_done) is absent.
func stageInputs(dir string, sources []inputSource, private bool) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, src := range sources {
		dst := filepath.Join(dir, src.name)
		if !src.fanout {
			if len(src.entries) == 1 {
				if err := linkTree(src.entries[0].path, dst, true, private); err != nil {
					return fmt.Errorf("cannot fetch input %q from %s: %w", src.name, src.entries[0].path, err)
				}
			}
			continue
		}
		if err := os.Mkdir(dst, 0o755); err != nil {
			return err
		}
		for _, e := range src.entries {
			if err := linkTree(e.path, filepath.Join(dst, e.segment), true, private); err != nil {
				return fmt.Errorf("cannot fetch input %q from %s: %w", src.name, e.path, err)
			}
		}
	}
	return nil
}

// commitArtifacts moves every declared artifact of a successful attempt
// from its staging folder into place, replacing what an earlier run of the
// instance left (a resume that runs it again).
func commitArtifacts(staging, dest string, names []string) error {
	for _, name := range names {
		if _, err := os.Lstat(filepath.Join(staging, name)); err != nil {
			return fmt.Errorf("the declared artifact %q was not written to $DAGC_ARTIFACTS/%s", name, name)
		}
	}
	for _, name := range names {
		src, dst := filepath.Join(staging, name), filepath.Join(dest, name)
		// A top-level link is what the task meant to publish: its target
		// is stored, not a link that would dangle elsewhere.
		if fi, err := os.Lstat(src); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			resolved := src + ".resolved"
			if err := linkTree(src, resolved, true, false); err != nil {
				return fmt.Errorf("the artifact %q is a link that cannot be followed: %w", name, err)
			}
			src = resolved
		}
		old := dst + ".old-" + strconv.Itoa(os.Getpid())
		if err := os.Rename(dst, old); err == nil {
			defer os.RemoveAll(old)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.Rename(src, dst); err != nil {
			return fmt.Errorf("cannot store the artifact %q: %w", name, err)
		}
		readOnly(dst)
	}
	return os.RemoveAll(staging)
}

// readOnly takes write permission off a stored artifact's files, which
// consumers receive as hard links: a consumer (not root) that edits its
// input in place gets an error instead of changing what others read.
func readOnly(root string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				os.Chmod(p, fi.Mode().Perm()&^0o222)
			}
		}
		return nil
	})
}

// linkTree recreates src at dst: folders anew, regular files as hard links
// (or copies across file systems, or always with copy), links as links.
// follow dereferences src itself when it is a link.
func linkTree(src, dst string, follow, copy bool) error {
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	fi, err := stat(src)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode().IsRegular():
		if !copy {
			if err := os.Link(src, dst); err == nil {
				return nil
			} else if !crossDevice(err) {
				return err
			}
		}
		return copyFile(src, dst, fi.Mode().Perm())
	case fi.IsDir():
		if err := os.Mkdir(dst, fi.Mode().Perm()|0o700); err != nil {
			return err
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := linkTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()), false, copy); err != nil {
				return err
			}
		}
		return nil
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	return fmt.Errorf("%s is neither a file, a folder nor a link", src)
}

// crossDevice reports whether a hard link failed because the two paths are
// on different file systems (or the file system has no hard links).
func crossDevice(err error) bool {
	return errors.Is(err, syscall.EXDEV) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EMLINK) || errors.Is(err, syscall.ENOTSUP)
}

// copyFile copies at disk speed: io.Copy between files uses
// copy_file_range on Linux, so the data never passes through user space.
func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	return out.Close()
}
