package argo

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/dagc-dev/dagc/internal/outputs"
	"github.com/dagc-dev/dagc/ir"
)

// outputsPipeline has a task with two outputs, one of whose commands holds
// "{{" (so the argv runner is wrapped too), and one without outputs.
func outputsPipeline() *ir.Pipeline {
	p := &ir.Pipeline{Name: "outs", Timezone: "UTC", Tasks: []*ir.Task{
		{Name: "w", Trigger: ir.AllSuccess, Outputs: []string{"a", "b-2"},
			Run: ir.Template{Image: ir.Lit("alpine:3.20"), Command: []ir.Str{ir.Lit("sh"), ir.Lit("-c"), ir.Lit(`printf %s "$1" > "$DAGC_OUTPUTS/a"; : > "$DAGC_OUTPUTS/b-2"`), ir.Lit("{{x}}"), ir.Lit("v")}}},
		{Name: "plain", Trigger: ir.AllSuccess, Run: ir.Template{Image: ir.Lit("alpine:3.20"), Command: []ir.Str{ir.Lit("true")}}},
	}}
	ir.Normalize(p)
	return p
}

type leafCommand struct {
	Name      string
	Container struct {
		Command []string
		Env     []struct{ Name, Value string }
	}
	Outputs struct {
		Parameters []struct{ Name string }
	}
}

func leafCommands(t *testing.T, data []byte) map[string]leafCommand {
	t.Helper()
	var m struct {
		Spec struct{ Templates []leafCommand }
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]leafCommand{}
	for _, tp := range m.Spec.Templates {
		out[tp.Name] = tp
	}
	return out
}

// TestNonUTF8OutputRefusedOnArgo (issue 13, item 5): the container of a
// task with outputs is the output check around the task's own command (the
// argv runner included), with the output names as arguments; a task
// without outputs runs its command as before.
func TestNonUTF8OutputRefusedOnArgo(t *testing.T) {
	p := outputsPipeline()
	leaves := leafCommands(t, renderOne(t, p, KindWorkflow))
	w := leaves["w"].Container.Command
	if len(w) < 7 || w[0] != "sh" || w[1] != "-c" || w[2] != outputCheckScript || w[3] != outputCheckName || w[4] != "2" || w[5] != "a" || w[6] != "b-2" {
		t.Fatalf("w's command is not the output check with its 2 outputs: %q", w)
	}
	if inner := w[7:]; len(inner) < 4 || inner[2] != runnerScript || inner[3] != runnerName {
		t.Errorf("w's wrapped command is not the argv runner: %q", inner)
	}
	if got := leaves["plain"].Container.Command; len(got) != 1 || got[0] != "true" {
		t.Errorf("a task without outputs runs %q, want [true]", got)
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found")
	}
	// The rendered container command itself, run as the kubelet would.
	for _, tc := range []struct{ value, err string }{
		{"v", ""},
		{"a\377b", `output "a" is not UTF-8 text`},
	} {
		dir := t.TempDir()
		cmd := append([]string{}, w...)
		cmd[len(cmd)-1] = tc.value
		_, stderr, err := runCheck(cmd, dir, nil)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("value %q: %v\n%s", tc.value, err, stderr)
		case tc.err != "" && (err == nil || strings.TrimSpace(stderr) != tc.err):
			t.Errorf("value %q: err %v, stderr %q, want %q", tc.value, err, stderr, tc.err)
		}
		if tc.err == "" {
			if got, _ := os.ReadFile(filepath.Join(dir, "a")); string(got) != tc.value {
				t.Errorf("value %q: file holds %q", tc.value, got)
			}
		}
	}
}

// TestOutputCheckScriptIsInert: the wrapper holds nothing Argo's templater
// or the kubelet's $(VAR) expansion of command strings would change.
func TestOutputCheckScriptIsInert(t *testing.T) {
	kubeRef := regexp.MustCompile(`\$\([-._a-zA-Z][-._a-zA-Z0-9]*\)|\$\$`)
	for _, s := range []string{outputCheckScript, outputCheckName} {
		if strings.Contains(s, "{{") || hazard(s) {
			t.Errorf("%q holds {{", s)
		}
		if m := kubeRef.FindString(s); m != "" {
			t.Errorf("the wrapper holds %q, which the kubelet expands", m)
		}
	}
	if strings.Contains(utf8Awk, "'") {
		t.Error("the awk program holds a single quote: it is quoted with single quotes")
	}
}

