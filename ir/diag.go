package ir

import (
	"fmt"
	"strings"
)

// Severity of a diagnostic.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Diagnostic is a problem found in a pipeline, by validation or by a backend
// that cannot express a feature. Subject is the narrowest range that shows
// the problem; it may be zero for whole-file problems.
type Diagnostic struct {
	Severity Severity
	Summary  string
	Detail   string
	Subject  Range
}

// Diagnostics is a list of problems.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errorf appends an error diagnostic.
func (ds *Diagnostics) Errorf(subject Range, summary, detailFormat string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Error, Summary: summary, Detail: fmt.Sprintf(detailFormat, args...), Subject: subject})
}

// Unsupported returns the diagnostic a backend gives for a feature it cannot
// express: it names the feature, the task and the backend.
func Unsupported(backend, feature string, t *Task, detail string) Diagnostic {
	where := "pipeline"
	subject := Range{}
	if t != nil {
		where = fmt.Sprintf("task %q", t.Name)
		subject = t.Range
	}
	return Diagnostic{
		Severity: Error,
		Summary:  fmt.Sprintf("%s is not supported by the %s backend", feature, backend),
		Detail:   strings.TrimSpace(fmt.Sprintf("%s uses %s, which the %s backend cannot express. %s", where, feature, backend, detail)),
		Subject:  subject,
	}
}

func (d Diagnostic) Error() string {
	loc := ""
	if d.Subject.Filename != "" {
		loc = fmt.Sprintf("%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	s := loc + string(d.Severity) + ": " + d.Summary
	if d.Detail != "" {
		s += "; " + d.Detail
	}
	return s
}
