package argo

import (
	"fmt"
	"strconv"

	"github.com/dagc-dev/dagc/ir"
)

// Artifacts (DESIGN 2.6) are Argo's own: each declared artifact is an
// output artifact and each input an input artifact, both key-only S3
// artifacts at dagc's layout, <storage>/<run id>/<task>/<instance>/<name>,
// with the run id {{workflow.name}}. The S3 repository of the storage is
// the template's archiveLocation, from which Argo's executor fills every
// key-only artifact (Artifact.Relocate); without storage the controller
// puts the cluster's default artifact repository there
// (addArchiveLocation), so the same keys land in it.
//
// Each artifact is stored as one object, Argo's tar+gzip archive of the
// file or folder: a file and a folder both round-trip, and an upload
// replaces the whole artifact at once, so a retried attempt never leaves a
// mix of two attempts' files (archive: none would store a folder as one
// object per file).

const (
	// artifactsDir is $DAGC_ARTIFACTS and inputsDir $DAGC_INPUTS: emptyDir
	// volumes, which Argo's executor reads and fills directly (an artifact
	// path inside a volume mount is saved from, and loaded into, the
	// volume, so an optional input that is absent leaves no trace).
	artifactsDir    = "/tmp/dagc-artifacts"
	artifactsVolume = "dagc-artifacts"
	inputsDir       = "/tmp/dagc-inputs"
	inputsVolume    = "dagc-inputs"
	// defaultEndpoint is AWS's S3 endpoint, for a storage whose argo block
	// names none: Argo needs an endpoint for an S3 location.
	defaultEndpoint = "s3.amazonaws.com"
)

// SecretRef names one key of a Kubernetes Secret.
type SecretRef struct{ Name, Key string }

// s3View is the template's archiveLocation.s3: the S3 repository.
type s3View struct {
	Endpoint, Bucket, Region, Key string
	Insecure                      bool
	AccessKey, SecretKey          *SecretRef
	UseSDKCreds                   bool
}

// artifactView is one input or output artifact of a template.
type artifactView struct {
	Name, Path, Key string
	Optional        bool
}

// repository works out where the run's artifacts live, once: the S3
// location of the storage (the argo block's, else the pipeline's), or nil
// for the cluster's default repository, and the key prefix of the run.
func (r *renderer) repository() {
	o := r.opts.Run
	st := storageOf(r.p, o)
	uses := r.p.UsesArtifacts()
	if st == "" {
		for _, f := range []struct {
			name string
			set  bool
		}{{"s3_endpoint", o.S3Endpoint != ""}, {"s3_region", o.S3Region != ""}, {"s3_insecure", o.S3Insecure}, {"s3_access_key_secret", o.S3AccessKey != nil}, {"s3_secret_key_secret", o.S3SecretKey != nil}} {
			if f.set {
				r.errorf(r.settingRange(f.name), "S3 setting without storage", "%s describes the S3 repository of storage, but the pipeline sets no storage: artifacts then go to the cluster's default artifact repository. Set storage = \"s3://BUCKET/PREFIX\" on the pipeline or in its argo block, or drop %s.", f.name, f.name)
			}
		}
		r.runKey = "{{workflow.name}}"
		return
	}
	s, err := ir.ParseStorage(st)
	if err != nil {
		return // reported by the parser or the settings schema
	}
	if s.Scheme != "s3" {
		if uses {
			r.unsupported("artifacts in "+st, nil, "Argo's pods reach an S3 artifact repository, not a folder of this machine; set storage = \"s3://BUCKET/PREFIX\" on the pipeline or in its argo block.")
		}
		return
	}
	// ir.ParseStorage keeps an s3:// prefix to S3's safe key characters,
	// so it holds no brace Argo's templater would read.
	if (o.S3AccessKey == nil) != (o.S3SecretKey == nil) {
		r.errorf(r.p.Range, "S3 credentials need both secrets", "The argo block sets only one of s3_access_key_secret and s3_secret_key_secret; set both, or neither to use the pods' own AWS credentials (useSDKCreds: IRSA, an instance role, environment variables).")
	}
	r.runKey = s.Key("{{workflow.name}}")
	endpoint := o.S3Endpoint
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	r.repo = &s3View{
		Endpoint: endpoint, Bucket: s.Bucket, Region: o.S3Region, Insecure: o.S3Insecure,
		AccessKey: o.S3AccessKey, SecretKey: o.S3SecretKey, UseSDKCreds: o.S3AccessKey == nil,
		// The location needs a key; Argo uses it only for what has no key
		// of its own (the pod's logs when log archiving is on), so it is a
		// folder beside the run's, one per pod.
		Key: r.runKey + ".logs/{{pod.name}}",
	}
}

