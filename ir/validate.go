package ir

import "sort"

// Validate checks a pipeline built by the parser or by hand and puts its
// Tasks in stable topological order (ties by name). It reports every
// problem it finds; the pipeline is usable by backends only when no error
// is returned.
//
// Placeholder: orders tasks by name only until graph validation lands.
func Validate(p *Pipeline) Diagnostics {
	sort.SliceStable(p.Tasks, func(i, j int) bool { return p.Tasks[i].Name < p.Tasks[j].Name })
	return nil
}
