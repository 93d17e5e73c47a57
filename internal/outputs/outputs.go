// Package outputs reads a task's declared outputs from its DAGC_OUTPUTS
// directory, by the one rule of DESIGN 2.3 that every place running a
// command applies: the local runner and the container entrypoint (dagc
// exec). A value is the file's text with one trailing newline dropped, at
// most ir.MaxOutputBytes, UTF-8, from a regular file only.
package outputs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/dagc-dev/dagc/ir"
)

// Read reads each declared output from dir. A single trailing
// newline is dropped, so `echo 42 > $DAGC_OUTPUTS/n` publishes "42".
func Read(dir string, names []string) (map[string]string, error) {
	outs := make(map[string]string, len(names))
	for _, name := range names {
		v, err := readOne(dir, name)
		if err != nil {
			return nil, err
		}
		outs[name] = v
	}
	return outs, nil
}

// readOne reads one output file. Only a regular file is read: a FIFO
// would block open(2) (and with it the run) forever, a device may never end,
// and a symbolic link could publish any file of this machine. The file is
// opened with O_NONBLOCK and O_NOFOLLOW and checked again after opening, so
// swapping it between the checks gains nothing.
func readOne(dir, name string) (string, error) {
	path := filepath.Join(dir, name)
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("declared output %q was not written (expected the file $DAGC_OUTPUTS/%s)", name, name)
		}
		return "", fmt.Errorf("output %q: %v", name, err)
	}
	if err := regularOutput(name, fi); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return "", fmt.Errorf("output %q: %v", name, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return "", fmt.Errorf("output %q: %v", name, err)
	}
	if err := regularOutput(name, fi); err != nil {
		return "", err
	}
	// Read one byte more than allowed (plus the newline that is dropped) to
	// detect an oversized value without reading it all.
	b, err := io.ReadAll(io.LimitReader(f, ir.MaxOutputBytes+2))
	if err != nil {
		return "", fmt.Errorf("output %q: %v", name, err)
	}
	v := strings.TrimSuffix(string(b), "\n")
	if len(v) > ir.MaxOutputBytes {
		return "", fmt.Errorf("output %q is larger than the 32 KiB limit", name)
	}
	// Values are text on every engine (Airflow's XCom, Step Functions' JSON
	// state, the journal): bytes that are not UTF-8 would reach a consumer
	// changed, so they fail the producer instead.
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("output %q is not UTF-8 text", name)
	}
	return v, nil
}

func regularOutput(name string, fi os.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m&os.ModeSymlink != 0:
		return fmt.Errorf("output %q is a symbolic link; write the value into $DAGC_OUTPUTS/%s itself", name, name)
	case m&os.ModeNamedPipe != 0:
		return fmt.Errorf("output %q is a named pipe (FIFO), not a regular file", name)
	case m.IsDir():
		return fmt.Errorf("output %q is a directory, not a regular file", name)
	}
	return fmt.Errorf("output %q is not a regular file (mode %s)", name, m.Type())
}
