package stepfunctions

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dagc-dev/dagc/ir"
)

// Defaults used when the stepfunctions block leaves a runner setting out:
// resources of these names are what a deployment provides (docs).
const (
	defaultJobQueue       = "dagc"
	defaultJobDefinition  = "dagc"
	defaultCluster        = "default"
	defaultTaskDefinition = "dagc"
	defaultContainerName  = "dagc"
	defaultFunctionName   = "dagc"
)

// maxOverrides is the size limit of a container's overrides (ECS documents
// 8192 characters for RunTask overrides; dagc holds Batch to the same).
const maxOverrides = 8192

func runnerOf(o Options) string {
	if o.Runner == "" {
		return "batch"
	}
	return o.Runner
}

// callback reports whether the task reports its outputs through a task
// token (.waitForTaskToken) rather than finishing a .sync job. A task with
// retry { on_exit_codes } uses it too: a failed .sync job is only
// States.TaskFailed, while the container names its error with the exit
// code (exitError).
func callback(t *ir.Task, o Options) bool {
	return (len(t.Outputs) > 0 || retriesOnCodes(t)) && runnerOf(o) != "lambda"
}

func retriesOnCodes(t *ir.Task) bool { return t.Retry.Attempts > 0 && len(t.Retry.OnExitCodes) > 0 }

// exitError is the error name the container (or the Lambda function)
// reports when the command exited with this code (docs/stepfunctions.md).
func exitError(code int) string { return "dagc.exit." + strconv.Itoa(code) }

// resource is the Task state's Resource ARN.
func resource(t *ir.Task, o Options) string {
	switch runnerOf(o) {
	case "ecs":
		if callback(t, o) {
			return "arn:aws:states:::ecs:runTask.waitForTaskToken"
		}
		return "arn:aws:states:::ecs:runTask.sync"
	case "lambda":
		return "arn:aws:states:::lambda:invoke"
	}
	if callback(t, o) {
		// The optimized Batch integration has no callback pattern; the
		// AWS SDK integration of SubmitJob has.
		return "arn:aws:states:::aws-sdk:batch:submitJob.waitForTaskToken"
	}
	return "arn:aws:states:::batch:submitJob.sync"
}

// environment is the container environment of an instance: the task's env
// plus the variables of the dagc container contract (docs/stepfunctions.md).
func environment(t *ir.Task, o Options, tp *ir.Template, lt *litTable) []obj {
	var env []obj
	add := func(name string, value ir.Str) {
		e := obj{{"Name", name}}
		setStr(&e, "Value", value, lt)
		env = append(env, e)
	}
	for _, e := range tp.Env {
		add(e.Name, e.Value)
	}
	add("DAGC_TASK", ir.Lit(t.Name))
	add("DAGC_INSTANCE", instanceKey(t))
	env = append(env, obj{{"Name", "DAGC_RUN_ID"}, {"Value.$", "$.run.id"}})
	attempt := obj{{"Name", "DAGC_ATTEMPT"}}
	setAttempt(t, &attempt)
	env = append(env, attempt)
	if len(tp.Workdir.Parts) > 0 {
		add("DAGC_WORKDIR", tp.Workdir)
	}
	if len(t.Outputs) > 0 {
		add("DAGC_OUTPUT_NAMES", ir.Lit(strings.Join(t.Outputs, ",")))
	}
	if len(t.Artifacts) > 0 || len(t.Inputs) > 0 {
		add("DAGC_STORAGE", ir.Lit(o.Storage))
		if t.ForEach != nil {
			add("DAGC_FOR_EACH", ir.Lit("true"))
		}
	}
	if len(t.Artifacts) > 0 {
		add("DAGC_ARTIFACT_NAMES", ir.Lit(strings.Join(t.Artifacts, ",")))
	}
	if len(t.Inputs) > 0 {
		add("DAGC_INPUTS_FROM", ir.Lit(o.inputsFrom))
	}
	if callback(t, o) {
		env = append(env, obj{{"Name", "DAGC_TASK_TOKEN"}, {"Value.$", "$$.Task.Token"}})
	}
	return env
}

// inputsFrom is DAGC_INPUTS_FROM (internal/entrypoint): NAME=TASK/ARTIFACT,
// or NAME=TASK/*/ARTIFACT for a for_each producer.
func inputsFrom(p *ir.Pipeline, t *ir.Task) string {
	items := make([]string, len(t.Inputs))
	for i, in := range t.Inputs {
		inst := ""
		if prod := p.Task(in.Task); prod != nil && prod.ForEach != nil {
			inst = "*/"
		}
		items[i] = in.Name + "=" + in.Task + "/" + inst + in.Artifact
	}
	return strings.Join(items, ",")
}

// instanceKey is each.key: "" for a task without for_each, else the Map
// item's key.
func instanceKey(t *ir.Task) ir.Str {
	if t.ForEach == nil {
		return ir.Str{}
	}
	return ir.Str{Parts: []ir.Part{{Ref: &ir.Ref{Kind: ir.RefEachKey}}}}
}

