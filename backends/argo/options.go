package argo

import (
	"fmt"
	"maps"
	"slices"
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
}}

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
