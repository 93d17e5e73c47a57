//go:build !linux

package local

import "errors"

// nsThread exists on Linux only: elsewhere --isolate sets TMPDIR, TMP and
// TEMP (docs/local.md, "Private /tmp").
type nsThread struct{}

func (*nsThread) do(f func()) { f() }
func (*nsThread) close()      {}

func probeMountNamespace() error {
	return errors.New("mount namespaces are Linux's")
}

func newMountThread(string, []string) (*nsThread, error) {
	return nil, errors.New("mount namespaces are Linux's")
}