// settingRange is where the pipeline's argo block sets name, else the
// pipeline.
func (r *renderer) settingRange(name string) ir.Range {
	if src, ok := r.opts.Source(nil, name); ok {
		return src.Setting.NameRange
	}
	return r.p.Range
}

// artifactKey is the key of one artifact of one instance of task.
func (r *renderer) artifactKey(task, instance, name string) string {
	return r.runKey + "/" + task + "/" + instance + "/" + name
}

// instanceInput is the input parameter that carries an instance's segment
// into the output artifacts' keys of a for_each task.
const instanceInput = "dagc-instance"

// artifacts renders t's output and input artifacts into leaf, and returns
// the names of the inputs that are folders of instances (their folder is
// made even when no instance succeeded, as on every engine).
func (r *renderer) artifacts(s *specView, c *taskCtx, leaf *leafView, t *ir.Task) (fanouts []string, ok bool) {
	if len(t.Artifacts) == 0 && len(t.Inputs) == 0 {
		return nil, true
	}
	if r.runKey == "" {
		return nil, false // the storage was refused
	}
	leaf.Repo = r.repo
	if len(t.Artifacts) > 0 {
		instance := ir.PlainInstance
		switch {
		case t.IsDynamic():
			// each.key is the item's index, digits, which the instance
			// segment keeps as they are.
			instance = "{{inputs.parameters." + instanceInput + "}}"
			c.addInput(instanceInput, "{{="+dynItemExpr(&ir.Ref{Kind: ir.RefEachKey})+"}}")
			c.itemArgs[instanceInput] = true
		case t.ForEach != nil:
			instance = "{{inputs.parameters." + instanceInput + "}}"
			for i, it := range t.ForEach.Items {
				c.items[i] = append(c.items[i], kv{"instance", ir.InstanceSegment(it.Key, true)})
			}
			c.addInput(instanceInput, itemField("instance"))
			c.itemArgs[instanceInput] = true
		}
		for _, a := range t.Artifacts {
			// Optional for Argo: the wrapper checks that each was written
			// (with the local runner's message) and removes them all when
			// the attempt fails, so that only a successful attempt
			// publishes; a missing optional artifact is not uploaded.
			leaf.OutArtifacts = append(leaf.OutArtifacts, artifactView{Name: a, Path: artifactsDir + "/" + a, Key: r.artifactKey(t.Name, instance, a), Optional: true})
		}
		leaf.Env = append(leaf.Env, kv{"DAGC_ARTIFACTS", artifactsDir})
		leaf.Mounts = append(leaf.Mounts, kv{artifactsVolume, artifactsDir})
		s.volume(artifactsVolume)
	}
	if len(t.Inputs) > 0 {
		// A producer that did not succeed stored nothing: under
		// all_success the consumer does not run then, under any other
		// trigger the input may be absent.
		maybeAbsent := t.Trigger != ir.AllSuccess
		for _, in := range t.Inputs {
			prod := r.taskByName(in.Task)
			if prod == nil {
				continue
			}
			path := inputsDir + "/" + in.Name
			if prod.ForEach == nil {
				leaf.InArtifacts = append(leaf.InArtifacts, artifactView{Name: in.Name, Path: path, Key: r.artifactKey(prod.Name, ir.PlainInstance, in.Artifact), Optional: maybeAbsent})
				continue
			}
			if prod.IsDynamic() {
				r.unsupported("an artifact of a for_each over a run-time value as an input", t,
					fmt.Sprintf("Input %q reads artifact %q of task %q, whose instances are known only at run time; Argo's input artifacts are listed in the template, one per instance. Give task %q a for_each over a compile-time collection, or pass the files through one task without for_each.", in.Name, in.Artifact, in.Task, in.Task))
				return nil, false
			}
			// One optional input artifact per instance, at its entry of the
			// folder: a skipped or failed instance stored nothing, and its
			// entry is absent.
			for i, it := range prod.ForEach.Items {
				seg := ir.InstanceSegment(it.Key, true)
				leaf.InArtifacts = append(leaf.InArtifacts, artifactView{Name: in.Name + "-" + strconv.Itoa(i), Path: path + "/" + seg, Key: r.artifactKey(prod.Name, seg, in.Artifact), Optional: true})
			}
			fanouts = append(fanouts, in.Name)
		}
		leaf.Env = append(leaf.Env, kv{"DAGC_INPUTS", inputsDir})
		leaf.Mounts = append(leaf.Mounts, kv{inputsVolume, inputsDir})
		s.volume(inputsVolume)
	}
	return fanouts, true
}

