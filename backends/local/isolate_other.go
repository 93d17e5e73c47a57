//go:build !linux

package local

import "errors"

// Mount namespaces are Linux's: elsewhere --isolate sets TMPDIR, TMP and
// TEMP only (docs/local.md, "Private /tmp").

var errNoNamespaces = errors.New("mount namespaces are Linux's")

func probeMountNamespace() error { return errNoNamespaces }
func probeUserNamespace() error  { return errNoNamespaces }

func newMountThread(string, []string) (tmpNamespace, error) { return nil, errNoNamespaces }
func newUserNS(string, []string) (tmpNamespace, error)      { return nil, errNoNamespaces }
