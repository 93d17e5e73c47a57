// Package settings decodes a backend's settings blocks (`airflow {}`,
// `argo {}`, `stepfunctions {}`) with the schema the backend declares, as a
// Terraform provider decodes its configuration. The parser keeps each block
// as an ir.Settings without knowing any field; here a backend's Schema turns
// the blocks of a pipeline into its own options struct.
//
// Blocks merge field by field: pipeline < defaults < task. Every problem is
// reported at the attribute (file:line:col): an unknown name with the
// closest known one, a value of the wrong type or outside an enum, and a
// setting of the whole run written in a task. A run-wide setting written in
// defaults means the run, like one in the pipeline block.
package settings

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dagc-dev/dagc/ir"
)

// Schema is one backend's settings block, decoded into T.
type Schema[T any] struct {
	// Backend is the backend's name, which is also the block type.
	Backend string
	Fields  []Field[T]
}

// Field is one attribute of a settings block.
type Field[T any] struct {
	Name string
	// Run marks a setting of the whole run (a namespace, a garbage
	// collection policy): it may be set in the pipeline block or in
	// defaults, not in a task. Why says why, for the diagnostic.
	Run bool
	Why string
	set func(dst *T, v ir.Value) error
}

// WholeRun returns f as a setting of the whole run; why completes "the
// <backend> backend applies <name> …".
func (f Field[T]) WholeRun(why string) Field[T] {
	f.Run, f.Why = true, why
	return f
}

// Custom is a field whose value set decodes itself; an error becomes an
// "Invalid <name>" diagnostic at the value.
func Custom[T any](name string, set func(dst *T, v ir.Value) error) Field[T] {
	return Field[T]{Name: name, set: set}
}

// typeError is a value of the wrong shape; it is reported as an
// "Incorrect attribute value type", like a language attribute.
type typeError struct{ msg string }

func (e *typeError) Error() string { return e.msg }

func typeErrorf(format string, args ...any) error { return &typeError{fmt.Sprintf(format, args...)} }

// String is a string field.
func String[T any](name string, field func(*T) *string) Field[T] {
	return Custom(name, func(dst *T, v ir.Value) error {
		s, err := AsString(v)
		if err == nil {
			*field(dst) = s
		}
		return err
	})
}

// RunStorage is the storage p's run uses on the backend: its own storage
// setting (read by field from the decoded run-wide settings), else the
// pipeline's; the pipeline's when the block does not decode.
func RunStorage[T any](s *Schema[T], p *ir.Pipeline, field func(T) string) string {
	d, diags := s.Decode(p)
	if diags.HasErrors() {
		return p.Storage
	}
	return p.StorageWith(field(d.Run))
}

// Storage is a storage URI field (DESIGN 2.6), checked by ir's one rule.
func Storage[T any](name string, field func(*T) *string) Field[T] {
	return Custom(name, func(dst *T, v ir.Value) error {
		s, err := AsString(v)
		if err != nil {
			return err
		}
		if _, err := ir.ParseStorage(s); err != nil {
			return err
		}
		*field(dst) = s
		return nil
	})
}

// Enum is a string field restricted to allowed.
func Enum[T any](name string, allowed []string, field func(*T) *string) Field[T] {
	return Custom(name, func(dst *T, v ir.Value) error {
		s, err := AsString(v)
		if err != nil {
			return err
		}
		for _, a := range allowed {
			if s == a {
				*field(dst) = s
				return nil
			}
		}
		return fmt.Errorf("%q is not allowed; use one of %s.%s", s, strings.Join(allowed, ", "), ir.DidYouMean(s, allowed))
	})
}

// Int is a whole-number field of at least min.
func Int[T any](name string, min int, field func(*T) *int) Field[T] {
	return Custom(name, func(dst *T, v ir.Value) error {
		n, err := AsInt(v)
		if err != nil {
			return err
		}
		if n < min {
			return fmt.Errorf("the value must be %d or more, not %d", min, n)
		}
		*field(dst) = n
		return nil
	})
}

// Bool is a bool field.
func Bool[T any](name string, field func(*T) *bool) Field[T] {
	return Custom(name, func(dst *T, v ir.Value) error {
		b, err := AsBool(v)
		if err == nil {
			*field(dst) = b
		}
		return err
	})
}

// Duration is a duration field ("90s", "1h30m", "1d"), parsed as the
// language's durations are.
func Duration[T any](name string, field func(*T) *time.Duration) Field[T] {
	return Custom(name, func(dst *T, v ir.Value) error {
		s, err := AsString(v)
		if err != nil {
			return err
		}
		d, err := ir.ParseDuration(s)
		if err != nil {
			return err
		}
		*field(dst) = d
		return nil
	})
}

// StringList is a list-of-strings field.
func StringList[T any](name string, field func(*T) *[]string) Field[T] {
	return Custom(name, func(dst *T, v ir.Value) error {
		l, err := AsStringList(v)
		if err == nil {
			*field(dst) = l
		}
		return err
	})
}

