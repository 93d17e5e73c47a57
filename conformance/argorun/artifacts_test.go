package main

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dagc-dev/dagc/internal/moto"
	"github.com/dagc-dev/dagc/ir"
)

// TestArtifactsUnderTheController runs artifacts (DESIGN 2.6) through
// Argo's controller and the executor's S3 driver against moto: only an
// attempt that succeeds publishes (a retried task's consumer sees the last
// attempt's folder and nothing of the first), a declared artifact that was
// not written fails the task with the local runner's message, a for_each
// producer reaches an all_done consumer as a folder with an entry for the
// instance that succeeded only, and the artifact of a producer that failed
// is absent.
func TestArtifactsUnderTheController(t *testing.T) {
	bin := moto.Binary()
	if bin == "" {
		t.Skip("moto not installed (scripts/setup-moto.sh)")
	}
	srv, err := moto.Start(bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/arts-bucket", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	sh := func(script string) ir.Template {
		return ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sh"), lit("-c"), lit(script)}}
	}
	p := &ir.Pipeline{Name: "arts", Timezone: "UTC", Storage: "s3://arts-bucket/pre", Tasks: []*ir.Task{
		{Name: "flaky", Trigger: ir.AllSuccess, Artifacts: []string{"a"}, Retry: ir.Retry{Attempts: 1, Delay: time.Second, Backoff: 1},
			Run: sh(`mkdir "$DAGC_ARTIFACTS/a"; if [ "$DAGC_ATTEMPT" = 1 ]; then echo old > "$DAGC_ARTIFACTS/a/stale"; exit 1; fi; echo new > "$DAGC_ARTIFACTS/a/fresh"`)},
		{Name: "fan", Trigger: ir.AllSuccess, Artifacts: []string{"p"}, ForEach: ir.StringItems("ok", "bad"),
			Run: ir.Template{Image: ir.Lit(image), Command: []ir.Str{lit("sh"), lit("-c"), lit(`echo "$1" > "$DAGC_ARTIFACTS/p"; test "$1" = ok`), lit("fan"), {Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachValue}}}}}}},
		{Name: "gone", Trigger: ir.AllSuccess, Artifacts: []string{"g"}, Run: sh(`echo g > "$DAGC_ARTIFACTS/g"; exit 3`)},
		{Name: "broken", Trigger: ir.AllSuccess, Artifacts: []string{"x", "y"}, Run: sh(`echo y > "$DAGC_ARTIFACTS/y"`)},
		{Name: "use", Trigger: ir.AllDone, Edges: ir.EdgesFrom("flaky", "fan", "gone", "broken"), Outputs: []string{"seen"},
			Inputs: []ir.Input{{Name: "a", Task: "flaky", Artifact: "a"}, {Name: "g", Task: "gone", Artifact: "g"}, {Name: "p", Task: "fan", Artifact: "p"}, {Name: "y", Task: "broken", Artifact: "y"}},
			Run:    sh(`cd "$DAGC_INPUTS" && for f in $(find . | LC_ALL=C sort); do if [ -f "$f" ]; then printf '%s=%s;' "$f" "$(cat "$f")"; else printf '%s;' "$f"; fi; done > "$DAGC_OUTPUTS/seen"`)},
	}}
	ir.Normalize(p)
	if d := ir.Validate(p); d.HasErrors() {
		t.Fatal(d)
	}
	manifest := render(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log strings.Builder
	target, _ := parseS3Endpoint(srv.URL)
	res, err := run(ctx, manifest, nil, runOptions{isolation: testIsolation(t), dir: t.TempDir(), log: &log, s3: target})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pods:\n%s\nmanifest:\n%s", log.String(), manifest)
		}
	})
	var b strings.Builder
	if err := writeTrace(&b, res.wf, testIndex(t, p)); err != nil {
		t.Fatal(err)
	}
	tr := b.String()
	for _, want := range []string{
		`"task":"flaky","instance":"","attempt":2,"state":"success"`,
		`"task":"fan","instance":"ok","attempt":1,"state":"success"`, `"task":"fan","instance":"bad","attempt":1,"state":"failed"`,
		`"task":"gone","instance":"","attempt":1,"state":"failed"`, `"task":"broken","instance":"","attempt":1,"state":"failed"`,
		// The folder of fan's parts has the instance that succeeded; gone's
		// and broken's artifacts are absent, and flaky's folder is its
		// second attempt's alone.
		`"task":"use","instance":"","attempt":1,"state":"success","start"`,
		`"outputs":{"seen":".;./a;./a/fresh=new;./p;./p/ok=ok;"}`,
	} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace lacks %s:\n%s", want, tr)
		}
	}
	found := false
	for node, path := range res.logs {
		if strings.HasSuffix(node, ".broken") {
			data, _ := os.ReadFile(path)
			found = strings.Contains(string(data), `the declared artifact "x" was not written to $DAGC_ARTIFACTS/x`)
		}
	}
	if !found {
		t.Errorf("broken's log lacks the missing-artifact message")
	}
}
