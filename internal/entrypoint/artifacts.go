package entrypoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// The artifact variables of the container contract (DESIGN 2.6).
const (
	// EnvStorage is the pipeline's storage URI (s3://… or file://…).
	EnvStorage = "DAGC_STORAGE"
	// EnvArtifactNames lists the task's declared artifacts, comma-separated.
	EnvArtifactNames = "DAGC_ARTIFACT_NAMES"
	// EnvInputsFrom lists the task's inputs, comma-separated, each
	// NAME=TASK/ARTIFACT, or NAME=TASK/*/ARTIFACT for a for_each producer
	// (every instance, one entry each).
	EnvInputsFrom = "DAGC_INPUTS_FROM"
	// EnvForEach is "true" in an instance of a for_each task, whose
	// DAGC_INSTANCE is each.key (which may be empty).
	EnvForEach   = "DAGC_FOR_EACH"
	EnvArtifacts = "DAGC_ARTIFACTS"
	EnvInputs    = "DAGC_INPUTS"
	EnvRunID     = "DAGC_RUN_ID"
	EnvTask      = "DAGC_TASK"
	EnvInstance  = "DAGC_INSTANCE"
)

// manifestSuffix names the object written after an artifact's files: a
// consumer reads only artifacts that have one, and only the files it
// lists, so an upload is atomic from its view and a failed attempt's
// leftovers are never read.
const manifestSuffix = ".manifest.json"

// manifest describes one stored artifact.
type manifest struct {
	// Kind is "file" (the object <name>) or "folder" (objects <name>/<path>).
	Kind  string   `json:"kind"`
	Files []entry  `json:"files,omitempty"`
	Dirs  []string `json:"dirs,omitempty"` // every folder, so empty ones round-trip
}

type entry struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Store moves files to and from a storage (S3, or a folder for file://).
type Store interface {
	Put(ctx context.Context, key, file string) error
	PutBytes(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key, file string) error
	GetBytes(ctx context.Context, key string) ([]byte, error)
	// List returns every key under prefix (which ends with "/").
	List(ctx context.Context, prefix string) ([]string, error)
}

// artifactPlan is what one run of dagc exec moves.
type artifactPlan struct {
	storage  ir.Storage
	runID    string
	task     string
	runSeg   string // <run id>, encoded: the folder of the run's tasks
	names    []string
	inputs   []inputSpec
	outDir   string // $DAGC_ARTIFACTS
	inDir    string // $DAGC_INPUTS
	instance string
}

type inputSpec struct {
	name, task, artifact string
	fanout               bool
}

// planArtifacts reads the artifact variables; nil when the task has none.
func planArtifacts(env map[string]string) (*artifactPlan, error) {
	names, from := env[EnvArtifactNames], env[EnvInputsFrom]
	if names == "" && from == "" {
		return nil, nil
	}
	uri := env[EnvStorage]
	if uri == "" {
		return nil, fmt.Errorf("the task has artifacts or inputs but %s is not set", EnvStorage)
	}
	st, err := ir.ParseStorage(uri)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", EnvStorage, err)
	}
	for _, v := range []string{EnvRunID, EnvTask} {
		if env[v] == "" {
			return nil, fmt.Errorf("the task has artifacts or inputs but %s is not set", v)
		}
	}
	pl := &artifactPlan{storage: st, runID: env[EnvRunID], task: env[EnvTask], runSeg: ir.InstanceSegment(env[EnvRunID], true)}
	pl.instance = ir.InstanceSegment(env[EnvInstance], env[EnvForEach] == "true")
	if names != "" {
		pl.names = strings.Split(names, ",")
	}
	if from != "" {
		for _, item := range strings.Split(from, ",") {
			name, src, ok := strings.Cut(item, "=")
			parts := strings.Split(src, "/")
			switch {
			case ok && len(parts) == 2:
				pl.inputs = append(pl.inputs, inputSpec{name: name, task: parts[0], artifact: parts[1]})
			case ok && len(parts) == 3 && parts[1] == "*":
				pl.inputs = append(pl.inputs, inputSpec{name: name, task: parts[0], artifact: parts[2], fanout: true})
			default:
				return nil, fmt.Errorf("%s: %q is not NAME=TASK/ARTIFACT or NAME=TASK/*/ARTIFACT", EnvInputsFrom, item)
			}
		}
	}
	for _, n := range append(slices.Clone(pl.names), inputNames(pl.inputs)...) {
		if !ir.ValidOutputName(n) {
			return nil, fmt.Errorf("%q is not a valid artifact or input name", n)
		}
	}
	return pl, nil
}

func inputNames(in []inputSpec) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = s.name
	}
	return out
}

