package stepfunctions

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode/utf8"
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

// State names come in two kinds that cannot collide, whatever the tasks
// are called:
//
//   - a task's states are its base (stateBase: letters, digits, "_", "-",
//     and "~" in a cut name) alone or followed by a space and a lowercase
//     suffix ("trigger", "upstream_failed", "instance when parse", …);
//   - every other state (the run's start, params check and verdict, a
//     Parallel, a child machine) has a name that is not of that form: an
//     uppercase letter or another character after its first space
//     ("Check Params", "Run Failed", "Parallel: a, b", "a failed?"), or a
//     character outside a base in its first word ("run.status = failed",
//     "a[2]: add").
//
// taskName tells them apart; TestStateNameKinds checks every name of every
// example against it.
var taskBaseWord = regexp.MustCompile(`^[A-Za-z0-9_~-]+$`)
var taskSuffix = regexp.MustCompile(`^[a-z0-9_ ]+$`)

// taskName reports whether name has the form of a task's state name.
func taskName(name string) bool {
	first, rest, spaced := strings.Cut(name, " ")
	return taskBaseWord.MatchString(first) && (!spaced || taskSuffix.MatchString(rest))
}

// fitName returns name, or, when it is longer than a state name may be,
// its first characters and a short hash of the whole, so that different
// long names stay different.
func fitName(name string) string {
	if len(name) <= maxStateName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	cut := name[:maxStateName-10]
	for !utf8.ValidString(cut) { // never split a character
		cut = cut[:len(cut)-1]
	}
	return cut + " ~" + hex.EncodeToString(sum[:])[:8]
}

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