// runCheck runs argv (an output-check command) with DAGC_OUTPUTS=dir.
func runCheck(argv []string, dir string, env []string) (string, string, error) {
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = append([]string{"PATH=/usr/bin:/bin", "DAGC_OUTPUTS=" + dir}, env...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	return stdout.String(), stderr.String(), err
}

// shells are the POSIX shells found here that the check is run under.
func shells(t *testing.T) []string {
	var out []string
	for _, sh := range []string{"sh", "dash", "bash", "busybox"} {
		if _, err := exec.LookPath(sh); err == nil {
			out = append(out, sh)
		}
	}
	for _, tool := range []string{"od", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	if len(out) == 0 {
		t.Skip("no sh")
	}
	return out
}

func shellArgv(sh string, names []string, cmd ...string) []string {
	argv := checkedArgv(names, cmd)
	switch sh {
	case "bash":
		return append([]string{"bash", "--posix"}, argv[1:]...)
	case "busybox":
		return append([]string{"busybox"}, argv...)
	}
	argv[0] = sh
	return argv
}

// TestOutputCheckAgreesWithLocalRule: for each kind of output file, the
// wrapper accepts what internal/outputs (the local runner, dagc exec)
// accepts and fails with its message otherwise, byte for byte.
func TestOutputCheckAgreesWithLocalRule(t *testing.T) {
	const max = ir.MaxOutputBytes
	files := map[string][]byte{
		"empty":          {},
		"ascii":          []byte("42\n"),
		"multibyte":      []byte("café ünï 💥 \u2028 \U0010FFFF"),
		"newline-kept":   []byte("a\n\n"),
		"invalid-ff":     []byte("a\377b"),
		"lone-cont":      {0x80},
		"overlong-2":     {0xc0, 0x80},
		"overlong-3":     {0xe0, 0x80, 0x80},
		"overlong-4":     {0xf0, 0x80, 0x80, 0x80},
		"surrogate":      {0xed, 0xa0, 0x80},
		"above-10ffff":   {0xf4, 0x90, 0x80, 0x80},
		"f5":             {0xf5, 0x80, 0x80, 0x80},
		"truncated":      {'x', 0xe2, 0x82},
		"truncated-nl":   {0xe2, 0x82, '\n'},
		"max":            bytes.Repeat([]byte("é"), max/2),
		"max-nl":         append(bytes.Repeat([]byte("a"), max), '\n'),
		"max+1":          bytes.Repeat([]byte("a"), max+1),
		"max+1-nl":       append(bytes.Repeat([]byte("a"), max+1), '\n'),
		"big-invalid":    append(bytes.Repeat([]byte("a"), 3*max), 0xff),
		"late-invalid":   append(bytes.Repeat([]byte("a"), max-1), 0xff),
		"nul":            {'a', 0, 'b'},
		"cut-multibyte":  append(bytes.Repeat([]byte("a"), max-1), []byte("é")...),
		"multibyte-tail": append(bytes.Repeat([]byte("a"), max-2), []byte("é\n")...),
	}
	type setup func(t *testing.T, path string)
	write := func(b []byte) setup {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := map[string]setup{
		"missing": func(*testing.T, string) {},
		"fifo": func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Skip(err)
			}
		},
		"symlink": func(t *testing.T, path string) {
			target := filepath.Join(filepath.Dir(path), "target")
			if err := os.WriteFile(target, []byte("ok"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		},
		"dir": func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, b := range files {
		cases[name] = write(b)
	}
	for _, sh := range shells(t) {
		for name, prepare := range cases {
			t.Run(sh+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				prepare(t, filepath.Join(dir, "o"))
				_, want := outputs.Read(dir, []string{"o"})
				_, stderr, err := runCheck(shellArgv(sh, []string{"o"}, "true"), dir, nil)
				switch {
				case want == nil && err != nil:
					t.Errorf("the local rule accepts it, the wrapper fails: %v\n%s", err, stderr)
				case want != nil && err == nil:
					t.Errorf("the local rule refuses it (%v), the wrapper accepts it", want)
				case want != nil && strings.TrimSuffix(stderr, "\n") != want.Error():
					t.Errorf("wrapper says %q, the local rule %q", stderr, want.Error())
				}
			})
		}
	}
}

// TestOutputCheckRandomBytes: short byte strings drawn around the UTF-8
// boundaries are judged like utf8.Valid.
func TestOutputCheckRandomBytes(t *testing.T) {
	sh := shells(t)[0]
	rng := rand.New(rand.NewSource(13))
	pool := []byte{0, 'a', '\n', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff}
	// Every output of one run is checked in turn and the first bad one
	// fails it, so each value runs on its own, 150 in all.
	for i := 0; i < 150; i++ {
		b := make([]byte, 1+rng.Intn(6))
		for j := range b {
			b[j] = pool[rng.Intn(len(pool))]
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "o"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		valid := utf8.Valid(bytes.TrimSuffix(b, []byte("\n")))
		_, stderr, err := runCheck(shellArgv(sh, []string{"o"}, "true"), dir, nil)
		if (err == nil) != valid {
			t.Errorf("% x: utf8.Valid %v, wrapper err %v %s", b, valid, err, stderr)
		}
	}
}

// TestOutputCheckKeepsTheCommand: the command's exit status is the
// container's, it sees the environment unchanged (the wrapper's variable
// names included), and argv[0] is a program, never a shell builtin.
func TestOutputCheckKeepsTheCommand(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := runCheck(shellArgv(sh, []string{"o"}, "sh", "-c", "exit 3"), dir, nil)
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
				t.Errorf("exit 3 gives %v", err)
			}
			env := []string{"n=N", "o=O", "f=F", "a=A", "w=W", "b=B"}
			out, stderr, err := runCheck(shellArgv(sh, []string{"o"}, "sh", "-c", `printf %s "$n$o$f$a$w$b$0$1" > "$DAGC_OUTPUTS/o"; printf %s "$n$o$f$a$w$b"`, "zero", "{{one}}"), dir, env)
			if err != nil || out != "NOFAWB" {
				t.Errorf("the command saw %q (err %v %s), want NOFAWB", out, err, stderr)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "o")); string(got) != "NOFAWBzero{{one}}" {
				t.Errorf("output %q", got)
			}
			// "set" is a special builtin of sh; as a program it is not found.
			_, _, err = runCheck(shellArgv(sh, []string{"o"}, "set", "x"), dir, nil)
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 127 {
				t.Errorf("argv[0] set: %v, want exit 127 (not found)", err)
			}
		})
	}
}
