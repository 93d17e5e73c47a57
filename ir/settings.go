package ir

import (
	"strconv"
	"strings"
)

// Level is where a per-backend settings block was written.
type Level string

const (
	// LevelPipeline is a block inside `pipeline {}`.
	LevelPipeline Level = "pipeline"
	// LevelDefaults is a block inside `pipeline { defaults {} }`: it applies
	// to every task, and a setting that can only mean the whole run counts
	// as pipeline-level there.
	LevelDefaults Level = "defaults"
	// LevelTask is a block inside `task "x" {}`.
	LevelTask Level = "task"
)

// Settings is one per-backend block (`airflow {}`, `argo {}`, …) as
// written. The parser only evaluates its attributes at compile time; the
// backend named by Backend owns the schema that decodes them
// (backends/settings), so nothing here names a backend's field.
type Settings struct {
	// Backend is the block type, which is the backend's name.
	Backend string
	Level   Level
	// Range is the block's type name, for problems with the whole block.
	Range Range
	// Attrs are the attributes given, in source order. An attribute set to
	// null is left out, as if it were not written.
	Attrs []Setting
}

// Setting is one attribute of a settings block.
type Setting struct {
	Name      string
	Value     Value
	NameRange Range
	// Range is the value expression's range.
	Range Range
}

// ValueKind is the shape of a compile-time value.
type ValueKind string

const (
	KindString ValueKind = "string"
	KindNumber ValueKind = "number"
	KindBool   ValueKind = "bool"
	KindList   ValueKind = "list" // lists, tuples and sets
	KindMap    ValueKind = "map"  // maps and objects
	KindNull   ValueKind = "null" // a null inside a list or map
)

// Value is a compile-time value in plain Go form.
type Value struct {
	Kind ValueKind
	// Str is the text of a string, or of a number as the shortest exact
	// decimal ("3", "0.5", "1000000000000000000000").
	Str  string     `json:",omitempty"`
	Bool bool       `json:",omitempty"`
	List []Value    `json:",omitempty"`
	Map  []MapEntry `json:",omitempty"` // sorted by Key
}

// MapEntry is one key of a map value.
type MapEntry struct {
	Key   string
	Value Value
}

// StringValue, NumberValue, BoolValue and ListValue build values, for
// hand-built pipelines and tests.
func StringValue(s string) Value    { return Value{Kind: KindString, Str: s} }
func NumberValue(s string) Value    { return Value{Kind: KindNumber, Str: s} }
func BoolValue(b bool) Value        { return Value{Kind: KindBool, Bool: b} }
func ListValue(vs ...Value) Value   { return Value{Kind: KindList, List: vs} }
func MapValue(es ...MapEntry) Value { return Value{Kind: KindMap, Map: es} }

// Describe names the value's kind for messages: "a string", "a list", ….
func (v Value) Describe() string {
	switch v.Kind {
	case KindNull:
		return "null"
	case KindList:
		return "a list"
	case KindMap:
		return "a map"
	}
	return "a " + string(v.Kind)
}

// String renders a value in HCL-like form for messages.
func (v Value) String() string {
	switch v.Kind {
	case KindString:
		return strconv.Quote(v.Str)
	case KindNumber:
		return v.Str
	case KindBool:
		if v.Bool {
			return "true"
		}
		return "false"
	case KindList:
		parts := make([]string, len(v.List))
		for i, e := range v.List {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case KindMap:
		parts := make([]string, len(v.Map))
		for i, e := range v.Map {
			parts[i] = e.Key + " = " + e.Value.String()
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return "null"
}

// BackendSettings returns the pipeline's blocks for backend (pipeline and
// defaults level), in source order.
func (p *Pipeline) BackendSettings(backend string) []*Settings {
	return filterSettings(p.Settings, backend)
}

// BackendSettings returns the task's own blocks for backend.
func (t *Task) BackendSettings(backend string) []*Settings {
	return filterSettings(t.Settings, backend)
}

func filterSettings(all []*Settings, backend string) []*Settings {
	var out []*Settings
	for _, s := range all {
		if s.Backend == backend {
			out = append(out, s)
		}
	}
	return out
}