// volume adds the emptyDir volume name to the Workflow once, in a fixed
// order.
func (s *specView) volume(name string) {
	for _, v := range s.Volumes {
		if v == name {
			return
		}
	}
	s.Volumes = append(s.Volumes, name)
	order := map[string]int{outputsVolume: 0, artifactsVolume: 1, inputsVolume: 2}
	for i := len(s.Volumes) - 1; i > 0 && order[s.Volumes[i]] < order[s.Volumes[i-1]]; i-- {
		s.Volumes[i], s.Volumes[i-1] = s.Volumes[i-1], s.Volumes[i]
	}
}

// artifactCheckName is $0 of the artifact wrapper.
const artifactCheckName = "dagc-artifacts"

// artifactCheckScript wraps the command (after the output check, if any).
// Arguments: the number of inputs that are folders of instances and their
// names, the number of declared artifacts and their names, then the
// command. It makes the instance folders (Argo creates an entry's folder
// only when an instance's artifact is there), runs the command, and once it
// exited 0 checks that every declared artifact was written; when the
// command failed or one is missing it removes every declared artifact, so
// that Argo uploads nothing for a failed attempt, and exits with the
// command's status (which a retry's on_exit_codes reads). As the output
// check, it sets no variable before the command runs, holds no "{{" and no
// "$(NAME)".
const artifactCheckScript = `set -uf
( n=$1; while [ "$n" -gt 0 ]; do shift; n=$((n - 1)); mkdir -p "$DAGC_INPUTS/$1" || exit; done ) || exit
( shift $(($1 + 1)); shift $(($1 + 1)); exec "$@" ); s=$?
shift $(($1 + 1))
if [ "$s" -eq 0 ]; then
  ( n=$1; while [ "$n" -gt 0 ]; do shift; n=$((n - 1)); [ -e "$DAGC_ARTIFACTS/$1" ] || { echo "the declared artifact \"$1\" was not written to \$DAGC_ARTIFACTS/$1" >&2; exit 1; }; done ) || s=1
fi
if [ "$s" -ne 0 ]; then
  ( n=$1; while [ "$n" -gt 0 ]; do shift; n=$((n - 1)); rm -rf "$DAGC_ARTIFACTS/$1"; done )
fi
exit "$s"
`

// artifactArgv wraps a container command with the artifact wrapper.
func artifactArgv(fanouts, artifacts, argv []string) []string {
	out := []string{"sh", "-c", artifactCheckScript, artifactCheckName, strconv.Itoa(len(fanouts))}
	out = append(out, fanouts...)
	out = append(out, strconv.Itoa(len(artifacts)))
	out = append(out, artifacts...)
	return append(out, argv...)
}
