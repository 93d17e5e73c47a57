package stepfunctions

import (
	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// Options are the settings of the `stepfunctions {}` block.
type Options struct {
	Runner string // "batch" (default), "ecs" or "lambda"
	// batch
	JobQueue      string
	JobDefinition string
	// ecs
	Cluster        string
	TaskDefinition string
	LaunchType     string // e.g. "FARGATE"
	Subnets        []string
	SecurityGroups []string
	AssignPublicIP bool
	ContainerName  string
	// lambda
	FunctionName string
	// RoleArn is the execution role for the state machine (CloudFormation).
	RoleArn string
	// Storage overrides the pipeline's storage for this backend.
	Storage string

	// definition is the job or task definition the template creates for
	// the task's image, set by the builder (images.go); "" = the named one.
	definition subst
	// inputsFrom is the task's DAGC_INPUTS_FROM, set by the builder.
	inputsFrom string
}

// Schema is the `stepfunctions {}` block. The runner and its parameters
// are per Task state, so each may differ per task; the execution role
// belongs to the state machine.
var Schema = &settings.Schema[Options]{Backend: backendName, Fields: []settings.Field[Options]{
	settings.Enum("runner", []string{"batch", "ecs", "lambda"}, func(o *Options) *string { return &o.Runner }),
	settings.String("job_queue", func(o *Options) *string { return &o.JobQueue }),
	settings.String("job_definition", func(o *Options) *string { return &o.JobDefinition }),
	settings.String("cluster", func(o *Options) *string { return &o.Cluster }),
	settings.String("task_definition", func(o *Options) *string { return &o.TaskDefinition }),
	settings.Enum("launch_type", []string{"FARGATE", "EC2", "EXTERNAL"}, func(o *Options) *string { return &o.LaunchType }),
	settings.StringList("subnets", func(o *Options) *[]string { return &o.Subnets }),
	settings.StringList("security_groups", func(o *Options) *[]string { return &o.SecurityGroups }),
	settings.Bool("assign_public_ip", func(o *Options) *bool { return &o.AssignPublicIP }),
	settings.String("container_name", func(o *Options) *string { return &o.ContainerName }),
	settings.String("function_name", func(o *Options) *string { return &o.FunctionName }),
	settings.String("role_arn", func(o *Options) *string { return &o.RoleArn }).WholeRun("to the state machine (its execution role in the CloudFormation template)"),
	settings.Storage("storage", func(o *Options) *string { return &o.Storage }).WholeRun("to the whole run (every task's artifacts live under one storage)"),
}}

// CheckSettings implements backends.SettingsChecker.
func (*Renderer) CheckSettings(p *ir.Pipeline) ir.Diagnostics { return Schema.Check(p) }
