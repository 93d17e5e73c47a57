package stepfunctions

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dagc-dev/dagc/ir"
)

// TestPerInstanceWhen follows the start of the rendered Map iterator of a
// task with a per-instance when (DESIGN 2.5) for every item, as Step
// Functions would: the item is data ($.each, from the items Pass), numeric
// comparisons go through States.StringToJson, and the Choice leads to the
// Task state or to the skipped record. Each item must decide as
// ir.Cond.EvalItem does.
func TestPerInstanceWhen(t *testing.T) {
	texts := []string{"", "x", `a"b`, `\`, "a\nb", "{{item}}", "é 💥", "$.each.key", "States.Format('{}')"}
	fe := &ir.ForEach{}
	for i, h := range texts {
		fe.Items = append(fe.Items, ir.Item{Key: fmt.Sprint(i), Value: h, Fields: map[string]string{"n": fmt.Sprint(i * 3)}})
	}
	value := ir.Operand{Ref: &ir.Ref{Kind: ir.RefEachValue}}
	n := ir.Operand{Ref: &ir.Ref{Kind: ir.RefEachField, Name: "n"}}
	cmp := func(l ir.Operand, op ir.CmpOp, r ir.Operand, numeric bool) *ir.Cond {
		return &ir.Cond{Op: ir.CondCompare, Cmp: op, Left: l, Right: r, Numeric: numeric}
	}
	str := func(s string) ir.Operand { return ir.Operand{Lit: s, LitKind: ir.LitString} }
	conds := []*ir.Cond{
		cmp(value, ir.Ne, str(`a"b`), false),
		cmp(value, ir.Eq, str("a\nb"), false),
		cmp(value, ir.Eq, ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "p"}}, false),
		cmp(n, ir.Gt, ir.Operand{Lit: "9", LitKind: ir.LitNumber}, true),
		{Op: ir.CondAnd, Args: []*ir.Cond{
			cmp(n, ir.Le, ir.Operand{Ref: &ir.Ref{Kind: ir.RefParam, Name: "max"}}, true),
			{Op: ir.CondNot, Args: []*ir.Cond{cmp(value, ir.Eq, str(""), false)}},
		}},
	}
	params := map[string]any{"p": `\`, "max": 12.0}
	for ci, c := range conds {
		fan := task("fan")
		fan.ForEach, fan.When = fe, c
		fan.Run.Command = append(fan.Run.Command, ir.EachKey())
		p := &ir.Pipeline{Name: "p", Timezone: "UTC", Tasks: []*ir.Task{fan},
			Params: []*ir.Param{{Name: "p", Type: ir.ParamString, Default: "d", HasDefault: true}, {Name: "max", Type: ir.ParamNumber, Default: "12", HasDefault: true}}}
		files, diags := render(p)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var def map[string]any
		if err := json.Unmarshal(files[0].Data, &def); err != nil {
			t.Fatal(err)
		}
		states := map[string]map[string]any{}
		collectStates(def, states)
		items := states["fan items"]["Result"].(map[string]any)["items"].([]any)
		start := states["fan"]["ItemProcessor"].(map[string]any)["StartAt"].(string)
		for i, item := range items {
			doc := map[string]any{"each": itemEach(t, states["fan"], item, i), "params": params}
			name := start
			for steps := 0; ; steps++ {
				if steps > 5 {
					t.Fatalf("cond %d: too many states", ci)
				}
				s := states[name]
				if s["Type"] == "Parallel" || s["Type"] == "Pass" && strings.HasSuffix(name, "when values") {
					doc["when"] = map[string]any{"v": convert(t, s, doc)}
					name = s["Next"].(string)
					continue
				}
				if s["Type"] != "Choice" {
					break
				}
				next := s["Default"].(string)
				for _, ch := range s["Choices"].([]any) {
					if rule := ch.(map[string]any); choiceHolds(t, rule, doc) {
						next = rule["Next"].(string)
						break
					}
				}
				name = next
			}
			want, err := c.EvalItem(&fe.Items[i], func(r *ir.Ref) string { return fmt.Sprint(params[r.Name]) })
			if err != nil {
				t.Fatal(err)
			}
			wantName := "fan instance skipped"
			if want {
				wantName = "fan instance"
			}
			if name != wantName {
				t.Errorf("cond %d %s, item %q: the iterator goes to %q, want %q", ci, c, texts[i], name, wantName)
			}
		}
	}
}

// convert evaluates the conversions of a when values state: only
// States.StringToJson of a path is rendered for these conditions.
func convert(t *testing.T, s map[string]any, doc map[string]any) map[string]any {
	t.Helper()
	params := s["Parameters"]
	if br, ok := s["Branches"].([]any); ok {
		b := br[0].(map[string]any)
		params = b["States"].(map[string]any)[b["StartAt"].(string)].(map[string]any)["Parameters"]
	}
	out := map[string]any{}
	for k, v := range params.(map[string]any)["v"].(map[string]any) {
		expr := v.(string)
		path, ok := strings.CutPrefix(expr, "States.StringToJson(")
		if !ok {
			t.Fatalf("unexpected conversion %s", expr)
		}
		text, _ := lookupPath(strings.TrimSuffix(path, ")"), doc)
		var x any
		if err := json.Unmarshal([]byte(text.(string)), &x); err != nil {
			t.Fatalf("%s of %q: %v", expr, text, err)
		}
		out[strings.TrimSuffix(k, ".$")] = x
	}
	return out
}
