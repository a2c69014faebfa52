package api

import (
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIPropertiesDescribed fails, listing them, on the properties of
// the document that have no description: every field of a type the API
// answers or takes needs a desc:"…" tag (or a description in its
// override). Inline objects (anonymous structs, request and answer
// envelopes) are walked too.
func TestOpenAPIPropertiesDescribed(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	decodeDocument(t, &doc)
	var missing []string
	total := 0
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for name, p := range props {
					total++
					ps, _ := p.(map[string]any)
					if d, _ := ps["description"].(string); strings.TrimSpace(d) == "" {
						missing = append(missing, at+"."+name)
					}
					walk(at+"."+name, p)
				}
			}
			for k, sub := range v {
				if k != "properties" {
					walk(at, sub)
				}
			}
		case []any:
			for _, sub := range v {
				walk(at, sub)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		walk(name, s)
	}
	if total < 400 {
		t.Fatalf("only %d properties walked: the walk lost its way", total)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d properties without a description (add a desc tag to the Go field):\n%s", len(missing), total, strings.Join(missing, "\n"))
	}
}