// parameters builds the Task state's Parameters from the task's template
// (rendered once, also for a for_each task).
func parameters(t *ir.Task, o Options, tp *ir.Template, jobName string, lt *litTable) obj {
	argv := tp.Argv()
	switch runnerOf(o) {
	case "lambda":
		payload := obj{{"task", t.Name}}
		setStr(&payload, "instance", instanceKey(t), lt)
		setArgv(&payload, "command", argv, lt)
		payload.set("env", environment(t, o, tp, lt))
		setStr(&payload, "workdir", tp.Workdir, lt)
		payload.set("outputs", nonNil(t.Outputs))
		return obj{{"FunctionName", or(o.FunctionName, defaultFunctionName)}, {"Payload", payload}}
	case "ecs":
		co := obj{{"Name", or(o.ContainerName, defaultContainerName)}}
		setArgv(&co, "Command", argv, lt)
		co.set("Environment", environment(t, o, tp, lt))
		if cpu, ok := cpuUnits(t.Resources.CPU); ok {
			co.set("Cpu", cpu)
		}
		if mem, ok := memoryMiB(t.Resources.Memory); ok {
			co.set("Memory", mem)
		}
		if t.Resources.GPU > 0 {
			co.set("ResourceRequirements", []obj{{{"Type", "GPU"}, {"Value", strconv.Itoa(t.Resources.GPU)}}})
		}
		p := obj{{"Cluster", or(o.Cluster, defaultCluster)}, {"TaskDefinition", definition(o, o.TaskDefinition, defaultTaskDefinition)}}
		if o.LaunchType != "" {
			p.set("LaunchType", o.LaunchType)
		}
		if len(o.Subnets) > 0 || len(o.SecurityGroups) > 0 {
			vpc := obj{{"Subnets", nonNil(o.Subnets)}}
			if len(o.SecurityGroups) > 0 {
				vpc.set("SecurityGroups", o.SecurityGroups)
			}
			ip := "DISABLED"
			if o.AssignPublicIP {
				ip = "ENABLED"
			}
			vpc.set("AssignPublicIp", ip)
			p.set("NetworkConfiguration", obj{{"AwsvpcConfiguration", vpc}})
		}
		p.set("Overrides", obj{{"ContainerOverrides", []obj{co}}})
		return p
	}
	co := obj{}
	setArgv(&co, "Command", argv, lt)
	co.set("Environment", environment(t, o, tp, lt))
	var rr []obj
	if t.Resources.CPU != "" {
		if v, ok := vcpus(t.Resources.CPU); ok {
			rr = append(rr, obj{{"Type", "VCPU"}, {"Value", v}})
		}
	}
	if mem, ok := memoryMiB(t.Resources.Memory); ok {
		rr = append(rr, obj{{"Type", "MEMORY"}, {"Value", strconv.Itoa(mem)}})
	}
	if t.Resources.GPU > 0 {
		rr = append(rr, obj{{"Type", "GPU"}, {"Value", strconv.Itoa(t.Resources.GPU)}})
	}
	if len(rr) > 0 {
		co.set("ResourceRequirements", rr)
	}
	return obj{
		{"JobName", jobName},
		{"JobQueue", or(o.JobQueue, defaultJobQueue)},
		{"JobDefinition", definition(o, o.JobDefinition, defaultJobDefinition)},
		{"ContainerOverrides", co},
	}
}

// definition is the job or task definition a Task state names: the one
// the template creates for the task's image, else the one the settings
// name, else the default.
func definition(o Options, named, def string) any {
	if o.definition != "" {
		return o.definition
	}
	return or(named, def)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// cpuQuantity parses a Kubernetes CPU quantity ("2", "0.5", "500m") into
// cores.
func cpuQuantity(q string) (float64, bool) {
	if q == "" {
		return 0, false
	}
	if m, ok := strings.CutSuffix(q, "m"); ok {
		f, err := strconv.ParseFloat(m, 64)
		return f / 1000, err == nil && f > 0
	}
	f, err := strconv.ParseFloat(q, 64)
	return f, err == nil && f > 0
}

// vcpus renders cores as Batch's VCPU value ("2", "0.5").
func vcpus(q string) (string, bool) {
	f, ok := cpuQuantity(q)
	if !ok {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

// cpuUnits renders cores as ECS CPU units (1024 per core).
func cpuUnits(q string) (int, bool) {
	f, ok := cpuQuantity(q)
	if !ok {
		return 0, false
	}
	return int(math.Ceil(f * 1024)), true
}

var memUnits = []struct {
	suffix string
	bytes  float64
}{
	{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
	{"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
}

// memoryMiB parses a Kubernetes memory quantity into whole MiB (rounded
// up), the unit Batch and ECS use.
func memoryMiB(q string) (int, bool) {
	if q == "" {
		return 0, false
	}
	mult := 1.0
	num := q
	for _, u := range memUnits {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			num, mult = n, u.bytes
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	return int(math.Ceil(f * mult / (1 << 20))), true
}

// overridesSize estimates the size of an instance's container overrides:
// the literal text of its command and environment (references count as
// their source form; their run-time values come on top).
func overridesSize(in *ir.Instance) int {
	n := 0
	for _, a := range in.Argv() {
		n += len(a.Literal()) + 3
	}
	for _, e := range in.Env {
		n += len(e.Name) + len(e.Value.Literal()) + 20
	}
	return n
}

func describeInstance(t *ir.Task, in *ir.Instance) string {
	if t.ForEach == nil {
		return fmt.Sprintf("task %q", t.Name)
	}
	return fmt.Sprintf("task %q instance %q", t.Name, in.Key)
}
