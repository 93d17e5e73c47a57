package argo

import (
	"github.com/dagc-dev/dagc/backends/yamlquote"
)

// yamlStr quotes s as a YAML double-quoted scalar.
func yamlStr(s string) string { return yamlquote.Str(s) }
