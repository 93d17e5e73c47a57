package stepfunctions

import (
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// Artifacts are moved by dagc exec in the container: the Task state hands
// it the storage, the names and where each input comes from; without an
// s3:// storage, or with the lambda runner, the task is refused by name.
func TestArtifactsReachDagcExec(t *testing.T) {
	prod := task("shard")
	prod.ForEach = &ir.ForEach{Items: []ir.Item{{Key: "a", Value: "a"}, {Key: "b", Value: "b"}}}
	prod.Artifacts = []string{"part"}
	model := task("train")
	model.Artifacts = []string{"model"}
	use := task("use", "shard", "train")
	use.Inputs = []ir.Input{{Name: "m", Task: "train", Artifact: "model"}, {Name: "parts", Task: "shard", Artifact: "part"}}
	for _, tk := range []*ir.Task{prod, model, use} {
		tk.Run.Image = ir.Lit("img:1") // a job definition made by the template
	}
	p := &ir.Pipeline{Name: "p", Tasks: []*ir.Task{prod, model, use}, Storage: "s3://bucket/pre"}
	if d := New().Check(p); d.HasErrors() {
		t.Fatal(d)
	}
	files, diags := New().Render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	def, cfn := string(files[0].Data), string(files[1].Data)
	for _, want := range []string{
		`{"Name":"DAGC_INPUTS_FROM","Value":"m=train/model,parts=shard/*/part"}`,
		`{"Name":"DAGC_STORAGE","Value":"s3://bucket/pre"}`,
		`{"Name":"DAGC_FOR_EACH","Value":"true"}`,
		`{"Name":"DAGC_ARTIFACT_NAMES","Value":"model"}`,
	} {
		if !strings.Contains(def, want) {
			t.Errorf("definition lacks %s", want)
		}
	}
	if !strings.Contains(cfn, "JobRoleArn: !Ref ArtifactsRoleArn") {
		t.Errorf("the job definition does not run as the artifacts role:\n%s", cfn)
	}
	// The stepfunctions block's storage wins over the pipeline's.
	p.Settings = []*ir.Settings{settings.Block(backendName, ir.LevelPipeline, map[string]any{"storage": "s3://other/x"})}
	files, _ = New().Render(p)
	if !strings.Contains(string(files[0].Data), `"Value":"s3://other/x"`) {
		t.Error("the stepfunctions storage setting is not used")
	}

	for name, tc := range map[string]struct {
		storage  string
		settings []*ir.Settings
		want     string
	}{
		"no storage":   {"", nil, "artifacts without storage is not supported by the stepfunctions backend"},
		"file storage": {"file:///srv/a", nil, "artifacts in file:///srv/a is not supported"},
		"lambda":       {"s3://b/p", sfSettings(map[string]any{"runner": "lambda"}), "artifacts with the lambda runner is not supported"},
	} {
		tk := task("t")
		tk.Artifacts = []string{"a"}
		tk.Settings = tc.settings
		d := New().Check(&ir.Pipeline{Name: "p", Tasks: []*ir.Task{tk}, Storage: tc.storage})
		if !d.HasErrors() || !strings.Contains(d[0].Summary, tc.want) {
			t.Errorf("%s: %v", name, d)
		}
	}
}
