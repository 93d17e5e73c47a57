package stepfunctions

import (
	"bytes"
	"fmt"
	"path/filepath"
	"text/template"

	"github.com/dagc-dev/dagc/backends/yamlquote"
	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/templates"
)

var cfnTemplate = template.Must(template.New("stepfunctions_cfn.tmpl").
	Option("missingkey=error").
	Funcs(template.FuncMap{"yamlStr": yamlStr}).
	ParseFS(templates.FS, "stepfunctions_cfn.tmpl"))

// cfnMachine is one state machine of the template: the pipeline's, or a
// child machine (parts.go) that the root starts.
type cfnMachine struct {
	Resource, Name string
	// File is the definition's file, referenced by the template when the
	// definitions do not fit in it (DefinitionS3Location, a local path that
	// aws cloudformation package uploads).
	File       string
	Definition []byte
	// Parts are the numbers of the child machines this one starts; their
	// ARNs are substituted for ${PartNArn}.
	Parts []int
}

type cfnData struct {
	File, Name, Description, RoleArn string
	Machines                         []cfnMachine
	Packaged                         bool
	Tags                             []string
	// Images are the distinct task images, in pipeline order: Batch job
	// definitions and ECS task definitions fix the image, so they must
	// match (the definition itself does not name images).
	Images []string
	// JobDefinitions and TaskDefinitions are the Batch and ECS
	// definitions created for the tasks' images (images.go).
	JobDefinitions, TaskDefinitions []imageDef
	// Substitutions are the definition placeholders every machine may
	// use, besides its parts.
	Substitutions                                      []string
	Schedule, ScheduleDescription, Timezone, StartDate string
	// Storage is set when tasks move artifacts: the containers then run
	// as ArtifactsRoleArn, which must reach it.
	Storage string
}

// cloudFormation renders <name>.cfn.yaml around the definitions.
func cloudFormation(p *ir.Pipeline, run Options, images *imageDefs, machines []cfnMachine, packaged bool) ([]byte, ir.Diagnostics) {
	var diags ir.Diagnostics
	d := cfnData{
		Packaged:    packaged,
		File:        filepath.Base(p.File),
		Name:        p.Name,
		Description: p.Description,
		RoleArn:     run.RoleArn,
		Tags:        p.Tags,
	}
	if p.UsesArtifacts() && len(images.all()) > 0 {
		// Only definitions made here get the role; a named one has its own.
		d.Storage = storageOf(p, run)
	}
	d.JobDefinitions, d.TaskDefinitions = images.Batch, images.ECS
	for _, def := range images.all() {
		d.Substitutions = append(d.Substitutions, def.Resource)
	}
	seen := map[string]bool{}
	for _, t := range p.Tasks {
		for _, in := range t.Instances() {
			if in.Image != "" && !seen[in.Image] {
				seen[in.Image] = true
				d.Images = append(d.Images, in.Image)
			}
		}
	}
	for _, m := range machines {
		if len(m.Name) > 80 {
			m.Name = m.Name[:80]
		}
		d.Machines = append(d.Machines, m)
	}
	if d.Description == "" {
		d.Description = "dagc pipeline " + p.Name
	}
	if p.Schedule != "" {
		cron, err := eventBridgeCron(p.Schedule)
		if err != nil {
			diags = append(diags, ir.Unsupported(backendName, "this schedule", nil, err.Error()))
			diags[len(diags)-1].Subject = p.Range
		}
		d.Schedule = cron
		d.ScheduleDescription = fmt.Sprintf("Runs pipeline %s on %s.", p.Name, p.Schedule)
		d.Timezone = p.Timezone
		if p.StartDate != "" {
			d.StartDate = p.StartDate + "T00:00:00Z"
		}
		if p.Catchup {
			diags = append(diags, ir.Diagnostic{
				Severity: ir.Warning,
				Summary:  "catchup is not supported by the stepfunctions backend",
				Detail:   fmt.Sprintf("pipeline %q sets catchup = true; EventBridge Scheduler starts runs from now on and never for past dates. Start missed runs by hand.", p.Name),
				Subject:  p.Range,
			})
		}
	}
	var b bytes.Buffer
	if err := cfnTemplate.Execute(&b, d); err != nil {
		diags.Errorf(p.Range, "Cannot render the CloudFormation template", "%v", err)
		return nil, diags
	}
	return b.Bytes(), diags
}

// yamlStr quotes s as a YAML double-quoted scalar.
func yamlStr(s string) string { return yamlquote.Str(s) }
