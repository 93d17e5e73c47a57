package airflow

import (
	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// Options are the settings of the `airflow {}` block, merged pipeline <
// defaults < task.
type Options struct {
	Operator       string // "bash" (default) or "kubernetes"
	Pool           string
	Queue          string
	PriorityWeight int // 0 = unset
	Owner          string
	// Namespace for KubernetesPodOperator pods.
	Namespace string
	// Storage overrides the pipeline's storage for Airflow; StorageConnID
	// is the Airflow connection ObjectStoragePath reaches it with.
	Storage       string
	StorageConnID string
}

// Schema is the `airflow {}` block. Every setting is an operator argument,
// so each may be set per task.
var Schema = &settings.Schema[Options]{Backend: backendName, Fields: []settings.Field[Options]{
	settings.Enum("operator", []string{"bash", "kubernetes"}, func(o *Options) *string { return &o.Operator }),
	settings.String("pool", func(o *Options) *string { return &o.Pool }),
	settings.String("queue", func(o *Options) *string { return &o.Queue }),
	settings.Int("priority_weight", 1, func(o *Options) *int { return &o.PriorityWeight }),
	settings.String("owner", func(o *Options) *string { return &o.Owner }),
	settings.String("namespace", func(o *Options) *string { return &o.Namespace }),
	settings.Storage("storage", func(o *Options) *string { return &o.Storage }).WholeRun("to the whole run (every task's artifacts live under one storage)"),
	settings.String("storage_conn_id", func(o *Options) *string { return &o.StorageConnID }).WholeRun("to the whole run (one connection reaches its storage)"),
}}

// CheckSettings implements backends.SettingsChecker.
func (*Renderer) CheckSettings(p *ir.Pipeline) ir.Diagnostics { return Schema.Check(p) }
