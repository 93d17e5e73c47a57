package airflow

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// dagc_bash gives the task its command twice: as the env the wrapper reads
// and as doc_md, which the Airflow UI shows.
func TestRuntimeBashShowsTheCommand(t *testing.T) {
	py, dir := runtimeDir(t)
	out := string(runPython(t, py, `import sys
sys.path.insert(0, sys.argv[1])
import dagc_runtime
kw = dagc_runtime.dagc_bash(["sh", "-c", "echo {{ ds }}"], {"A": "b"}, outputs=["rows"])
print(kw["doc_md"])
print(kw["env"]["DAGC_ARG_2"], kw["env"]["A"], kw["env"]["DAGC_ARGC"], kw["env"]["SHLVL"], kw["skip_on_exit_code"])
`, dir))
	for _, want := range []string{"['sh', '-c', 'echo {{ ds }}']", "echo {{ ds }} b 3 1 None"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A command of plain words is written as one string: dagc_bash gives the
// same doc_md and other arguments as for the list, and the wrapper, run by
// bash with either env, runs the same argv.
func TestRuntimeCommandString(t *testing.T) {
	py, dir := runtimeDir(t)
	show := filepath.Join(dir, "show")
	if err := os.WriteFile(show, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	argv := []string{show, "-m", "steps.run", "--layer=0", "a@b%c+d:e,f/g_h"}
	words := strings.Join(argv, " ")
	if !plainWord.MatchString(strings.ReplaceAll(words, " ", "")) {
		t.Fatalf("%q: not plain words", words)
	}
	out := string(runPython(t, py, `import json, subprocess, sys
sys.path.insert(0, sys.argv[1])
import dagc_runtime
words, argv = sys.argv[2], json.loads(sys.argv[3])
a, b = dagc_runtime.dagc_bash(words, {"A": "b"}, when="true"), dagc_runtime.dagc_bash(argv, {"A": "b"}, when="true")
print(a["env"]["DAGC_ARGC"], len(a["env"]), len(b["env"]))
print({k: v for k, v in a.items() if k != "env"} == {k: v for k, v in b.items() if k != "env"})
for kw in (a, b):
    env = dict(kw["env"], PATH="/usr/bin:/bin", DAGC_ARG_9="stray")
    print(subprocess.run(["bash", "-c", kw["bash_command"]], env=env, capture_output=True, text=True, check=True).stdout, end="")
`, dir, words, func() string { b, _ := json.Marshal(argv); return string(b) }()))
	lines := "[-m]\n[steps.run]\n[--layer=0]\n[a@b%c+d:e,f/g_h]\n"
	if want := "words 6 10\nTrue\n" + lines + lines; out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestCommandStringOnlyForPlainWords: the string form is used exactly when
// every argument is a plain word, which no shell and no Jinja reads as
// anything else; a space, an empty argument, a quote, $, a brace, a tab,
// non-ASCII text or a name Airflow would load as a template file keeps
// the list.
func TestCommandStringOnlyForPlainWords(t *testing.T) {
	cases := []struct {
		argv  []string
		plain bool
	}{
		{[]string{"python", "-m", "steps.run", "--layer", "0"}, true},
		{[]string{"a@b%c+d:e,f/g_h=i.j-k"}, true},
		{[]string{"echo", "a b"}, false},
		{[]string{"echo", ""}, false},
		{[]string{"sh", "run.sh"}, false},
		{[]string{"echo", "$HOME"}, false},
		{[]string{"echo", "it's"}, false},
		{[]string{"echo", "x{y"}, false},
		{[]string{"echo", "a\tb"}, false},
		{[]string{"echo", "caf\u00e9"}, false},
		{[]string{"echo", "#1"}, false},
	}
	for _, c := range cases {
		p := &ir.Pipeline{Name: "words", Timezone: "UTC", Tasks: []*ir.Task{plainTask("t", c.argv...)}}
		ir.Normalize(p)
		data, diags := render(p)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		text := string(data)
		str := strings.Contains(text, "**dagc_bash("+pyStr(strings.Join(c.argv, " "))+")")
		list := strings.Contains(text, "**dagc_bash([")
		if str != c.plain || list == c.plain {
			t.Errorf("%q: string form %v, list form %v; want the string form %v:\n%s", c.argv, str, list, c.plain, text)
		}
	}
}
