package argo

import (
	"fmt"
	"testing"

	"github.com/dagc-dev/dagc/ir"
	"github.com/dagc-dev/dagc/parser"
)

// TestForEachManifestGrowsByItemsOnly: the template is rendered once and
// each extra item adds only its own data to withItems, plus a constant.
func TestForEachManifestGrowsByItemsOnly(t *testing.T) {
	size := func(n int) (int, *ir.Pipeline) {
		src := fmt.Sprintf(`
task "echo" {
  image    = "alpine:3.20"
  for_each = flatten([for a in range(%d) : [for b in range(500) : format("item-%%06d", a * 500 + b)]])
  command  = ["echo", "value", each.value]
}
`, n/500)
		p, diags := parser.New().ParseFile("size.dag.hcl", []byte(src), parser.Options{})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return len(renderOne(t, p, KindWorkflow)), p
	}
	s1, _ := size(1000)
	s2, p2 := size(2000)
	data := 0
	for _, it := range p2.Tasks[0].ForEach.Items[1000:] {
		data += len(it.Value) // the template reads each.value only
	}
	itemBytes := float64(data) / 1000
	// The field name, the item's JSON object and its YAML quoting
	// (withItems items are JSON texts, see itemText), the indentation.
	const constant = 40
	perItem := float64(s2-s1) / 1000
	t.Logf("1,000 items: %d bytes, 2,000 items: %d bytes, %.1f bytes per extra item (item data %.1f bytes)", s1, s2, perItem, itemBytes)
	if perItem > itemBytes+constant {
		t.Errorf("each extra item adds %.1f bytes; want at most its %.1f bytes of data plus %d", perItem, itemBytes, constant)
	}
}
