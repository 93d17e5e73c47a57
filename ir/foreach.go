package ir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ForEach is the item source of a for_each task (DESIGN 1, 2.5). The task
// holds one Template; each instance is that template applied to one item.
type ForEach struct {
	// Items are the static items, known at compile time, in the order of
	// each.key (sorted keys for maps and sets, index order for lists).
	// Empty when Source is set.
	Items []Item
	// Source is a run-time item source (task.X.outputs.Y or param.P,
	// DESIGN 2.5): a JSON array of strings or of flat objects of strings,
	// known only when the run reaches the task. nil for static items. The
	// parser does not produce it yet and Validate rejects it until the
	// backends render it.
	Source *Ref
	// Exprs are the source texts of the template's derived expressions:
	// sub-expressions that use each other than as a bare reference
	// (upper(each.value), var.m[each.key]), evaluated at compile time once
	// per item. A RefEachExpr with Index i reads Item.Exprs[i].
	Exprs []string
	// MaxParallel caps how many instances run at once (max_parallel);
	// 0 = no cap beyond the pipeline's concurrency. It is a property of
	// the fan-out, so only a for_each task can carry it.
	MaxParallel int
	Range       Range
}

// Item is one element of a static for_each, as data.
type Item struct {
	// Key is each.key: a list element's index in decimal, a set's element,
	// a map's key.
	Key string
	// Value is each.value as text: a string as is, a number in canonical
	// form, a bool as true/false, anything else as its JSON encoding.
	Value string
	// Fields are each.value.NAME for an object value: its attributes that
	// are strings, numbers or bools, as text. nil for other values.
	Fields map[string]string
	// Exprs holds the item's text of each derived expression, by index
	// (ForEach.Exprs).
	Exprs []string
}

// Text returns the item's text for an each reference, and whether the
// reference is one the item has.
func (it *Item) Text(r *Ref) (string, bool) {
	switch r.Kind {
	case RefEachKey:
		return it.Key, true
	case RefEachValue:
		return it.Value, true
	case RefEachField:
		s, ok := it.Fields[r.Name]
		return s, ok
	case RefEachExpr:
		if r.Index >= 0 && r.Index < len(it.Exprs) {
			return it.Exprs[r.Index], true
		}
	}
	return "", false
}

// IsEach reports whether a reference kind is to the current item (each.*):
// resolved per instance, never by the engine's run-time state.
func (k RefKind) IsEach() bool {
	return k == RefEachKey || k == RefEachValue || k == RefEachField || k == RefEachExpr
}

// NumInstances is the number of instances of a static task: 1 without
// for_each, else the number of items.
func (t *Task) NumInstances() int {
	if t.ForEach == nil {
		return 1
	}
	return len(t.ForEach.Items)
}

// IsDynamic reports whether the task fans out over a run-time value.
func (t *Task) IsDynamic() bool { return t.ForEach != nil && t.ForEach.Source != nil }

// InstancesOf expands the task's template over items decoded at run time
// (DecodeItems), as Instances does over static ones.
func (t *Task) InstancesOf(items []Item) []*Instance {
	out := make([]*Instance, len(items))
	for i := range items {
		in := t.Run.expand(&items[i])
		in.Key, in.Value = items[i].Key, items[i].Value
		out[i] = in
	}
	return out
}

// Template is the task's template as one instance whose each references
// are still parts: what a backend renders once for a run-time fan-out,
// whose items the engine fills in.
func (t *Task) Template() *Instance { return t.Run.expand(nil) }

// Instances expands the task's template over its static items: one
// Instance per item in item order, or the only instance of a task without
// for_each (Key ""). Each reference is replaced by the item's text and
// adjacent literals are merged, so every string is what it would be had the
// task been written for that item alone. Run-time references stay parts.
// It returns nil for a run-time item source.
func (t *Task) Instances() []*Instance {
	if t.ForEach == nil {
		return []*Instance{t.Run.expand(nil)}
	}
	if t.ForEach.Source != nil {
		return nil
	}
	out := make([]*Instance, len(t.ForEach.Items))
	for i := range t.ForEach.Items {
		it := &t.ForEach.Items[i]
		in := t.Run.expand(it)
		in.Key, in.Value = it.Key, it.Value
		out[i] = in
	}
	return out
}

func (tp *Template) expand(it *Item) *Instance {
	in := &Instance{
		Image:   Subst(tp.Image, it).Literal(),
		Workdir: Subst(tp.Workdir, it).Literal(),
	}
	if tp.Command != nil {
		in.Command = make([]Str, len(tp.Command))
		for i, s := range tp.Command {
			in.Command[i] = Subst(s, it)
		}
	}
	if tp.Script != nil {
		s := Subst(*tp.Script, it)
		in.Script = &s
	}
	if tp.Shell != nil {
		in.Shell = make([]string, len(tp.Shell))
		for i, s := range tp.Shell {
			in.Shell[i] = Subst(s, it).Literal()
		}
	}
	if tp.Env != nil {
		in.Env = make([]EnvVar, len(tp.Env))
		for i, e := range tp.Env {
			in.Env[i] = EnvVar{Name: e.Name, Value: Subst(e.Value, it)}
		}
	}
	return in
}