// StringMap is a map-of-strings field.
func StringMap[T any](name string, field func(*T) *map[string]string) Field[T] {
	return Custom(name, func(dst *T, v ir.Value) error {
		m, err := AsStringMap(v)
		if err == nil {
			*field(dst) = m
		}
		return err
	})
}

// AsString converts a value to a string; numbers and bools give their text,
// as in the language.
func AsString(v ir.Value) (string, error) {
	switch v.Kind {
	case ir.KindString, ir.KindNumber:
		return v.Str, nil
	case ir.KindBool:
		return strconv.FormatBool(v.Bool), nil
	}
	return "", typeErrorf("a string is required, not %s", v.Describe())
}

// AsBool converts a value to a bool; the strings "true" and "false" count.
func AsBool(v ir.Value) (bool, error) {
	switch {
	case v.Kind == ir.KindBool:
		return v.Bool, nil
	case v.Kind == ir.KindString && (v.Str == "true" || v.Str == "false"):
		return v.Str == "true", nil
	}
	return false, typeErrorf("a bool is required, not %s", v.Describe())
}

// AsInt converts a value to a whole number that fits an int32.
func AsInt(v ir.Value) (int, error) {
	if v.Kind != ir.KindNumber && v.Kind != ir.KindString {
		return 0, typeErrorf("a number is required, not %s", v.Describe())
	}
	f, _, err := big.ParseFloat(v.Str, 10, 512, big.ToNearestEven)
	if err != nil {
		return 0, typeErrorf("a number is required, not %s", v)
	}
	if !f.IsInt() {
		return 0, typeErrorf("a whole number is required, not %s", v.Str)
	}
	n, acc := f.Int64()
	if acc != big.Exact || n > 1<<31-1 || n < -(1<<31) {
		return 0, typeErrorf("%s is too large", v.Str)
	}
	return int(n), nil
}

