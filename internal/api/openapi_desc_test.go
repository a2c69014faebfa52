package api

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// describedFirst are the schemas every property of which must carry a
// description (a desc tag on the Go field): the ones integrators read most.
var describedFirst = []string{"Session", "SessionSettings", "SessionData", "SessionList", "Message", "MessagePayload",
	"SendRequest", "SendResponse", "MessageList", "Webhook", "WebhookData", "WebhookList", "CreateWebhookRequest",
	"UpdateWebhookRequest", "Delivery", "DeliveryAttempt", "DeliveryData", "DeliveryList", "DeliveryDetail", "Pagination"}

// undescribedCeiling is how many properties of the document may still lack
// a description. It only goes down: describe a property, lower it.
const undescribedCeiling = 171

// TestOpenAPIPropertiesDescribed lists the properties of the document's
// schemas that have no description, fails on one in describedFirst, and
// fails when the list grows past undescribedCeiling (a new field added
// without a desc tag).
func TestOpenAPIPropertiesDescribed(t *testing.T) {
	raw, err := OpenAPIDocument("v1", "test")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var missing []string
	total := 0
	for name, s := range doc.Components.Schemas {
		for prop, ps := range s.Properties {
			total++
			if d, _ := ps["description"].(string); strings.TrimSpace(d) == "" {
				missing = append(missing, name+"."+prop)
			}
		}
	}
	sort.Strings(missing)
	t.Logf("%d of %d properties without a description:\n%s", len(missing), total, strings.Join(missing, "\n"))
	for _, name := range describedFirst {
		s, found := doc.Components.Schemas[name]
		if !found {
			t.Errorf("schema %s is not in the document (renamed? update describedFirst)", name)
			continue
		}
		for prop, ps := range s.Properties {
			if d, _ := ps["description"].(string); strings.TrimSpace(d) == "" {
				t.Errorf("%s.%s has no description: add a desc tag to its Go field", name, prop)
			}
		}
	}
	if len(missing) > undescribedCeiling {
		t.Errorf("%d properties without a description, more than the %d allowed: describe the new ones", len(missing), undescribedCeiling)
	}
}