// Subst replaces the each references of s with the item's text (it may be
// nil for a task without for_each: s is returned as is) and merges adjacent
// literals. A reference the item lacks becomes empty text; Validate rejects
// such a pipeline.
func Subst(s Str, it *Item) Str {
	if it == nil {
		return s
	}
	each := false
	for _, p := range s.Parts {
		if p.Ref != nil && p.Ref.Kind.IsEach() {
			each = true
			break
		}
	}
	if !each {
		return s
	}
	var parts []Part
	var lit strings.Builder
	pending := false
	flush := func() {
		if pending && lit.Len() > 0 {
			parts = append(parts, Part{Lit: lit.String()})
		}
		lit.Reset()
		pending = false
	}
	for _, p := range s.Parts {
		switch {
		case p.Ref == nil:
			lit.WriteString(p.Lit)
			pending = true
		case p.Ref.Kind.IsEach():
			text, _ := it.Text(p.Ref)
			lit.WriteString(text)
			pending = true
		default:
			flush()
			parts = append(parts, p)
		}
	}
	flush()
	return Str{Parts: parts}
}

// StringItems is the item source of a for_each over strings in the given
// order, each both key and value (for_each = toset([...]) once sorted).
func StringItems(values ...string) *ForEach {
	f := &ForEach{Items: make([]Item, len(values))}
	for i, v := range values {
		f.Items[i] = Item{Key: v, Value: v}
	}
	return f
}

// EachKey returns a Str that is each.key.
func EachKey() Str { return Str{Parts: []Part{{Ref: &Ref{Kind: RefEachKey}}}} }

// MaxItemsPreview is how many bytes of a malformed item value a message
// shows.
const MaxItemsPreview = 64

// DecodeItems reads the value of a run-time item source (DESIGN 2.5): a
// JSON array whose elements are all strings, or all flat objects whose
// fields are strings. each.key is the element's index; each.value is a
// string element itself, or an object's JSON text (keys sorted);
// each.value.NAME is an object's field. Anything else is an error that
// shows the value's first bytes, and the consuming task fails with it.
func DecodeItems(value string) ([]Item, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(value), &elems); err != nil || elems == nil {
		return nil, fmt.Errorf("for_each needs a JSON array of strings or of flat objects of strings; the value is not a JSON array: %s", ValuePreview(value))
	}
	items := make([]Item, len(elems))
	objects := 0
	for i, raw := range elems {
		it := Item{Key: strconv.Itoa(i)}
		switch {
		case len(raw) > 0 && raw[0] == '"':
			if err := json.Unmarshal(raw, &it.Value); err != nil {
				return nil, itemError(i, "is not a valid JSON string", value)
			}
		case len(raw) > 0 && raw[0] == '{':
			objects++
			var fields map[string]any
			if err := json.Unmarshal(raw, &fields); err != nil {
				return nil, itemError(i, "is not a valid JSON object", value)
			}
			it.Fields = make(map[string]string, len(fields))
			for k, f := range fields {
				s, ok := f.(string)
				if !ok {
					return nil, itemError(i, fmt.Sprintf("has field %q that is not a string", k), value)
				}
				it.Fields[k] = s
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.Encode(it.Fields) // map keys are sorted
			it.Value = strings.TrimSuffix(b.String(), "\n")
		default:
			return nil, itemError(i, "is neither a string nor an object", value)
		}
		items[i] = it
	}
	if objects != 0 && objects != len(items) {
		return nil, fmt.Errorf("for_each needs a JSON array of strings or of flat objects of strings, not a mix of both: %s", ValuePreview(value))
	}
	return items, nil
}

func itemError(i int, what, value string) error {
	return fmt.Errorf("for_each needs a JSON array of strings or of flat objects of strings; element %d %s: %s", i, what, ValuePreview(value))
}

// ValuePreview quotes the first MaxItemsPreview bytes of a value, cut at a
// character boundary, with how much was left out.
func ValuePreview(s string) string {
	if len(s) <= MaxItemsPreview {
		return strconv.Quote(s)
	}
	cut := MaxItemsPreview
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

// ItemReads are the distinct each.value and each.value.NAME references of
// the task's template and when, in the order they first appear: the shape
// of item a run-time fan-out needs (CheckItemRefs), which every engine
// checks.
func (t *Task) ItemReads() []*Ref {
	var refs []*Ref
	t.Run.Strs(func(s Str) { refs = append(refs, s.Refs()...) })
	if t.When != nil {
		refs = append(refs, t.When.Refs()...)
	}
	var out []*Ref
	seen := map[string]bool{}
	for _, r := range refs {
		if (r.Kind == RefEachValue || r.Kind == RefEachField) && !seen[string(r.Kind)+"\x00"+r.Name] {
			seen[string(r.Kind)+"\x00"+r.Name] = true
			out = append(out, r)
		}
	}
	return out
}

// CheckItemRefs reports the first item that does not have the shape the
// task's template or when reads: each.value whole needs a string element,
// each.value.NAME an object with that field. A run-time fan-out's items are
// only known when it starts, so this is checked then, for every item,
// before any instance runs; every engine checks the same.
func CheckItemRefs(t *Task, items []Item) error {
	for _, r := range t.ItemReads() {
		if r.Kind == RefEachValue {
			for i := range items {
				if items[i].Fields != nil {
					return fmt.Errorf("the task reads each.value whole, but element %s is an object; read its fields as each.value.NAME", items[i].Key)
				}
			}
		}
		if r.Kind != RefEachField {
			continue
		}
		for i := range items {
			if _, ok := items[i].Text(r); !ok {
				return fmt.Errorf("the task reads %s, but element %s has no field %q", r, items[i].Key, r.Name)
			}
		}
	}
	return nil
}
