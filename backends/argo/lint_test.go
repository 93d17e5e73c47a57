package argo

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// argolintPath finds the argolint binary built by scripts/setup-argo.sh.
func argolintPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DAGC_ARGOLINT"); p != "" {
		return p
	}
	cache := os.Getenv("DAGC_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "dagc")
	}
	p := filepath.Join(cache, "bin", "argolint")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("argolint not found at %s: run scripts/setup-argo.sh to lint with Argo's own validator", p)
	}
	return p
}

func argolint(t *testing.T, bin string, files ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(bin, files...).CombinedOutput()
	return string(out), err
}

// fixtures are the hand-built pipelines linted besides the examples.
func fixtures() map[string]*ir.Pipeline {
	m := map[string]*ir.Pipeline{"ml": mlPipeline(), "hostile": hostilePipeline()}
	rng, tolerate := rand.New(rand.NewSource(7)), rand.New(rand.NewSource(8))
	for i := 0; i < 5; i++ {
		p, _ := randomPipelineMP(rng, nil, tolerate, 6)
		p.Name = "random" + string(rune('a'+i))
		m[p.Name] = p
	}
	return m
}

// TestArgoLintAcceptsRenderedManifests runs Argo's offline strict lint on
// every fixture in every kind and on every example pipeline.
func TestArgoLintAcceptsRenderedManifests(t *testing.T) {
	bin := argolintPath(t)
	dir := t.TempDir()
	var files []string
	write := func(name string, data []byte) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	for name, p := range fixtures() {
		for _, kind := range []Kind{KindWorkflow, KindWorkflowTemplate, KindCronWorkflow} {
			if kind == KindCronWorkflow && p.Schedule == "" {
				p.Schedule = "@daily"
			}
			write(name+"-"+string(kind)+".yaml", renderOne(t, p, kind))
		}
	}
	for _, ex := range examplePipelines(t) {
		if ex.err {
			continue
		}
		write("example-"+ex.name+".yaml", ex.data)
	}
	out, err := argolint(t, bin, files...)
	if err != nil {
		t.Fatalf("argolint rejected rendered manifests: %v\n%s", err, out)
	}
	t.Logf("argolint accepted %d manifests", len(files))
}

// TestArgoLintCatchesBrokenManifests proves the linter is not a no-op: an
// unknown field and a dependency on a missing task must fail it.
func TestArgoLintCatchesBrokenManifests(t *testing.T) {
	bin := argolintPath(t)
	good := renderOne(t, mlPipeline(), KindWorkflow)
	for name, broken := range map[string][]byte{
		"unknown-field":   bytes.Replace(good, []byte("    activeDeadlineSeconds: 3600\n"), []byte("    activeDeadlineSeconds: 3600\n    retryStrateg: {}\n"), 1),
		"missing-task":    bytes.Replace(good, []byte(`depends: "train.Succeeded"`), []byte(`depends: "trian.Succeeded"`), 1),
		"dangling-output": bytes.Replace(good, []byte(`{{tasks.process.outputs.parameters.rows}}`), []byte(`{{tasks.process.outputs.parameters.nope}}`), 1),
	} {
		if bytes.Equal(broken, good) {
			t.Fatalf("%s: the edit did not apply", name)
		}
		path := filepath.Join(t.TempDir(), name+".yaml")
		if err := os.WriteFile(path, broken, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := argolint(t, bin, path); err == nil {
			t.Errorf("%s: argolint accepted a broken manifest:\n%s", name, out)
		}
	}
}
