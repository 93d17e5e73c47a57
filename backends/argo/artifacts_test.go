package argo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// artifactsPipeline: a for_each producer of a folder, a plain producer of
// a file, and a consumer of both.
func artifactsPipeline(trigger ir.Trigger, storage string) *ir.Pipeline {
	img := ir.Lit("alpine:3.20")
	p := &ir.Pipeline{Name: "arts", Timezone: "UTC", Storage: storage, Tasks: []*ir.Task{
		{Name: "part", Trigger: ir.AllSuccess, ForEach: ir.StringItems("eu", "a/b"), Artifacts: []string{"rows"},
			Run: ir.Template{Image: img, Command: []ir.Str{ir.Lit("true")}}},
		{Name: "model", Trigger: ir.AllSuccess, Artifacts: []string{"m"}, Run: ir.Template{Image: img, Command: []ir.Str{ir.Lit("true")}}},
		{Name: "use", Trigger: trigger, Edges: []ir.Edge{{From: "model"}, {From: "part"}},
			Inputs: []ir.Input{{Name: "m", Task: "model", Artifact: "m"}, {Name: "rows", Task: "part", Artifact: "rows"}},
			Run:    ir.Template{Image: img, Command: []ir.Str{ir.Lit("true")}}},
	}}
	ir.Normalize(p)
	return p
}

type artifactYAML struct {
	Name, Path string
	Optional   bool
	Archive    map[string]any
	S3         struct{ Key string }
}

type templateYAML struct {
	Name            string
	ArchiveLocation *struct {
		S3 map[string]any
	} `yaml:"archiveLocation"`
	Inputs  struct{ Artifacts []artifactYAML }
	Outputs struct{ Artifacts []artifactYAML }
}

func templatesOf(t *testing.T, data []byte) map[string]templateYAML {
	t.Helper()
	var m struct {
		Spec struct{ Templates []templateYAML }
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]templateYAML{}
	for _, tp := range m.Spec.Templates {
		out[tp.Name] = tp
	}
	return out
}

// The layout (DESIGN 2.6) with the Argo run id: every key is
// <prefix>/{{workflow.name}}/<task>/<instance>/<name>, the instance
// segment percent-encoded; a for_each producer is one optional input per
// instance, at its entry of the folder; the repository is the template's
// archiveLocation.
func TestArtifactKeysFollowTheLayout(t *testing.T) {
	tps := templatesOf(t, renderOne(t, artifactsPipeline(ir.AllSuccess, "s3://bkt/pre/fix"), KindWorkflow))
	use := tps["use"]
	want := []artifactYAML{
		{Name: "m", Path: "/tmp/dagc-inputs/m"},
		{Name: "rows-0", Path: "/tmp/dagc-inputs/rows/eu", Optional: true},
		{Name: "rows-1", Path: "/tmp/dagc-inputs/rows/a%2Fb", Optional: true},
	}
	keys := []string{"pre/fix/{{workflow.name}}/model/_/m", "pre/fix/{{workflow.name}}/part/eu/rows", "pre/fix/{{workflow.name}}/part/a%2Fb/rows"}
	if len(use.Inputs.Artifacts) != len(want) {
		t.Fatalf("use's input artifacts: %+v", use.Inputs.Artifacts)
	}
	for i, a := range use.Inputs.Artifacts {
		if a.Name != want[i].Name || a.Path != want[i].Path || a.Optional != want[i].Optional || a.S3.Key != keys[i] || a.Archive["tar"] == nil {
			t.Errorf("input %d = %+v, want %+v at key %s, tar archive", i, a, want[i], keys[i])
		}
	}
	out := tps["part"].Outputs.Artifacts
	if len(out) != 1 || out[0].S3.Key != "pre/fix/{{workflow.name}}/part/{{inputs.parameters.dagc-instance}}/rows" || !out[0].Optional || out[0].Path != "/tmp/dagc-artifacts/rows" {
		t.Errorf("part's output artifacts: %+v", out)
	}
	loc := tps["part"].ArchiveLocation
	if loc == nil || loc.S3["bucket"] != "bkt" || loc.S3["endpoint"] != defaultEndpoint || loc.S3["useSDKCreds"] != true {
		t.Errorf("part's archiveLocation: %+v", loc)
	}
	// all_done: the plain producer may not have succeeded either.
	tps = templatesOf(t, renderOne(t, artifactsPipeline(ir.AllDone, "s3://bkt"), KindWorkflow))
	if in := tps["use"].Inputs.Artifacts; !in[0].Optional || in[0].S3.Key != "{{workflow.name}}/model/_/m" {
		t.Errorf("all_done consumer's plain input: %+v", in[0])
	}
	// No storage: key-only artifacts in the cluster's default repository.
	tps = templatesOf(t, renderOne(t, artifactsPipeline(ir.AllSuccess, ""), KindWorkflow))
	if tps["use"].ArchiveLocation != nil || tps["use"].Inputs.Artifacts[0].S3.Key != "{{workflow.name}}/model/_/m" {
		t.Errorf("without storage: %+v", tps["use"])
	}
}