// AsStringList converts a list of strings.
func AsStringList(v ir.Value) ([]string, error) {
	if v.Kind != ir.KindList {
		return nil, typeErrorf("a list of strings is required, not %s", v.Describe())
	}
	out := make([]string, 0, len(v.List))
	for i, e := range v.List {
		s, err := AsString(e)
		if err != nil {
			return nil, typeErrorf("element %d: %s", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// AsStringMap converts a map of strings.
func AsStringMap(v ir.Value) (map[string]string, error) {
	if v.Kind != ir.KindMap {
		return nil, typeErrorf("a map of strings is required, not %s", v.Describe())
	}
	out := make(map[string]string, len(v.Map))
	for _, e := range v.Map {
		s, err := AsString(e.Value)
		if err != nil {
			return nil, typeErrorf("key %q: %s", e.Key, err)
		}
		out[e.Key] = s
	}
	return out, nil
}

// Source says where the effective value of a setting was written.
type Source struct {
	Level   ir.Level
	Setting *ir.Setting
}

// Decoded is a pipeline's settings for one backend.
type Decoded[T any] struct {
	// Run holds the pipeline block's values, plus the run-wide settings
	// written in defaults: what applies to the run as a whole.
	Run T
	// tasks is what a task without a block of its own gets: pipeline <
	// defaults.
	tasks T
	own   map[*ir.Task]T
	// pipeline, defaults and ownAttrs index the attributes applied from
	// each level by name.
	pipeline, defaults map[string]*ir.Setting
	ownAttrs           map[*ir.Task]map[string]*ir.Setting
}

// Task returns the effective settings of t: pipeline < defaults < task.
func (d *Decoded[T]) Task(t *ir.Task) T {
	if o, ok := d.own[t]; ok {
		return o
	}
	return d.tasks
}

// Source reports where the value of name that applies to t came from (t
// nil: the run), and false when it was not set.
func (d *Decoded[T]) Source(t *ir.Task, name string) (Source, bool) {
	if t != nil {
		if s := d.ownAttrs[t][name]; s != nil {
			return Source{ir.LevelTask, s}, true
		}
	}
	if s := d.defaults[name]; s != nil {
		return Source{ir.LevelDefaults, s}, true
	}
	if s := d.pipeline[name]; s != nil {
		return Source{ir.LevelPipeline, s}, true
	}
	return Source{}, false
}

// Decode decodes every block of p for the schema's backend.
func (s *Schema[T]) Decode(p *ir.Pipeline) (*Decoded[T], ir.Diagnostics) {
	d := &Decoded[T]{pipeline: map[string]*ir.Setting{}, defaults: map[string]*ir.Setting{}}
	var diags ir.Diagnostics
	var pipe, defs []*ir.Settings
	for _, b := range p.Settings {
		if b.Backend != s.Backend {
			continue
		}
		switch b.Level {
		case ir.LevelDefaults:
			defs = append(defs, b)
		default:
			pipe = append(pipe, b)
		}
	}
	for _, b := range pipe {
		s.apply(&d.Run, b, nil, &diags, d.pipeline)
	}
	d.tasks = d.Run
	for _, b := range defs {
		s.apply(&d.tasks, b, nil, &diags, d.defaults)
	}
	// A run-wide setting in defaults is the run's; it was checked above.
	for _, b := range defs {
		s.apply(&d.Run, b, func(f *Field[T]) bool { return f.Run }, nil, nil)
	}
	for _, t := range p.Tasks {
		for _, b := range t.Settings {
			if b.Backend != s.Backend {
				continue
			}
			if d.own == nil {
				d.own, d.ownAttrs = map[*ir.Task]T{}, map[*ir.Task]map[string]*ir.Setting{}
			}
			o, ok := d.own[t]
			if !ok {
				o = d.tasks
				d.ownAttrs[t] = map[string]*ir.Setting{}
			}
			s.apply(&o, b, nil, &diags, d.ownAttrs[t])
			d.own[t] = o
		}
	}
	return d, diags
}

// Check decodes p and returns only the problems found.
func (s *Schema[T]) Check(p *ir.Pipeline) ir.Diagnostics {
	_, diags := s.Decode(p)
	return diags
}

// apply decodes block b over dst. only, when set, limits the fields applied;
// diags nil means the block was already checked; index records each
// attribute by name.
func (s *Schema[T]) apply(dst *T, b *ir.Settings, only func(*Field[T]) bool, diags *ir.Diagnostics, index map[string]*ir.Setting) {
	for i := range b.Attrs {
		a := &b.Attrs[i]
		f := s.field(a.Name)
		if f == nil {
			if diags != nil {
				// The closest name, or else the whole list.
				hint := ir.DidYouMean(a.Name, s.nameList())
				if hint == "" {
					hint = " Its arguments are " + s.names() + "."
				}
				diags.Errorf(a.NameRange, "Unsupported argument in "+s.Backend+" block", "An argument named %q is not expected in %s %s block.%s",
					a.Name, article(s.Backend), s.Backend, hint)
			}
			continue
		}
		if only != nil && !only(f) {
			continue
		}
		if f.Run && b.Level == ir.LevelTask {
			if diags != nil {
				diags.Errorf(a.NameRange, fmt.Sprintf("%s %s cannot be set per task", s.Backend, a.Name),
					"The %s backend applies %s %s; set it in the pipeline's %s block or in its defaults.", s.Backend, a.Name, f.Why, s.Backend)
			}
			continue
		}
		if err := f.set(dst, a.Value); err != nil {
			if diags == nil {
				continue
			}
			if _, ok := err.(*typeError); ok {
				diags.Errorf(a.Range, "Incorrect attribute value type", "Inappropriate value for %s attribute %q: %s", s.Backend, a.Name, sentence(err.Error()))
			} else {
				diags.Errorf(a.Range, fmt.Sprintf("Invalid value for %s %s", s.Backend, a.Name), "%s", sentence(upperFirst(err.Error())))
			}
			continue
		}
		if index != nil {
			index[a.Name] = a
		}
	}
}

func (s *Schema[T]) field(name string) *Field[T] {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

func (s *Schema[T]) nameList() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

func (s *Schema[T]) names() string {
	l := s.nameList()
	if len(l) < 2 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " and " + l[len(l)-1]
}

// FieldNames lists the schema's attributes in declaration order.
func (s *Schema[T]) FieldNames() []string { return s.nameList() }

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func sentence(s string) string {
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".?!") {
		return s
	}
	return s + "."
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Block builds a settings block from Go values (string, int, bool,
// []string, map[string]string), attributes sorted by name: for hand-built
// pipelines and tests.
func Block(backend string, level ir.Level, attrs map[string]any) *ir.Settings {
	b := &ir.Settings{Backend: backend, Level: level}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		b.Attrs = append(b.Attrs, ir.Setting{Name: n, Value: goValue(attrs[n])})
	}
	return b
}

func goValue(x any) ir.Value {
	switch v := x.(type) {
	case string:
		return ir.StringValue(v)
	case int:
		return ir.NumberValue(strconv.Itoa(v))
	case bool:
		return ir.BoolValue(v)
	case []string:
		out := ir.ListValue()
		for _, s := range v {
			out.List = append(out.List, ir.StringValue(s))
		}
		return out
	case map[string]string:
		out := ir.MapValue()
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out.Map = append(out.Map, ir.MapEntry{Key: k, Value: ir.StringValue(v[k])})
		}
		return out
	case []map[string]string:
		out := ir.ListValue()
		for _, m := range v {
			out.List = append(out.List, goValue(m))
		}
		return out
	case ir.Value:
		return v
	}
	panic(fmt.Sprintf("settings.Block: unsupported Go value %T", x))
}
