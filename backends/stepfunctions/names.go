package stepfunctions

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// maxStateName is the Step Functions limit on state names.
const maxStateName = 80

// longestSuffix bounds what is appended to a task's base name to name its
// states (" upstream_failed", " instance outputs", " #123456"): the base
// is shortened so every derived name stays within maxStateName.
const longestSuffix = 20

var unsafeNameChar = regexp.MustCompile(`[^A-Za-z0-9_-]`)
var unsafeKeyChar = regexp.MustCompile(`[^A-Za-z0-9_]`)
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// stateBase maps a task name to the base of its state names: characters
// outside [A-Za-z0-9_-] become "_" (so a base never contains the space
// that separates it from a suffix, nor anything a structural state name
// uses), and a base too long for its suffixes is cut and given a short
// hash of the full name so that different long names stay different.
func stateBase(task string) string {
	base := unsafeNameChar.ReplaceAllString(task, "_")
	if base == "" {
		base = "_"
	}
	limit := maxStateName - longestSuffix
	if len(base) > limit {
		sum := sha256.Sum256([]byte(task))
		base = base[:limit-9] + "~" + hex.EncodeToString(sum[:])[:8]
	}
	return base
}

// stateKey maps a task name to its key in the run state document
// ($.tasks.KEY): a plain identifier, so it is always a valid JSONPath
// dot-notation segment.
func stateKey(task string) string {
	k := unsafeKeyChar.ReplaceAllString(task, "_")
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		k = "_" + k
	}
	return k
}

// batchJobName maps a task (and instance index) to a Batch job name:
// letters, digits, "-" and "_", at most 128 characters.
func batchJobName(base string) string {
	n := strings.Trim(unsafeNameChar.ReplaceAllString(base, "_"), "_-")
	if n == "" {
		n = "dagc"
	}
	if len(n) > 128 {
		n = n[:128]
	}
	return n
}
