package argo

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// Options are the settings of the `argo {}` block.
type Options struct {
	Namespace        string
	ServiceAccount   string
	NodeSelector     map[string]string
	Tolerations      []Toleration
	ImagePullSecrets []string
	// PodGC is an Argo podGC strategy, e.g. "OnPodSuccess"; "" = unset.
	PodGC string
	// TTL* map to ttlStrategy; 0 = unset.
	TTLAfterCompletion time.Duration
	TTLAfterSuccess    time.Duration
	TTLAfterFailure    time.Duration
	Labels             map[string]string
	Annotations        map[string]string
	// Storage overrides the pipeline's storage for this backend; the S3
	// fields describe its repository where the URI does not (artifacts.go).
	Storage                  string
	S3Endpoint, S3Region     string
	S3Insecure               bool
	S3AccessKey, S3SecretKey *SecretRef
}

// Toleration is a Kubernetes pod toleration.
type Toleration struct {
	Key      string
	Operator string
	Value    string
	Effect   string
}

const wholeWorkflow = "to the whole Workflow"

// Schema is the `argo {}` block. Namespace, image pull secrets, pod GC and
// TTL belong to the Workflow object, so they are set for the whole run;
// the rest may differ per task (the task's template).
var Schema = &settings.Schema[Options]{Backend: backendName, Fields: []settings.Field[Options]{
	checkedString("namespace", dns1123Label, func(o *Options) *string { return &o.Namespace }).WholeRun("(metadata.namespace) " + wholeWorkflow + ": all its pods run in one namespace"),
	checkedString("service_account", dns1123Subdomain, func(o *Options) *string { return &o.ServiceAccount }),
	checkedMap("node_selector", qualifiedName, labelValue, func(o *Options) *map[string]string { return &o.NodeSelector }),
	settings.Custom("tolerations", func(o *Options, v ir.Value) error {
		ts, err := decodeTolerations(v)
		if err == nil {
			o.Tolerations = ts
		}
		return err
	}),
	checkedList("image_pull_secrets", dns1123Subdomain, func(o *Options) *[]string { return &o.ImagePullSecrets }).WholeRun("(imagePullSecrets) " + wholeWorkflow),
	settings.Enum("pod_gc", []string{"OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess"}, func(o *Options) *string { return &o.PodGC }).WholeRun("(podGC) " + wholeWorkflow),
	settings.Duration("ttl_after_completion", func(o *Options) *time.Duration { return &o.TTLAfterCompletion }).WholeRun("(ttlStrategy) " + wholeWorkflow),
	settings.Duration("ttl_after_success", func(o *Options) *time.Duration { return &o.TTLAfterSuccess }).WholeRun("(ttlStrategy) " + wholeWorkflow),
	settings.Duration("ttl_after_failure", func(o *Options) *time.Duration { return &o.TTLAfterFailure }).WholeRun("(ttlStrategy) " + wholeWorkflow),
	checkedMap("labels", qualifiedName, labelValue, func(o *Options) *map[string]string { return &o.Labels }),
	checkedMap("annotations", qualifiedName, nil, func(o *Options) *map[string]string { return &o.Annotations }),
	settings.Storage("storage", func(o *Options) *string { return &o.Storage }).WholeRun(artifactsRun),
	checkedString("s3_endpoint", endpointName, func(o *Options) *string { return &o.S3Endpoint }).WholeRun(artifactsRun),
	checkedString("s3_region", regionName, func(o *Options) *string { return &o.S3Region }).WholeRun(artifactsRun),
	settings.Bool("s3_insecure", func(o *Options) *bool { return &o.S3Insecure }).WholeRun(artifactsRun),
	secretRef("s3_access_key_secret", func(o *Options) **SecretRef { return &o.S3AccessKey }).WholeRun(artifactsRun),
	secretRef("s3_secret_key_secret", func(o *Options) **SecretRef { return &o.S3SecretKey }).WholeRun(artifactsRun),
}}

const artifactsRun = "to the whole run (every task's artifacts live in one S3 repository)"

// endpointName checks an S3 endpoint: host[:port], as Argo's s3.endpoint
// takes it (no scheme; s3_insecure picks http).
func endpointName(what, s string) error {
	host, port, hasPort := strings.Cut(s, ":")
	if s == "" || strings.Contains(s, "://") || strings.ContainsAny(s, "/{} ") || dns1123Subdomain(what, strings.ToLower(host)) != nil && !isIPv4(host) {
		return fmt.Errorf("%q is not an S3 endpoint: write host or host:port, without a scheme (s3_insecure = true for http)", s)
	}
	if hasPort {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q has an invalid port", s)
		}
	}
	return nil
}

func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 255 || p != strconv.Itoa(n) {
			return false
		}
	}
	return true
}

// regionName checks an AWS region name such as eu-west-1.
func regionName(what, s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("%q is not a region name (lower-case letters, digits and '-', e.g. eu-west-1)", s)
		}
	}
	if s == "" {
		return fmt.Errorf("the region is empty")
	}
	return nil
}

// secretRef is a field { name = "SECRET", key = "KEY" } naming one key of a
// Kubernetes Secret in the Workflow's namespace.
func secretRef(name string, field func(*Options) **SecretRef) settings.Field[Options] {
	return settings.Custom(name, func(o *Options, v ir.Value) error {
		m, err := settings.AsStringMap(v)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k != "name" && k != "key" {
				return fmt.Errorf("unknown field %q; the fields are name (the Secret) and key (its key)", k)
			}
		}
		if err := dns1123Subdomain(name+".name", m["name"]); err != nil {
			return err
		}
		if m["key"] == "" || strings.ContainsAny(m["key"], "{}/ ") {
			return fmt.Errorf("key %q is not a Secret key (letters, digits, '-', '_' and '.')", m["key"])
		}
		*field(o) = &SecretRef{Name: m["name"], Key: m["key"]}
		return nil
	})
}

// CheckSettings implements backends.SettingsChecker.
func (*Renderer) CheckSettings(p *ir.Pipeline) ir.Diagnostics { return Schema.Check(p) }

var (
	tolerationFields    = []string{"key", "operator", "value", "effect"}
	tolerationOperators = []string{"Exists", "Equal"}
	tolerationEffects   = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}
)

func decodeTolerations(v ir.Value) ([]Toleration, error) {
	if v.Kind != ir.KindList {
		return nil, fmt.Errorf("tolerations must be a list of objects {key, operator, value, effect}, not %s", v.Describe())
	}
	var out []Toleration
	for n, ev := range v.List {
		m, err := settings.AsStringMap(ev)
		if err != nil {
			return nil, fmt.Errorf("toleration %d: %s", n, err)
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(tolerationFields, k) {
				return nil, fmt.Errorf("toleration %d: unknown field %q; the fields are key, operator, value and effect.%s", n, k, ir.DidYouMean(k, tolerationFields))
			}
		}
		t := Toleration{Key: m["key"], Operator: m["operator"], Value: m["value"], Effect: m["effect"]}
		if t.Operator != "" && !slices.Contains(tolerationOperators, t.Operator) {
			return nil, fmt.Errorf("toleration %d: operator is %s, not %q", n, strings.Join(tolerationOperators, " or "), t.Operator)
		}
		if t.Effect != "" && !slices.Contains(tolerationEffects, t.Effect) {
			return nil, fmt.Errorf("toleration %d: effect is NoSchedule, PreferNoSchedule or NoExecute, not %q", n, t.Effect)
		}
		out = append(out, t)
	}
	return out, nil
}