// The argo block's storage and S3 settings make the repository.
func TestArtifactRepositorySettings(t *testing.T) {
	p := artifactsPipeline(ir.AllSuccess, "s3://ignored")
	p.Settings = []*ir.Settings{settings.Block("argo", ir.LevelPipeline, map[string]any{
		"storage": "s3://other/p", "s3_endpoint": "minio.local:9000", "s3_region": "eu-west-1", "s3_insecure": true,
		"s3_access_key_secret": map[string]string{"name": "creds", "key": "access"},
		"s3_secret_key_secret": map[string]string{"name": "creds", "key": "secret"},
	})}
	tps := templatesOf(t, renderOne(t, p, KindWorkflow))
	s3 := tps["model"].ArchiveLocation.S3
	if s3["bucket"] != "other" || s3["endpoint"] != "minio.local:9000" || s3["region"] != "eu-west-1" || s3["insecure"] != true || s3["useSDKCreds"] != nil {
		t.Errorf("archiveLocation.s3 = %v", s3)
	}
	if ak, _ := s3["accessKeySecret"].(map[string]any); ak["name"] != "creds" || ak["key"] != "access" {
		t.Errorf("accessKeySecret = %v", s3["accessKeySecret"])
	}
	if k := tps["model"].Outputs.Artifacts[0].S3.Key; k != "p/{{workflow.name}}/model/_/m" {
		t.Errorf("key %q, want the argo block's storage", k)
	}
}

func TestArtifactRefusals(t *testing.T) {
	dyn := artifactsPipeline(ir.AllSuccess, "s3://bkt")
	for _, tk := range dyn.Tasks {
		if tk.Name == "part" {
			tk.ForEach = &ir.ForEach{Source: &ir.Ref{Kind: ir.RefParam, Name: "xs"}}
		}
	}
	dyn.Params = []*ir.Param{{Name: "xs", Type: ir.ParamList, Default: `["a"]`, HasDefault: true}}
	onlyOne := artifactsPipeline(ir.AllSuccess, "s3://bkt")
	onlyOne.Settings = []*ir.Settings{settings.Block("argo", ir.LevelPipeline, map[string]any{"s3_access_key_secret": map[string]string{"name": "c", "key": "k"}})}
	noStorage := artifactsPipeline(ir.AllSuccess, "")
	noStorage.Settings = []*ir.Settings{settings.Block("argo", ir.LevelPipeline, map[string]any{"s3_endpoint": "minio:9000"})}
	perTask := artifactsPipeline(ir.AllSuccess, "s3://bkt")
	perTask.Tasks[len(perTask.Tasks)-1].Settings = []*ir.Settings{settings.Block("argo", ir.LevelTask, map[string]any{"storage": "s3://x-y-z"})}
	for name, c := range map[string]struct {
		p    *ir.Pipeline
		want string
	}{
		"file storage":     {artifactsPipeline(ir.AllSuccess, "file:///srv/a"), `artifacts in file:///srv/a is not supported by the argo backend`},
		"dynamic producer": {dyn, `an artifact of a for_each over a run-time value as an input is not supported by the argo backend`},
		"one secret":       {onlyOne, "S3 credentials need both secrets"},
		"no storage":       {noStorage, "s3_endpoint describes the S3 repository of storage"},
		"per task":         {perTask, "storage cannot be set per task"},
		"bad endpoint": {func() *ir.Pipeline {
			p := artifactsPipeline(ir.AllSuccess, "s3://bkt")
			p.Settings = []*ir.Settings{settings.Block("argo", ir.LevelPipeline, map[string]any{"s3_endpoint": "https://minio:9000"})}
			return p
		}(), "without a scheme"},
	} {
		d := New(KindWorkflow).Check(c.p)
		found := false
		for _, e := range d {
			found = found || e.Severity == ir.Error && strings.Contains(e.Error(), c.want)
		}
		if !found {
			t.Errorf("%s: diagnostics %v, want an error with %q", name, d, c.want)
		}
	}
}

