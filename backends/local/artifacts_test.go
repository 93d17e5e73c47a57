package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

func valid(t *testing.T, p *ir.Pipeline) *ir.Pipeline {
	t.Helper()
	ir.Normalize(p)
	if ds := ir.Validate(p); ds.HasErrors() {
		t.Fatal(ds)
	}
	return p
}

func input(name, task, artifact string) ir.Input {
	return ir.Input{Name: name, Task: task, Artifact: artifact}
}

// A file, a folder and a for_each producer's artifacts reach the consumer
// at $DAGC_INPUTS, byte for byte; the for_each one as a folder with one
// entry per instance that succeeded.
func TestArtifactsReachConsumers(t *testing.T) {
	dir := t.TempDir()
	model := shTask("model", `printf 'w=1\n' > "$DAGC_ARTIFACTS/m"`)
	model.Artifacts = []string{"m"}
	imgs := shTask("imgs", `mkdir -p "$DAGC_ARTIFACTS/d/sub dir"; printf x > "$DAGC_ARTIFACTS/d/sub dir/a b"; ln -s "a b" "$DAGC_ARTIFACTS/d/sub dir/link"`)
	imgs.Artifacts = []string{"d"}
	shard := shTask("shard", "")
	*shard.Run.Script = ir.Str{Parts: []ir.Part{{Lit: `printf '%s' "`}, {Ref: &ir.Ref{Kind: ir.RefEachValue}}, {Lit: `" > "$DAGC_ARTIFACTS/p"`}}}
	shard.Artifacts = []string{"p"}
	shard.ForEach = &ir.ForEach{Items: []ir.Item{{Key: "eu", Value: "EU"}, {Key: "a/b", Value: "slash"}, {Key: "skip", Value: "no"}}}
	shard.When = &ir.Cond{Op: ir.CondCompare, Cmp: ir.Ne, Left: ir.Operand{Ref: &ir.Ref{Kind: ir.RefEachValue}}, Right: ir.Operand{Lit: "no", LitKind: ir.LitString}}
	use := after(withTrigger(shTask("use", `
		in="$DAGC_INPUTS"
		{ cat "$in/model"; cat "$in/imgs/sub dir/a b"; readlink "$in/imgs/sub dir/link"; ls "$in/parts" | LC_ALL=C sort | tr '\n' ','; cat "$in/parts/eu" "$in/parts/a%2Fb"; } > "$DAGC_OUTPUTS/seen"
		printf y >> "$in/model" 2>/dev/null || true`), ir.NoneFailed), "model", "imgs", "shard")
	use.Outputs = []string{"seen"}
	use.Inputs = []ir.Input{input("model", "model", "m"), input("imgs", "imgs", "d"), input("parts", "shard", "p")}
	p := valid(t, pipeline(model, imgs, shard, use))
	// --isolate copies inputs, so even root's write stays its own.
	oc := runIt(t, context.Background(), p, dir, Options{RunID: "r1", Isolate: true})
	wantStates(t, oc, map[string]ir.State{"model": S, "imgs": S, "shard[eu]": S, "shard[skip]": ir.Skipped, "use": S})
	if got, want := oc.inst("use").Outputs["seen"], "w=1\nxa b\na%2Fb,eu,EUslash"; got != want {
		t.Errorf("use saw %q, want %q", got, want)
	}
	stored := filepath.Join(oc.res.Dir, "artifacts", "model", "_", "m")
	if b, err := os.ReadFile(stored); err != nil || string(b) != "w=1\n" {
		t.Errorf("stored model: %q, %v", b, err)
	}
	// Attempts leave no staging folder and no inputs behind.
	for _, pattern := range []string{"artifacts/*/*/.attempt-*", "inputs/*/*"} {
		if m, _ := filepath.Glob(filepath.Join(oc.res.Dir, pattern)); len(m) > 0 {
			t.Errorf("left behind: %v", m)
		}
	}
}

