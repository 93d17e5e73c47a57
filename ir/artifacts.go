package ir

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Input is one artifact a task receives (DESIGN 2.6): it is present at
// $DAGC_INPUTS/<Name> before the task's command starts. The reference
// task.<Task>.artifacts.<Artifact> adds an edge from Task.
type Input struct {
	Name     string
	Task     string
	Artifact string
	Range    Range
}

// Storage is where a run's artifacts live: an S3 bucket and key prefix, or
// a directory on this machine.
type Storage struct {
	// Scheme is "s3" or "file".
	Scheme string
	// Bucket is the S3 bucket; "" for file.
	Bucket string
	// Prefix is the S3 key prefix without slashes at either end ("" for the
	// bucket's root), or the absolute directory of a file storage.
	Prefix string
}

// StorageSchemes are the schemes ParseStorage accepts.
var StorageSchemes = []string{"s3", "file"}

// ParseStorage reads a storage URI: s3://BUCKET[/PREFIX] or
// file:///ABSOLUTE/PATH. It is the one rule the parser, every backend and
// dagc exec apply.
func ParseStorage(uri string) (Storage, error) {
	// A percent-escape would be decoded by some engines' URI parsers and
	// kept by others: the same text must name the same place everywhere.
	if strings.Contains(uri, "%") {
		return Storage{}, fmt.Errorf("%q holds %%, which engines decode differently; write the path without percent-escapes", uri)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return Storage{}, fmt.Errorf("%q is not a URI; use s3://BUCKET/PREFIX or file:///PATH", uri)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return Storage{}, fmt.Errorf("%q has parts a storage URI does not take (a query, fragment, user or opaque part); use s3://BUCKET/PREFIX or file:///PATH", uri)
	}
	switch u.Scheme {
	case "s3":
		if !validBucket(u.Host) {
			return Storage{}, fmt.Errorf("%q does not name a valid S3 bucket (3 to 63 characters of lower-case letters, digits, dots and dashes)", uri)
		}
		prefix := strings.Trim(u.Path, "/")
		if i := strings.IndexFunc(prefix, func(r rune) bool { return !s3SafeKeyChar(r) }); i >= 0 {
			return Storage{}, fmt.Errorf("%q has %q in its key prefix; S3's safe key characters are letters, digits, / and !-_.*'()", uri, prefix[i:i+1])
		}
		if strings.Contains(prefix, "//") || slices.Contains(strings.Split(prefix, "/"), "..") || slices.Contains(strings.Split(prefix, "/"), ".") {
			return Storage{}, fmt.Errorf("%q has an empty, \".\" or \"..\" segment in its key prefix", uri)
		}
		return Storage{Scheme: "s3", Bucket: u.Host, Prefix: prefix}, nil
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return Storage{}, fmt.Errorf("%q names the host %q; a file storage is a directory on the machine that runs the tasks: file:///PATH", uri, u.Host)
		}
		if !path.IsAbs(u.Path) {
			return Storage{}, fmt.Errorf("%q is not an absolute path; use file:///PATH", uri)
		}
		return Storage{Scheme: "file", Prefix: path.Clean(u.Path)}, nil
	}
	return Storage{}, fmt.Errorf("%q has the scheme %q; storage takes %s", uri, u.Scheme, schemeList())
}

func schemeList() string {
	q := make([]string, len(StorageSchemes))
	for i, s := range StorageSchemes {
		q[i] = s + "://"
	}
	return strings.Join(q, " or ")
}

// s3SafeKeyChar reports whether r is one of the characters S3 documents as
// safe in object keys.
func s3SafeKeyChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/!-_.*'()", r)
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return b[0] != '.' && b[0] != '-' && b[len(b)-1] != '.' && b[len(b)-1] != '-'
}

// String gives the storage back as a URI.
func (s Storage) String() string {
	if s.Scheme == "file" {
		return "file://" + s.Prefix
	}
	if s.Prefix == "" {
		return "s3://" + s.Bucket
	}
	return "s3://" + s.Bucket + "/" + s.Prefix
}

// Join returns the URI of rel (slash-separated) under the storage.
func (s Storage) Join(rel string) string {
	if s.Scheme == "file" {
		return "file://" + path.Join(s.Prefix, rel)
	}
	if s.Prefix == "" {
		return "s3://" + s.Bucket + "/" + rel
	}
	return "s3://" + s.Bucket + "/" + s.Prefix + "/" + rel
}

// Key returns the S3 key of rel under the storage.
func (s Storage) Key(rel string) string {
	if s.Prefix == "" {
		return rel
	}
	return s.Prefix + "/" + rel
}

// PlainInstance is the instance segment of a task without for_each, whose
// only instance has no key.
const PlainInstance = "_"