// fetchInputs downloads every input into pl.inDir before the command runs.
// A for_each producer's artifact becomes a folder with one entry per
// instance that stored it; an input whose producer stored nothing (it did
// not succeed, and the consumer's trigger let it run) is absent.
func (pl *artifactPlan) fetchInputs(ctx context.Context, s Store) error {
	for _, in := range pl.inputs {
		dst := filepath.Join(pl.inDir, in.name)
		if !in.fanout {
			key := ir.ArtifactPath(pl.runID, in.task, ir.PlainInstance, in.artifact)
			if err := pl.fetchOne(ctx, s, key, dst, true); err != nil {
				return fmt.Errorf("cannot fetch input %q from %s: %w", in.name, pl.storage.Join(key), err)
			}
			continue
		}
		prefix := pl.runSeg + "/" + in.task + "/"
		keys, err := s.List(ctx, pl.storage.Key(prefix))
		if err != nil {
			return fmt.Errorf("cannot list input %q at %s: %w", in.name, pl.storage.Join(prefix), err)
		}
		if err := os.Mkdir(dst, 0o755); err != nil {
			return err
		}
		want := "/" + in.artifact + manifestSuffix
		for _, k := range keys {
			rel := strings.TrimPrefix(k, pl.storage.Key(prefix))
			seg, rest, ok := strings.Cut(rel, "/")
			if !ok || "/"+rest != want || seg == "" || seg == "." || seg == ".." {
				continue
			}
			key := prefix + seg + "/" + in.artifact
			if err := pl.fetchOne(ctx, s, key, filepath.Join(dst, seg), false); err != nil {
				return fmt.Errorf("cannot fetch input %q from %s: %w", in.name, pl.storage.Join(key), err)
			}
		}
	}
	return nil
}

// fetchOne downloads the artifact stored at key (relative to the storage)
// to dst, as its manifest describes it.
func (pl *artifactPlan) fetchOne(ctx context.Context, s Store, key, dst string, absentOK bool) error {
	data, err := s.GetBytes(ctx, pl.storage.Key(key+manifestSuffix))
	if err != nil {
		if absentOK && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("its manifest is not valid: %v", err)
	}
	switch m.Kind {
	case "file":
		return s.Get(ctx, pl.storage.Key(key), dst)
	case "folder":
		if err := os.Mkdir(dst, 0o755); err != nil {
			return err
		}
		for _, d := range m.Dirs {
			if !safeRel(d) {
				return fmt.Errorf("its manifest names the folder %q outside the artifact", d)
			}
			if err := os.MkdirAll(filepath.Join(dst, filepath.FromSlash(d)), 0o755); err != nil {
				return err
			}
		}
		for _, f := range m.Files {
			if !safeRel(f.Path) {
				return fmt.Errorf("its manifest names the file %q outside the artifact", f.Path)
			}
			file := filepath.Join(dst, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return err
			}
			if err := s.Get(ctx, pl.storage.Key(key+"/"+f.Path), file); err != nil {
				return err
			}
			if fi, err := os.Stat(file); err != nil || fi.Size() != f.Size {
				return fmt.Errorf("%s arrived with another size than was stored", f.Path)
			}
		}
		return nil
	}
	return fmt.Errorf("its manifest has the kind %q", m.Kind)
}

// safeRel reports whether a slash path stays inside the folder it is
// relative to.
func safeRel(p string) bool {
	if p == "" || path.IsAbs(p) || strings.Contains(p, "\\") || strings.IndexByte(p, 0) >= 0 {
		return false
	}
	return path.Clean(p) == p && p != ".." && !strings.HasPrefix(p, "../")
}

// checkArtifacts reports the first declared artifact the command did not
// write.
func (pl *artifactPlan) checkArtifacts() error {
	for _, n := range pl.names {
		if _, err := os.Stat(filepath.Join(pl.outDir, n)); err != nil {
			return fmt.Errorf("the declared artifact %q was not written to $%s/%s", n, EnvArtifacts, n)
		}
	}
	return nil
}

// storeArtifacts uploads every declared artifact: its files first, then
// its manifest, so a consumer never reads a half-stored one.
func (pl *artifactPlan) storeArtifacts(ctx context.Context, s Store) error {
	for _, n := range pl.names {
		key := ir.ArtifactPath(pl.runID, pl.task, pl.instance, n)
		if err := pl.storeOne(ctx, s, filepath.Join(pl.outDir, n), key); err != nil {
			return fmt.Errorf("cannot store artifact %q at %s: %w", n, pl.storage.Join(key), err)
		}
	}
	return nil
}

func (pl *artifactPlan) storeOne(ctx context.Context, s Store, src, key string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	m := manifest{Kind: "file"}
	if fi.Mode().IsRegular() {
		if err := s.Put(ctx, pl.storage.Key(key), src); err != nil {
			return err
		}
	} else if fi.IsDir() {
		m.Kind = "folder"
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			if rel == "." {
				return nil
			}
			rel = filepath.ToSlash(rel)
			info, err := os.Stat(p) // links are stored as what they point to
			if err != nil {
				return err
			}
			switch {
			case info.IsDir():
				m.Dirs = append(m.Dirs, rel)
			case info.Mode().IsRegular():
				if err := s.Put(ctx, pl.storage.Key(key+"/"+rel), p); err != nil {
					return err
				}
				m.Files = append(m.Files, entry{Path: rel, Size: info.Size()})
			default:
				return fmt.Errorf("%s is neither a file nor a folder", rel)
			}
			return nil
		})
		if err != nil {
			return err
		}
	} else {
		return fmt.Errorf("it is neither a file nor a folder")
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.PutBytes(ctx, pl.storage.Key(key+manifestSuffix), data)
}
