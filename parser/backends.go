package parser

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/dagc-dev/dagc/ir"
)

// The per-backend blocks have fixed schemas mirroring ir.AirflowOptions,
// ir.ArgoOptions and ir.StepFunctionsOptions. Each decoder starts from base
// and overwrites only the attributes given, which is the field-by-field
// merge of pipeline < defaults < task.

var airflowSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "operator"}, {Name: "pool"}, {Name: "queue"}, {Name: "priority_weight"}, {Name: "owner"}, {Name: "namespace"},
}}

var argoSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "namespace"}, {Name: "service_account"}, {Name: "node_selector"}, {Name: "tolerations"},
	{Name: "image_pull_secrets"}, {Name: "pod_gc"}, {Name: "ttl_after_completion"},
	{Name: "ttl_after_success"}, {Name: "ttl_after_failure"}, {Name: "labels"}, {Name: "annotations"},
}}

var stepFunctionsSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "runner"}, {Name: "job_queue"}, {Name: "job_definition"}, {Name: "cluster"},
	{Name: "task_definition"}, {Name: "launch_type"}, {Name: "subnets"}, {Name: "security_groups"},
	{Name: "assign_public_ip"}, {Name: "container_name"}, {Name: "function_name"}, {Name: "role_arn"},
}}

var backendScope = scope{
	eachReason:    "per-backend settings are the same for every instance, so they cannot use each.key or each.value.",
	runtimeReason: "per-backend settings are fixed when the pipeline is compiled.",
}

// enumAttr reads a string attribute restricted to a set of values.
func (c *compiler) enumAttr(content *hcl.BodyContent, name string, allowed []string) (string, bool) {
	a, s, ok := c.attrStringR(content, name, c.ctx, backendScope)
	if !ok {
		return "", false
	}
	if !contains(allowed, s) {
		c.errorf(a.Expr.Range(), "Invalid value for "+name, "%q is not allowed; use one of %s.%s", s, strings.Join(allowed, ", "), didYouMean(s, allowed))
		return "", false
	}
	return s, true
}

func (c *compiler) decodeAirflow(b *hcl.Block, base ir.AirflowOptions) ir.AirflowOptions {
	content, ds := b.Body.Content(airflowSchema)
	c.addDiags(ds)
	sc := backendScope
	if s, ok := c.enumAttr(content, "operator", []string{"bash", "kubernetes"}); ok {
		base.Operator = s
	}
	if s, ok := c.attrString(content, "pool", c.ctx, sc); ok {
		base.Pool = s
	}
	if s, ok := c.attrString(content, "queue", c.ctx, sc); ok {
		base.Queue = s
	}
	if a, n, ok := c.attrIntR(content, "priority_weight", c.ctx, sc); ok {
		if n < 1 {
			c.errorf(a.Expr.Range(), "Invalid priority_weight", "priority_weight must be 1 or more.")
		} else {
			base.PriorityWeight = n
		}
	}
	if s, ok := c.attrString(content, "owner", c.ctx, sc); ok {
		base.Owner = s
	}
	if s, ok := c.attrString(content, "namespace", c.ctx, sc); ok {
		base.Namespace = s
	}
	return base
}

var tolerationFields = []string{"key", "operator", "value", "effect"}