// The artifact wrapper, run as the kubelet would: the command's exit
// status is kept, a declared artifact that was not written fails the
// attempt with the local runner's message, a failed attempt leaves no
// artifact for Argo to upload, and the folder of a for_each input exists
// even when no instance's artifact came.
func TestArtifactWrapper(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not found")
	}
	run := func(t *testing.T, script string) (dir string, code int, stderr string) {
		dir = t.TempDir()
		arts, ins := filepath.Join(dir, "arts"), filepath.Join(dir, "ins")
		os.Mkdir(arts, 0o755)
		os.Mkdir(ins, 0o755)
		argv := artifactArgv([]string{"rows"}, []string{"a", "b"}, []string{"sh", "-c", script})
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DAGC_ARTIFACTS="+arts, "DAGC_INPUTS="+ins)
		var errb strings.Builder
		cmd.Stderr = &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return dir, code, errb.String()
	}
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }

	dir, code, _ := run(t, `test -d "$DAGC_INPUTS/rows" && echo x > "$DAGC_ARTIFACTS/a" && mkdir "$DAGC_ARTIFACTS/b"`)
	if code != 0 || !exists(filepath.Join(dir, "arts", "a")) || !exists(filepath.Join(dir, "arts", "b")) {
		t.Errorf("written artifacts: exit %d, a and b kept: %v %v", code, exists(filepath.Join(dir, "arts", "a")), exists(filepath.Join(dir, "arts", "b")))
	}
	dir, code, stderr := run(t, `echo x > "$DAGC_ARTIFACTS/a"`)
	if code != 1 || !strings.Contains(stderr, `the declared artifact "b" was not written to $DAGC_ARTIFACTS/b`) || exists(filepath.Join(dir, "arts", "a")) {
		t.Errorf("missing artifact: exit %d, stderr %q, a left: %v", code, stderr, exists(filepath.Join(dir, "arts", "a")))
	}
	dir, code, _ = run(t, `echo x > "$DAGC_ARTIFACTS/a"; mkdir "$DAGC_ARTIFACTS/b"; exit 75`)
	if code != 75 || exists(filepath.Join(dir, "arts", "a")) || exists(filepath.Join(dir, "arts", "b")) {
		t.Errorf("failed attempt: exit %d (want 75), artifacts left: %v %v", code, exists(filepath.Join(dir, "arts", "a")), exists(filepath.Join(dir, "arts", "b")))
	}
}

// A for_each producer under max_parallel: the loop moves into its wrapper
// dag template, and the instance segment travels with the items, so every
// instance still writes its own key.
func TestArtifactKeysUnderMaxParallel(t *testing.T) {
	p := artifactsPipeline(ir.AllSuccess, "s3://bkt")
	for _, tk := range p.Tasks {
		if tk.Name == "part" {
			tk.ForEach.MaxParallel = 1
		}
	}
	data := string(renderOne(t, p, KindWorkflow))
	var m struct {
		Spec struct {
			Templates []struct {
				Name string
				DAG  *struct {
					Tasks []struct {
						Name      string
						Arguments struct {
							Parameters []struct{ Name, Value string }
						}
						WithItems []string `yaml:"withItems"`
					}
				} `yaml:"dag"`
			}
		}
	}
	if err := yaml.Unmarshal([]byte(data), &m); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tp := range m.Spec.Templates {
		if tp.Name != "part-MaxParallel" {
			continue
		}
		inner := tp.DAG.Tasks[0]
		for _, a := range inner.Arguments.Parameters {
			found = found || a.Name == instanceInput && a.Value == itemField("instance")
		}
		if len(inner.WithItems) != 2 || !strings.Contains(inner.WithItems[1], `"instance":"a%2Fb"`) {
			t.Errorf("the wrapper's items lack the instance segment: %q", inner.WithItems)
		}
	}
	if !found {
		t.Errorf("the wrapper's loop does not pass %s from the item:\n%s", instanceInput, data)
	}
}
