// Package templates holds the text/template sources of the renderers, so
// they can be embedded (go:embed cannot reach parent directories).
package templates

import "embed"

// FS holds every *.tmpl file of this directory.
//
//go:embed *.tmpl
var FS embed.FS
