package stepfunctions

import (
	"bytes"
	"fmt"
	"github.com/dagc-dev/dagc/backends/yamlquote"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/templates"
)

var cfnTemplate = template.Must(template.New("stepfunctions_cfn.tmpl").
	Option("missingkey=error").
	Funcs(template.FuncMap{"yamlStr": yamlStr}).
	ParseFS(templates.FS, "stepfunctions_cfn.tmpl"))

type cfnData struct {
	File, Name, Description, MachineName, RoleArn, Definition string
	Tags                                                      []string
	Schedule, ScheduleDescription, Timezone, StartDate        string
}

// cloudFormation renders <name>.cfn.yaml around the definition.
func cloudFormation(p *ir.Pipeline, run Options, definition []byte) ([]byte, ir.Diagnostics) {
	var diags ir.Diagnostics
	d := cfnData{
		File:        filepath.Base(p.File),
		Name:        p.Name,
		Description: p.Description,
		MachineName: batchJobName(p.Name),
		RoleArn:     run.RoleArn,
		Definition:  string(definition),
		Tags:        p.Tags,
	}
	// "${" can only occur inside a JSON string of the definition; written
	// "$\u007b" it is the same JSON, and CloudFormation (and cfn-lint) see
	// no substitution syntax in it.
	d.Definition = strings.ReplaceAll(d.Definition, "${", `$\u007b`)
	if d.Description == "" {
		d.Description = "dagc pipeline " + p.Name
	}
	if len(d.MachineName) > 80 {
		d.MachineName = d.MachineName[:80]
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
		if d.Timezone == "" {
			d.Timezone = "UTC"
		}
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
