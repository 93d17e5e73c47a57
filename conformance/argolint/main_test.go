package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the tests run this very binary as argolint: the lint code
// path ends in os.Exit, so it is exercised in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("ARGOLINT_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runArgolint(t *testing.T, files ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], files...)
	cmd.Env = append(os.Environ(), "ARGOLINT_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func TestValidManifestPasses(t *testing.T) {
	if out, code := runArgolint(t, "testdata/valid.yaml"); code != 0 {
		t.Fatalf("exit %d on a valid manifest:\n%s", code, out)
	}
}

func TestBrokenManifestsFail(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/unknown-field.yaml":      "comand",
		"testdata/missing-dependency.yaml": "missing",
	} {
		out, code := runArgolint(t, file)
		if code == 0 {
			t.Errorf("%s: exit 0, want a lint error\n%s", file, out)
		}
		if !strings.Contains(out, want) {
			t.Errorf("%s: output does not mention %q:\n%s", file, want, out)
		}
	}
}

func TestUsage(t *testing.T) {
	if _, code := runArgolint(t); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
}
