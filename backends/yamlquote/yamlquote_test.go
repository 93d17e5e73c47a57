package yamlquote

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Every string, however hostile, must read back as itself and as a string.
func TestRoundTrip(t *testing.T) {
	inputs := []string{
		"", "yes", "on", "no", "off", "~", "null", "Null", "1e3", "0x1F", "-", "- a", "*a", "&a", "!tag",
		"#", "a # b", ": x", "a: b", "{x}", "[x]", "'", `"`, `\`, "\n", "\r\n", "\t", "{{workflow.name}}",
		"x\u2028y\u2029z", "\ufeffbom", "\u0085nel", "\x7f", "\u200e", "☃", "😀", "tab\there", " lead", "trail ",
		"%YAML", "---", "...", "? k", "|", ">", "@", "`", "=", "<<",
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []rune("ab\"'\\\n\r\t #:-{}[]*&!|>%@`~\u2028\u0085\ufeff\u00a0😀\x00\x1b\x7f")
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		for n := rng.Intn(12); n > 0; n-- {
			b.WriteRune(alphabet[rng.Intn(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		if !utf8.ValidString(in) {
			continue
		}
		quoted := Str(in)
		var node yaml.Node
		if err := yaml.Unmarshal([]byte("v: "+quoted+"\n"), &node); err != nil {
			t.Fatalf("Str(%q) = %s does not parse: %v", in, quoted, err)
		}
		v := node.Content[0].Content[1]
		if v.Tag != "!!str" || v.Value != in {
			t.Fatalf("Str(%q) = %s reads back as %s %q", in, quoted, v.Tag, v.Value)
		}
	}
}

func TestInvalidUTF8BecomesReplacement(t *testing.T) {
	if got := Str("a\xffb"); got != `"a\uFFFDb"` {
		t.Fatalf("got %s", got)
	}
}
