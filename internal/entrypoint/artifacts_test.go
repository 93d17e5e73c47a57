package entrypoint

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dagc-dev/dagc/internal/moto"
)

// exchange runs a producer's file, folder and for_each artifacts through
// dagc exec into a consumer, against the storage named by uri with env,
// and checks what the consumer received byte for byte.
func exchange(t *testing.T, uri string, env []string) {
	t.Helper()
	base := append([]string{"PATH=" + os.Getenv("PATH"), "DAGC_STORAGE=" + uri, "DAGC_RUN_ID=run:1"}, env...)
	produce := func(extra []string, script string) (int, string) {
		rep := &fakeReporter{}
		var out bytes.Buffer
		code := Run(context.Background(), []string{"sh", "-euc", script}, Config{Env: append(append([]string{}, base...), extra...), Stdout: &out, Stderr: &out, Reporter: rep})
		return code, out.String()
	}
	if code, log := produce([]string{"DAGC_TASK=train", "DAGC_ARTIFACT_NAMES=model,images"}, `
		printf 'weights\n' > "$DAGC_ARTIFACTS/model"
		mkdir -p "$DAGC_ARTIFACTS/images/sub dir/empty"
		printf 'a' > "$DAGC_ARTIFACTS/images/a.png"
		printf 'it'"'"'s {{x}} $HOME' > "$DAGC_ARTIFACTS/images/sub dir/b c.png"`); code != 0 {
		t.Fatalf("train: %d %s", code, log)
	}
	for _, key := range []string{"eu", "a/b", ""} {
		if code, log := produce([]string{"DAGC_TASK=shard", "DAGC_FOR_EACH=true", "DAGC_INSTANCE=" + key, "DAGC_ARTIFACT_NAMES=part"},
			`printf '%s' "part of $DAGC_INSTANCE" > "$DAGC_ARTIFACTS/part"`); code != 0 {
			t.Fatalf("shard[%s]: %d %s", key, code, log)
		}
	}
	// A failed attempt stores nothing: its partial artifact is never read.
	if code, _ := produce([]string{"DAGC_TASK=shard", "DAGC_FOR_EACH=true", "DAGC_INSTANCE=failed", "DAGC_ARTIFACT_NAMES=part"},
		`printf 'half' > "$DAGC_ARTIFACTS/part"; exit 3`); code != 3 {
		t.Fatalf("failing shard exited %d", code)
	}
	// A declared artifact that was not written fails the task.
	if code, log := produce([]string{"DAGC_TASK=lazy", "DAGC_ARTIFACT_NAMES=model"}, `true`); code != exitBadOutputs || !strings.Contains(log, `declared artifact "model" was not written`) {
		t.Fatalf("lazy: %d %s", code, log)
	}
	code, log := produce([]string{"DAGC_TASK=serve", "DAGC_INPUTS_FROM=model=train/model,images=train/images,parts=shard/*/part,absent=lazy/model"}, `
		cd "$DAGC_INPUTS"
		cat model; find images | LC_ALL=C sort; cat "images/sub dir/b c.png"; echo; ls parts | LC_ALL=C sort | tr '\n' ' '; cat parts/eu parts/a%2Fb parts/%
		[ ! -e absent ]`)
	if code != 0 {
		t.Fatalf("serve: %d %s", code, log)
	}
	want := "weights\nimages\nimages/a.png\nimages/sub dir\nimages/sub dir/b c.png\nimages/sub dir/empty\nit's {{x}} $HOME\n% a%2Fb eu part of eupart of a/bpart of "
	if log != want {
		t.Errorf("serve saw:\n%q\nwant:\n%q", log, want)
	}
}

func TestArtifactsThroughFileStorage(t *testing.T) {
	dir := t.TempDir()
	exchange(t, "file://"+dir, nil)
	// The layout of DESIGN 2.6: <storage>/<run id>/<task>/<instance>/<name>.
	for _, p := range []string{"run%3A1/train/_/model", "run%3A1/train/_/images/sub dir/b c.png", "run%3A1/shard/a%2Fb/part", "run%3A1/shard/%/part"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
}

// The same exchange through S3, served by moto on loopback.
func TestArtifactsThroughS3(t *testing.T) {
	bin := moto.Binary()
	if bin == "" {
		t.Skip("moto is not installed (bash scripts/setup-moto.sh)")
	}
	srv, err := moto.Start(bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	env := srv.Env()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("dagc-test")}); err != nil {
		t.Fatal(err)
	}
	exchange(t, "s3://dagc-test/some/prefix", env)
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("dagc-test"), Key: aws.String("some/prefix/run%3A1/train/_/model")})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
}

// A storage that cannot be reached fails the task with its URI named, and
// the command never runs without its inputs.
func TestUnreachableStorage(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	env := []string{"AWS_ENDPOINT_URL=http://" + addr, "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1"}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	code, _, log := run(t, append(env, "DAGC_STORAGE=s3://nowhere-bucket/p", "DAGC_RUN_ID=r", "DAGC_TASK=serve", "DAGC_INPUTS_FROM=model=train/model"),
		"sh", "-c", "echo ran")
	if code == 0 || strings.Contains(log, "ran") || !strings.Contains(log, "s3://nowhere-bucket/p/r/train/_/model") {
		t.Fatalf("code %d log %s", code, log)
	}
	code, _, log = run(t, append(env, "DAGC_STORAGE=s3://nowhere-bucket/p", "DAGC_RUN_ID=r", "DAGC_TASK=train", "DAGC_ARTIFACT_NAMES=model"),
		"sh", "-c", `echo x > "$DAGC_ARTIFACTS/model"`)
	if code == 0 || !strings.Contains(log, "cannot store artifact \"model\" at s3://nowhere-bucket/p/r/train/_/model") {
		t.Fatalf("code %d log %s", code, log)
	}
}