func (c *compiler) decodeArgo(b *hcl.Block, base ir.ArgoOptions) ir.ArgoOptions {
	content, ds := b.Body.Content(argoSchema)
	c.addDiags(ds)
	sc := backendScope
	if s, ok := c.attrString(content, "namespace", c.ctx, sc); ok {
		base.Namespace = s
	}
	if s, ok := c.attrString(content, "service_account", c.ctx, sc); ok {
		base.ServiceAccount = s
	}
	if m, ok := c.attrStringMap(content, "node_selector", c.ctx, sc); ok {
		base.NodeSelector = m
	}
	if a, v, ok := c.attrValue(content, "tolerations", c.ctx, sc); ok {
		if tols, err := decodeTolerations(v); err != nil {
			c.errorf(a.Expr.Range(), "Invalid tolerations", "%s", sentence(err.Error()))
		} else {
			base.Tolerations = tols
		}
	}
	if l, ok := c.attrStringList(content, "image_pull_secrets", c.ctx, sc); ok {
		base.ImagePullSecrets = l
	}
	if s, ok := c.enumAttr(content, "pod_gc", []string{"OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess"}); ok {
		base.PodGC = s
	}
	if d, ok := c.attrDuration(content, "ttl_after_completion", c.ctx, sc); ok {
		base.TTLAfterCompletion = d
	}
	if d, ok := c.attrDuration(content, "ttl_after_success", c.ctx, sc); ok {
		base.TTLAfterSuccess = d
	}
	if d, ok := c.attrDuration(content, "ttl_after_failure", c.ctx, sc); ok {
		base.TTLAfterFailure = d
	}
	if m, ok := c.attrStringMap(content, "labels", c.ctx, sc); ok {
		base.Labels = m
	}
	if m, ok := c.attrStringMap(content, "annotations", c.ctx, sc); ok {
		base.Annotations = m
	}
	return base
}

func decodeTolerations(v cty.Value) ([]ir.Toleration, error) {
	ty := v.Type()
	if !(ty.IsListType() || ty.IsTupleType()) {
		return nil, fmt.Errorf("tolerations must be a list of objects {key, operator, value, effect}, not %s", typeName(v))
	}
	var out []ir.Toleration
	for it := v.ElementIterator(); it.Next(); {
		i, ev := it.Element()
		n, _ := i.AsBigFloat().Int64()
		m, err := toStringMap(ev)
		if err != nil {
			return nil, fmt.Errorf("toleration %d: %s", n, err)
		}
		for k := range m {
			if !contains(tolerationFields, k) {
				return nil, fmt.Errorf("toleration %d: unknown field %q; the fields are key, operator, value and effect.%s", n, k, didYouMean(k, tolerationFields))
			}
		}
		t := ir.Toleration{Key: m["key"], Operator: m["operator"], Value: m["value"], Effect: m["effect"]}
		if t.Operator != "" && t.Operator != "Exists" && t.Operator != "Equal" {
			return nil, fmt.Errorf("toleration %d: operator is Exists or Equal, not %q", n, t.Operator)
		}
		if t.Effect != "" && !contains([]string{"NoSchedule", "PreferNoSchedule", "NoExecute"}, t.Effect) {
			return nil, fmt.Errorf("toleration %d: effect is NoSchedule, PreferNoSchedule or NoExecute, not %q", n, t.Effect)
		}
		out = append(out, t)
	}
	return out, nil
}

func (c *compiler) decodeStepFunctions(b *hcl.Block, base ir.StepFunctionsOptions) ir.StepFunctionsOptions {
	content, ds := b.Body.Content(stepFunctionsSchema)
	c.addDiags(ds)
	sc := backendScope
	if s, ok := c.enumAttr(content, "runner", []string{"batch", "ecs", "lambda"}); ok {
		base.Runner = s
	}
	strs := []struct {
		name string
		dst  *string
	}{
		{"job_queue", &base.JobQueue}, {"job_definition", &base.JobDefinition}, {"cluster", &base.Cluster},
		{"task_definition", &base.TaskDefinition}, {"container_name", &base.ContainerName},
		{"function_name", &base.FunctionName}, {"role_arn", &base.RoleArn},
	}
	for _, f := range strs {
		if s, ok := c.attrString(content, f.name, c.ctx, sc); ok {
			*f.dst = s
		}
	}
	if s, ok := c.enumAttr(content, "launch_type", []string{"FARGATE", "EC2", "EXTERNAL"}); ok {
		base.LaunchType = s
	}
	if l, ok := c.attrStringList(content, "subnets", c.ctx, sc); ok {
		base.Subnets = l
	}
	if l, ok := c.attrStringList(content, "security_groups", c.ctx, sc); ok {
		base.SecurityGroups = l
	}
	if v, ok := c.attrBool(content, "assign_public_ip", c.ctx, sc); ok {
		base.AssignPublicIP = v
	}
	return base
}