// InstanceSegment is the path segment of one instance: PlainInstance for a
// task without for_each, else each.key with every byte outside
// [A-Za-z0-9._-] percent-encoded, "." and ".." encoded whole and "" as
// "%", so any
// key is one safe file name and S3 key segment and two keys never share
// one. It is also the entry name a for_each producer's artifact has in its
// consumer's directory.
func InstanceSegment(key string, fanout bool) string {
	if !fanout {
		return PlainInstance
	}
	switch key {
	case "":
		return "%" // never produced otherwise: every other % has two hex digits
	case ".", "..":
		return strings.Repeat("%2E", len(key))
	}
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// ArtifactPath is where an artifact lives below the storage (DESIGN 2.6):
// <run id>/<task>/<instance>/<name>. The run id is used as one segment
// with the same encoding as an instance key.
func ArtifactPath(runID, task, instance, name string) string {
	return InstanceSegment(runID, true) + "/" + task + "/" + instance + "/" + name
}

// Artifact reports whether the task declares the named artifact.
func (t *Task) Artifact(name string) bool { return slices.Contains(t.Artifacts, name) }

// ArtifactRange is where artifact k was written, else the task's range.
func (t *Task) ArtifactRange(k int) Range {
	if k < len(t.ArtifactRanges) && t.ArtifactRanges[k] != (Range{}) {
		return t.ArtifactRanges[k]
	}
	return t.Range
}

// StorageWith is the storage a backend uses: its own storage setting when
// given, else the pipeline's.
func (p *Pipeline) StorageWith(setting string) string {
	if setting != "" {
		return setting
	}
	return p.Storage
}

// UsesArtifacts reports whether any task of p declares or receives an
// artifact.
func (p *Pipeline) UsesArtifacts() bool {
	for _, t := range p.Tasks {
		if len(t.Artifacts) > 0 || len(t.Inputs) > 0 {
			return true
		}
	}
	return false
}

func (v *validator) storage() {
	if v.p.Storage == "" {
		return
	}
	if _, err := ParseStorage(v.p.Storage); err != nil {
		v.errorf(narrow(v.p.StorageRange, v.p.Range), "Invalid storage", "%s.", upperFirstASCII(err.Error()))
	}
}

func upperFirstASCII(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// taskArtifacts checks the names a task declares and the inputs it reads.
func (v *validator) taskArtifacts(i int, t *Task) {
	for k, a := range t.Artifacts {
		if !ValidOutputName(a) {
			v.errorf(t.ArtifactRange(k), "Invalid artifact name", "Task %q declares artifact %q; artifact names must match %s: %s.", t.Name, a, outputRule, nameProblem(a, outputRule))
		}
		if slices.Contains(t.Artifacts[:k], a) {
			v.errorf(t.ArtifactRange(k), "Duplicate artifact name", "Task %q declares artifact %q twice.", t.Name, a)
		}
	}
	if !slices.IsSortedFunc(t.Inputs, func(a, b Input) int { return strings.Compare(a.Name, b.Name) }) {
		v.errorf(t.Range, "Invalid inputs", "The inputs of task %q are not sorted by name.", t.Name)
	}
	for k, in := range t.Inputs {
		at := narrow(in.Range, t.Range)
		if !ValidOutputName(in.Name) {
			v.errorf(at, "Invalid input name", "Task %q names input %q; input names must match %s: %s.", t.Name, in.Name, outputRule, nameProblem(in.Name, outputRule))
		}
		if k > 0 && t.Inputs[k-1].Name == in.Name {
			v.errorf(at, "Duplicate input name", "Task %q names input %q twice.", t.Name, in.Name)
		}
		if t.Final {
			v.errorf(at, "Input in a final task", "Task %q is final: it runs once every other task has ended, whatever their states, so it cannot receive an artifact of task %q, which may not exist.", t.Name, in.Task)
			continue
		}
		if in.Task == t.Name {
			v.errorf(at, "Task depends on itself", "Task %q reads its own artifact %q; a task cannot wait for itself.", t.Name, in.Artifact)
			continue
		}
		idx, ok := v.taskIdx[in.Task]
		if !ok {
			v.errorf(at, "Reference to undeclared task", "Task %q reads task.%s.artifacts.%s, but task %q is not declared.%s", t.Name, in.Task, in.Artifact, in.Task, v.suggest.Suggest(in.Task, v.taskNames))
			continue
		}
		producer := v.p.Tasks[idx]
		if !producer.Artifact(in.Artifact) {
			declared := "it declares no artifacts"
			if len(producer.Artifacts) > 0 {
				declared = "it declares " + quoteList(producer.Artifacts)
			}
			v.errorf(at, "Reference to undeclared artifact", "Task %q reads artifact %q of task %q, but %s.%s", t.Name, in.Artifact, in.Task, declared, v.suggest.Suggest(in.Artifact, producer.Artifacts))
		}
		if !slices.Contains(t.Upstream(), in.Task) {
			v.errorf(at, "Reference to a task that is not upstream", "Task %q reads an artifact of task %q but does not depend on it; add task.%s to depends_on.", t.Name, in.Task, in.Task)
		}
	}
}
