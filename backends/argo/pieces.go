package argo

import (
	"strconv"
	"strings"
)

// Argo runs every string of a template through its own templater
// (util/template: fasttemplate with "{{" "}}" tags, "{{=" expressions), on
// the template's JSON and again on the pod spec. There is no escape for a
// literal "{{": an unknown tag is an error in strict places, a known one is
// substituted, "{{=...}}" is evaluated, and a "{{" without "}}" fails the
// whole template. So a user's "{{" must never appear in a templated field.
//
// dagc cuts such a string into pieces between the two braces ("a{{b" becomes
// "a{" and "{b") and passes the pieces as separate argv elements to a small
// POSIX sh runner that joins them again before exec. JSON puts quotes between
// array elements, so no "{{" is ever formed in the manifest.

// piece is one argv element handed to the runner: rendered Argo text (literal
// text and dagc's own "{{...}}" tags) that holds no user "{{".
type piece struct {
	text   string
	hasRef bool
}

// word is one argv element or one environment value as the container must
// see it, made of one or more pieces.
type word []piece

// segment is a literal or one of dagc's own tags.
type segment struct {
	lit string
	tag string // non-empty for a tag
	// each marks a tag that Argo replaces by an item's text (a withItems
	// field), which may begin or end with '{'; brk starts a new piece.
	each, brk bool
}

// cutWord splits segments into pieces so that no piece contains "{{" formed
// by user text: it cuts between two literal '{' and between a literal '{' and
// a following tag.
func cutWord(segs []segment) word {
	var w word
	var cur strings.Builder
	curRef := false
	lastBrace := false
	// afterEach: the piece ends with an item's text, whose last character
	// may be '{'.
	afterEach, lastTag := false, false
	flush := func() {
		w = append(w, piece{text: cur.String(), hasRef: curRef})
		cur.Reset()
		curRef = false
		lastBrace = false
		afterEach, lastTag = false, false
	}
	for _, s := range segs {
		if s.tag != "" {
			if s.brk || lastBrace || afterEach || (s.each && lastTag) {
				flush()
			}
			cur.WriteString(s.tag)
			curRef = true
			lastBrace = false
			afterEach, lastTag = s.each, true
			continue
		}
		for i := 0; i < len(s.lit); i++ {
			c := s.lit[i]
			if c == '{' && (lastBrace || afterEach) {
				flush()
			}
			afterEach, lastTag = false, false
			cur.WriteByte(c)
			lastBrace = c == '{'
		}
	}
	if cur.Len() > 0 || len(w) == 0 {
		flush()
	}
	return w
}

// hazard reports whether Argo's templater could change s or fail on it;
// used for fields that cannot be cut into pieces (parameter values, image,
// metadata). Argo writes an unknown simple tag back unchanged, so text such
// as "{{ x }}" is safe; hazards are an unterminated "{{", an expression tag
// "{{=", a nested "{{", and any tag naming one of Argo's variable roots.
func hazard(s string) bool {
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return false
		}
		s = s[i+2:]
		j := strings.Index(s, "}}")
		if j < 0 {
			return true
		}
		tag := s[:j]
		s = s[j+2:]
		trimmed := strings.TrimSpace(tag)
		if strings.HasPrefix(tag, "=") || strings.Contains(tag, "{{") || trimmed == "item" {
			return true
		}
		// workflow/common.GlobalVarValidWorkflowVariablePrefix plus the
		// roots of retry, lifecycle-hook and cron variables.
		for _, root := range []string{"item.", "steps.", "inputs.", "outputs.", "pod.", "workflow.", "tasks.", "node.", "retries", "lastRetry.", "cronworkflow.", "status", "duration", "exitCode"} {
			if strings.HasPrefix(trimmed, root) {
				return true
			}
		}
	}
}

// runnerScript joins pieces back into argv elements and environment values.
// Its first argument is a spec: one token per argv element ("N": the next N
// pieces) or environment variable ("NAME=N"); the pieces follow. It holds no
// "{{" itself, and user text only ever reaches it as positional parameters,
// never as code: eval sees only dagc-made variable names.
const runnerScript = `set -euf
__dagc_spec=$1; shift; __dagc_n=0; __dagc_argv=; __dagc_env=
for __dagc_t in $__dagc_spec; do
  __dagc_k=${__dagc_t##*=}; __dagc_v=
  while [ "$__dagc_k" -gt 0 ]; do __dagc_v=$__dagc_v$1; shift; __dagc_k=$((__dagc_k - 1)); done
  __dagc_n=$((__dagc_n + 1)); eval "__dagc_$__dagc_n=\$__dagc_v"
  case $__dagc_t in
    *=*) __dagc_env="$__dagc_env export ${__dagc_t%=*}=\"\$__dagc_$__dagc_n\";" ;;
    *) __dagc_argv="$__dagc_argv \"\$__dagc_$__dagc_n\"" ;;
  esac
done
eval "$__dagc_env exec $__dagc_argv"
`

// runnerName is $0 of the runner, shown by ps and in error messages.
const runnerName = "dagc-argv"

// envPiece is one environment variable the runner sets.
type envWord struct {
	name string
	w    word
}

// runnerArgv builds the container command that runs argv with env through
// the runner.
func runnerArgv(argv []word, env []envWord) []string {
	var spec []string
	var pieces []string
	for _, e := range env {
		spec = append(spec, e.name+"="+strconv.Itoa(len(e.w)))
		for _, p := range e.w {
			pieces = append(pieces, p.text)
		}
	}
	for _, w := range argv {
		spec = append(spec, strconv.Itoa(len(w)))
		for _, p := range w {
			pieces = append(pieces, p.text)
		}
	}
	out := []string{"sh", "-c", runnerScript, runnerName, strings.Join(spec, " ")}
	return append(out, pieces...)
}
