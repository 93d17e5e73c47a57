package argo

import "strings"

// maxName is the length of a DNS-1123 label, the limit Argo puts on task,
// template and object names.
const maxName = 63

// dnsName maps a dagc name to a DNS-1123 label deterministically: lower
// case, every character outside [a-z0-9-] becomes '-', no leading or
// trailing '-', at most 63 characters. Distinct names may map to the same
// label ("a_b" and "a-b"); callers report such collisions.
func dnsName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > maxName {
		out = strings.TrimRight(out[:maxName], "-")
	}
	if out == "" {
		out = "x"
	}
	return out
}

// isParamName reports whether s is accepted by Argo as a parameter name
// (workflow/validate: ^[-a-zA-Z0-9_]+$) and safe as a file name.
func isParamName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// isEnvName reports whether s is a portable environment variable name, the
// only kind the argv runner may assign.
func isEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
