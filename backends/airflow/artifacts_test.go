package airflow

import (
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// Tasks with artifacts run as ArtifactBashOperator (RetryCodesBashOperator
// is one too) with their artifacts, inputs, storage and connection; the
// kubernetes operator and a pipeline without storage are refused by name.
func TestArtifactsRendered(t *testing.T) {
	shard := plainTask("shard", "true")
	shard.ForEach = ir.StringItems("a", "b")
	shard.Artifacts = []string{"part"}
	train := plainTask("train", "true")
	train.Artifacts = []string{"model"}
	train.Retry = ir.Retry{Attempts: 1, OnExitCodes: []int{3}}
	use := plainTask("use", "true")
	use.Edges = ir.EdgesFrom("shard", "train")
	use.Inputs = []ir.Input{{Name: "m", Task: "train", Artifact: "model"}, {Name: "parts", Task: "shard", Artifact: "part"}}
	p := &ir.Pipeline{Name: "p", Timezone: "UTC", Storage: "s3://bucket/pre", Tasks: []*ir.Task{shard, train, use}}
	ir.Normalize(p)
	data, diags := render(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dag := string(data)
	for _, want := range []string{
		`shard = ArtifactBashOperator.partial(`,
		`train = RetryCodesBashOperator(`,
		`use = ArtifactBashOperator(`,
		`inputs={"m": "train/model", "parts": "shard/*/part"},`,
		`artifacts=["model"],`,
		`storage="s3://bucket/pre",`,
		`storage_conn_id="aws_default",`,
	} {
		if !strings.Contains(dag, want) {
			t.Errorf("the DAG lacks %s:\n%s", want, dag)
		}
	}
	// The airflow block's storage and connection win.
	p.Settings = []*ir.Settings{settings.Block(backendName, ir.LevelPipeline, map[string]any{"storage": "file:///mnt/shared", "storage_conn_id": "shared"})}
	data, _ = render(p)
	if !strings.Contains(string(data), `storage="file:///mnt/shared",`) || !strings.Contains(string(data), `storage_conn_id="shared",`) {
		t.Errorf("the airflow block's storage is not used:\n%s", data)
	}

	pod := plainTask("pod", "true")
	pod.Artifacts = []string{"x"}
	pod.Settings = []*ir.Settings{settings.Block(backendName, ir.LevelTask, map[string]any{"operator": "kubernetes"})}
	bare := plainTask("bare", "true")
	bare.Artifacts = []string{"x"}
	for _, tc := range []struct {
		p    *ir.Pipeline
		want string
	}{
		{&ir.Pipeline{Name: "k", Timezone: "UTC", Storage: "s3://b/p", Tasks: []*ir.Task{pod}}, `artifacts with operator "kubernetes" is not supported by the airflow backend`},
		{&ir.Pipeline{Name: "n", Timezone: "UTC", Tasks: []*ir.Task{bare}}, "artifacts without storage is not supported by the airflow backend"},
	} {
		ir.Normalize(tc.p)
		d := New().Check(tc.p)
		if !d.HasErrors() || !strings.Contains(d[0].Summary, tc.want) {
			t.Errorf("want %q, got %v", tc.want, d)
		}
	}
}
