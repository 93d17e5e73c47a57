package ir

import (
	"fmt"
	"strings"
)

// triggerWords maps the words people write in trigger names to the word
// each trigger uses, so that a suggestion keeps the meaning: "no_failure"
// is none_failed, not one_failed, which is one letter away.
var triggerWords = map[string]string{
	"all": "all", "every": "all", "each": "all",
	"one": "one", "any": "one", "some": "one", "least": "one", "atleast": "one",
	"none": "none", "no": "none", "not": "none", "never": "none", "zero": "none", "without": "none",
	"failed": "failed", "fail": "failed", "fails": "failed", "failing": "failed", "failure": "failed", "failures": "failed",
	"error": "failed", "errors": "failed", "errored": "failed", "broken": "failed",
	"success": "success", "succeed": "success", "succeeded": "success", "succeeds": "success", "successful": "success",
	"successes": "success", "ok": "success", "pass": "success", "passed": "success",
	"skipped": "skipped", "skip": "skipped", "skips": "skipped", "skipping": "skipped",
	"done": "done", "finished": "done", "finish": "done", "complete": "done", "completed": "done", "ended": "done", "end": "done",
	"min": "min", "minimum": "min",
}

// canonicalWords are the words of the triggers themselves.
var canonicalWords = []string{"all", "one", "none", "failed", "success", "skipped", "done", "min"}

// triggerMeaning splits a trigger name into its words, each mapped to the
// word a trigger uses: a known synonym, or the nearest trigger word within
// two edits (a misspelling); "" for a word with no meaning found.
func triggerMeaning(name string) []string {
	fields := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r < 'a' || r > 'z' })
	words := make([]string, 0, len(fields))
	for _, f := range fields {
		if w, ok := triggerWords[f]; ok {
			words = append(words, w)
			continue
		}
		best, bestDist := "", 3
		for _, c := range canonicalWords {
			if d := editDistance(f, c, 2); d < bestDist && d < len(f) {
				best, bestDist = c, d
			}
		}
		words = append(words, best)
	}
	return words
}

// wordDistance is the edit distance of two word sequences; an unknown
// word ("") matches nothing.
func wordDistance(a, b []string) int {
	return distance(a, b, func(x, y string) bool { return x != "" && x == y }, -1)
}

// SuggestTrigger returns ` Did you mean "x"?` for a name that is not a
// trigger, or "": the trigger whose words mean the same (synonyms and
// misspelt words mapped), or the only one that differs by one word.
func SuggestTrigger(name string) string {
	words := triggerMeaning(name)
	best, bestDist, ties := Trigger(""), 2, 0
	for _, tr := range AcceptedTriggers {
		switch d := wordDistance(words, strings.Split(string(tr), "_")); {
		case d < bestDist:
			best, bestDist, ties = tr, d, 1
		case d == bestDist:
			ties++
		}
	}
	if best == "" || ties > 1 || string(best) == name {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// TriggerNames lists the accepted triggers, for messages.
func TriggerNames() string {
	names := make([]string, len(AcceptedTriggers))
	for i, t := range AcceptedTriggers {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
