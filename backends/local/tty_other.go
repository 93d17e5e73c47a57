//go:build !linux

package local

import "os"

// IsTerminal reports whether f is a terminal. Outside Linux dagc does not
// probe and prints plain lines.
func IsTerminal(f *os.File) bool { return false }