// A declared artifact that was not written fails the task, and a failed
// attempt's partial artifact is never stored: the retry's is.
func TestArtifactMissingOrPartial(t *testing.T) {
	dir := t.TempDir()
	lazy := shTask("lazy", "true")
	lazy.Artifacts = []string{"out"}
	flaky := shTask("flaky", `mkdir "$DAGC_ARTIFACTS/d"; printf "$DAGC_ATTEMPT" > "$DAGC_ARTIFACTS/d/attempt$DAGC_ATTEMPT"; [ "$DAGC_ATTEMPT" = 2 ]`)
	flaky.Artifacts = []string{"d"}
	flaky.Retry = ir.Retry{Attempts: 1}
	next := after(shTask("next", `ls "$DAGC_INPUTS/d" > "$DAGC_OUTPUTS/files"`), "flaky")
	next.Inputs = []ir.Input{input("d", "flaky", "d")}
	next.Outputs = []string{"files"}
	p := valid(t, pipeline(lazy, flaky, next))
	oc := runIt(t, context.Background(), p, dir, Options{})
	wantStates(t, oc, map[string]ir.State{"lazy": F, "flaky": S, "next": S})
	if msg := oc.inst("lazy").Error; !strings.Contains(msg, `declared artifact "out" was not written to $DAGC_ARTIFACTS/out`) {
		t.Errorf("lazy error %q", msg)
	}
	if got := oc.inst("next").Outputs["files"]; got != "attempt2" {
		t.Errorf("next received %q, want only the second attempt's file", got)
	}
}

// A file:// storage holds artifacts at <storage>/<run id>/<task>/<instance>/<name>,
// copied when it is on another file system, and --resume keeps a finished
// producer's artifacts for the consumer it runs again.
func TestArtifactFileStorageAndResume(t *testing.T) {
	dir := t.TempDir()
	store := t.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		// Another file system than the run folder: links fail, copies do.
		if s, err := os.MkdirTemp("/dev/shm", "dagc-store"); err == nil {
			store = s
			t.Cleanup(func() { os.RemoveAll(s) })
		}
	}
	prod := shTask("prod", `echo run >> "$COUNT"; printf data > "$DAGC_ARTIFACTS/a"`)
	prod.Artifacts = []string{"a"}
	prod.Run.Env = []ir.EnvVar{{Name: "COUNT", Value: ir.Lit(filepath.Join(dir, "count"))}}
	cons := after(shTask("cons", `cat "$DAGC_INPUTS/a" > "$DAGC_OUTPUTS/v"; [ -e gate ]`), "prod")
	cons.Inputs = []ir.Input{input("a", "prod", "a")}
	cons.Outputs = []string{"v"}
	p := pipeline(prod, cons)
	p.Storage = "file://" + store
	valid(t, p)
	oc := runIt(t, context.Background(), p, dir, Options{RunID: "r 1"})
	wantStates(t, oc, map[string]ir.State{"prod": S, "cons": F})
	if b, err := os.ReadFile(filepath.Join(store, "r%201", "prod", "_", "a")); err != nil || string(b) != "data" {
		t.Fatalf("stored artifact: %q, %v", b, err)
	}
	os.WriteFile(filepath.Join(dir, "gate"), nil, 0o644)
	oc = runIt(t, context.Background(), p, dir, Options{RunID: "r 1", Resume: true})
	wantStates(t, oc, map[string]ir.State{"prod": S, "cons": S})
	if got := oc.inst("cons").Outputs["v"]; got != "data" {
		t.Errorf("cons received %q after resume", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "count")); string(b) != "run\n" {
		t.Errorf("prod ran %q times, want once", b)
	}
}

func TestInstanceSegment(t *testing.T) {
	for key, want := range map[string]string{"eu": "eu", "a/b": "a%2Fb", ".": "%2E", "..": "%2E%2E", "": "%", "x y%": "x%20y%25", "é": "%C3%A9"} {
		if got := ir.InstanceSegment(key, true); got != want {
			t.Errorf("InstanceSegment(%q) = %q, want %q", key, got, want)
		}
	}
	if got := ir.InstanceSegment("eu", false); got != ir.PlainInstance {
		t.Errorf("plain task segment %q", got)
	}
}
