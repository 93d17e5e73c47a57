package stepfunctions

import (
	"fmt"

	"github.com/dagc-dev/dagc/backends/settings"
	"github.com/dagc-dev/dagc/ir"
)

// A Batch job definition and an ECS task definition fix the container
// image; the Task state can override the command and environment, not the
// image. So a task's image reaches AWS through the definition it runs:
//
//   - a task with an image and no job_definition / task_definition of its
//     own runs a definition the CloudFormation template creates for that
//     image (one per distinct image and runner, shared by the tasks that
//     use it), referenced through DefinitionSubstitutions;
//   - a task that names its own definition runs it, and its image cannot
//     be checked against it: a warning says so;
//   - an image that differs between the instances of one for_each task
//     cannot be expressed (one Task state runs every item) and is refused;
//   - the Lambda runner's function fixes its own code: a warning says the
//     image is not used.

// imageDef is one definition the template creates for an image.
type imageDef struct {
	Resource  string // logical ID, also the substitution key
	Image     string
	Container string // ECS: the container name the overrides address
}

// imageDefs are the definitions the template creates, and the one each
// task runs.
type imageDefs struct {
	Batch, ECS []imageDef
	byTask     map[string]subst
}

// taskImage is the image every instance of t runs, and whether they all
// run the same one.
func taskImage(t *ir.Task) (image string, same bool) {
	if t.Run.Image.IsLiteral() {
		return t.Run.Image.Literal(), true
	}
	ins := t.Instances()
	for _, in := range ins[1:] {
		if in.Image != ins[0].Image {
			return "", false
		}
	}
	return ins[0].Image, true
}

// planImages decides the definition of every task and reports what cannot
// be rendered (errors) or is not used (warnings).
func planImages(p *ir.Pipeline, opts *settings.Decoded[Options]) (*imageDefs, ir.Diagnostics) {
	defs := &imageDefs{byTask: map[string]subst{}}
	var diags ir.Diagnostics
	index := map[imageDef]subst{}
	for _, t := range p.Tasks {
		image, same := taskImage(t)
		if !same {
			diags = append(diags, ir.Unsupported(backendName, "an image that differs between for_each items", t,
				"One Task state runs every item, and its Batch job definition or ECS task definition fixes the image. Give the task one image, or split it into tasks per image."))
			continue
		}
		if image == "" {
			continue
		}
		o := opts.Task(t)
		var def imageDef
		switch runnerOf(o) {
		case "lambda":
			diags = append(diags, imageWarning(t, fmt.Sprintf("Task %q runs on the Lambda runner, whose function fixes its own code, so its image %q is not used.", t.Name, image)))
			continue
		case "ecs":
			if o.TaskDefinition != "" {
				diags = append(diags, imageWarning(t, fmt.Sprintf("Task %q runs the ECS task definition %q, which fixes the image; make sure it runs %q.", t.Name, o.TaskDefinition, image)))
				continue
			}
			def = imageDef{Image: image, Container: or(o.ContainerName, defaultContainerName)}
		default:
			if o.JobDefinition != "" {
				diags = append(diags, imageWarning(t, fmt.Sprintf("Task %q runs the Batch job definition %q, which fixes the image; make sure it runs %q.", t.Name, o.JobDefinition, image)))
				continue
			}
			def = imageDef{Image: image}
		}
		ref, ok := index[def]
		if !ok {
			if def.Container != "" {
				def.Resource = fmt.Sprintf("TaskDefinition%d", len(defs.ECS)+1)
				defs.ECS = append(defs.ECS, def)
			} else {
				def.Resource = fmt.Sprintf("JobDefinition%d", len(defs.Batch)+1)
				defs.Batch = append(defs.Batch, def)
			}
			ref = subst("${" + def.Resource + "}")
			def.Resource = ""
			index[def] = ref
		}
		defs.byTask[t.Name] = ref
	}
	return defs, diags
}

func imageWarning(t *ir.Task, detail string) ir.Diagnostic {
	return ir.Diagnostic{Severity: ir.Warning, Summary: "Image fixed by the runner", Detail: detail + " (stepfunctions backend)", Subject: t.Range}
}

// all lists every definition, Batch first, for the template's
// substitutions.
func (d *imageDefs) all() []imageDef { return append(append([]imageDef(nil), d.Batch...), d.ECS...) }
