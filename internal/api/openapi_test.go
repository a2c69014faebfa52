package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// testDocument is the document as served, the test failing when it
// cannot be built.
func testDocument(t *testing.T) []byte {
	t.Helper()
	raw, err := OpenAPIDocument("v1", "test")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// decodeDocument reads the document into v, the parts of it a test looks at.
func decodeDocument(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(testDocument(t), v); err != nil {
		t.Fatal(err)
	}
}

// loadDocument is the document loaded by kin-openapi.
func loadDocument(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(testDocument(t))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return doc
}

// TestOpenAPIValid loads the document with kin-openapi and validates it as
// OpenAPI 3.1, examples included (each example must match its schema).
func TestOpenAPIValid(t *testing.T) {
	doc := loadDocument(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("got openapi %q, want 3.1", doc.OpenAPI)
	}
	ctx := openapi3.WithValidationOptions(t.Context(), openapi3.EnableExamplesValidation(), openapi3.EnableSchemaFormatValidation())
	if err := doc.Validate(ctx, openapi3.IsOpenAPI31OrLater()); err != nil {
		t.Fatalf("validate: %v", err)
	}

	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) != 1 {
				t.Errorf("%s %s: got id %q summary %q tags %v, want all set", method, path, op.OperationID, op.Summary, op.Tags)
			}
			if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %q used by %s and %s %s", op.OperationID, prev, method, path)
			}
			ids[op.OperationID] = method + " " + path
			for code, resp := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") || resp.Value == nil {
					continue
				}
				for ct, mt := range resp.Value.Content {
					if ct == "application/json" && mt.Example == nil && path != "/openapi.json" {
						t.Errorf("%s %s %s: no example", method, path, code)
					}
				}
			}
			if rb := op.RequestBody; rb != nil && rb.Value.Content.Get("application/json").Example == nil {
				t.Errorf("%s %s: request without example", method, path)
			}
		}
	}
}

// TestOpenAPIExamplesMatchSchemas checks each example against its schema
// with JSON Schema 2020-12 semantics, which the 3.1 document uses.
func TestOpenAPIExamplesMatchSchemas(t *testing.T) {
	doc := loadDocument(t)
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			check := func(what string, mt *openapi3.MediaType) {
				if mt == nil || mt.Example == nil || mt.Schema == nil {
					return
				}
				n++
				if err := mt.Schema.Value.VisitJSON(mt.Example, openapi3.EnableJSONSchema2020()); err != nil {
					t.Errorf("%s %s %s: example does not match schema: %v", method, path, what, err)
				}
			}
			if op.RequestBody != nil {
				check("request", op.RequestBody.Value.Content.Get("application/json"))
			}
			for code, resp := range op.Responses.Map() {
				if resp.Value != nil {
					check(code, resp.Value.Content.Get("application/json"))
				}
			}
		}
	}
	if n < 30 {
		t.Fatalf("checked %d examples, want at least 30", n)
	}
}

// TestOpenAPISchemasFollowTypes spot-checks that schemas come from the Go
// types: required response fields, refused unknown request fields, enums.
func TestOpenAPISchemasFollowTypes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required             []string                   `json:"required"`
				AdditionalProperties *bool                      `json:"additionalProperties"`
				Properties           map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	decodeDocument(t, &doc)
	s := doc.Components.Schemas
	tests := []struct {
		name string
		ok   bool
	}{
		{"Session requires id and status", contains(s["Session"].Required, "id") && contains(s["Session"].Required, "status")},
		{"Session phone is optional", !contains(s["Session"].Required, "phone")},
		{"User has no password hash", s["User"].Properties["password_hash"] == nil && s["User"].Properties["PasswordHash"] == nil},
		{"Message payload documented", strings.Contains(string(s["Message"].Properties["payload"]), "MessagePayload")},
		{"send request refuses unknown fields", s["SendRequest"].AdditionalProperties != nil && !*s["SendRequest"].AdditionalProperties},
		{"send request requires recipient", contains(s["SendRequest"].Required, "recipient")},
		{"session status is an enum", strings.Contains(string(s["Session"].Properties["status"]), "qr_pending")},
	}
	for _, tt := range tests {
		if !tt.ok {
			t.Errorf("%s: does not hold", tt.name)
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestDocsServed checks /openapi.json and the embedded /docs page and assets.
func TestDocsServed(t *testing.T) {
	srv := httptest.NewServer(New(Deps{}, Config{}))
	defer srv.Close()
	tests := []struct {
		path, contentType, contains string
	}{
		{"/openapi.json", "application/json", `"openapi": "3.1.0"`},
		{"/docs", "text/html", `<script src="/docs/docs.js"`},
		{"/docs/docs.js", "javascript", "openapi.json"},
		{"/docs/docs.css", "text/css", "--accent"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, tt.contentType) {
				t.Errorf("got content type %q, want %q", ct, tt.contentType)
			}
			if !strings.Contains(string(body), tt.contains) {
				t.Errorf("body does not contain %q", tt.contains)
			}
			if strings.Contains(string(body), "https://cdn") || strings.Contains(string(body), "unpkg.com") {
				t.Error("page loads from a CDN")
			}
		})
	}
}

// TestPostmanCollection converts the document and checks the collection
// has every operation, in folders, with bodies and path variables.
func TestPostmanCollection(t *testing.T) {
	raw, err := PostmanCollection(testDocument(t))
	if err != nil {
		t.Fatal(err)
	}
	var col struct {
		Info struct {
			Schema string `json:"schema"`
		} `json:"info"`
		Item []struct {
			Name string `json:"name"`
			Item []struct {
				Name    string `json:"name"`
				Request struct {
					Method string `json:"method"`
					URL    struct {
						Raw      string `json:"raw"`
						Variable []struct {
							Key string `json:"key"`
						} `json:"variable"`
					} `json:"url"`
					Body *struct {
						Raw string `json:"raw"`
					} `json:"body"`
				} `json:"request"`
			} `json:"item"`
		} `json:"item"`
	}
	if err := json.Unmarshal(raw, &col); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(col.Info.Schema, "v2.1.0") {
		t.Errorf("got schema %q, want v2.1.0", col.Info.Schema)
	}
	var n int
	found := map[string]bool{}
	for _, f := range col.Item {
		for _, it := range f.Item {
			n++
			found[it.Request.Method+" "+it.Request.URL.Raw] = true
			if it.Request.Method == "POST" && it.Request.URL.Raw == "{{baseUrl}}/api/v1/messages/send" {
				if it.Request.Body == nil || !strings.Contains(it.Request.Body.Raw, `"recipient"`) {
					t.Errorf("send request body = %+v, want the example", it.Request.Body)
				}
			}
			if strings.Contains(it.Request.URL.Raw, ":session_id") && len(it.Request.URL.Variable) == 0 {
				t.Errorf("%s has no path variable", it.Request.URL.Raw)
			}
		}
	}
	if want := len(operations()); n != want {
		t.Errorf("got %d requests, want %d", n, want)
	}
	if !found["GET {{baseUrl}}/api/v1/sessions/:session_id"] {
		t.Error("GET session missing or its path not in Postman form")
	}
}

// TestOpenAPILicenseMatchesRepository keeps the document's licence the one
// the repository ships in LICENSE.md (MIT, as the design document names).
func TestOpenAPILicenseMatchesRepository(t *testing.T) {
	var doc struct {
		Info struct {
			License struct {
				Name       string `json:"name"`
				Identifier string `json:"identifier"`
			} `json:"license"`
		} `json:"info"`
	}
	decodeDocument(t, &doc)
	if doc.Info.License.Identifier != "MIT" || doc.Info.License.Name != "MIT" {
		t.Errorf("got licence %+v, want MIT", doc.Info.License)
	}
	raw, err := os.ReadFile("../../LICENSE.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "# MIT License\n") {
		t.Errorf("LICENSE.md does not start with the MIT licence's title")
	}
}

// TestOpenAPISecurityFollowsTheTable checks that the document says who may
// call each operation as the route table enforces it: the scope guard
// checks (x-api-key-scope), admin routes for an admin's token only, the
// token-only routes without the API key scheme.
func TestOpenAPISecurityFollowsTheTable(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			ID        string           `json:"operationId"`
			Scope     string           `json:"x-api-key-scope"`
			AdminOnly bool             `json:"x-admin-only"`
			Security  []map[string]any `json:"security"`
		} `json:"paths"`
	}
	decodeDocument(t, &doc)
	byID := map[string]operation{}
	for _, o := range operations() {
		byID[o.ID] = o
	}
	seen := 0
	for _, item := range doc.Paths {
		for _, op := range item {
			o, found := byID[op.ID]
			if !found {
				t.Errorf("%s: not in the route table", op.ID)
				continue
			}
			seen++
			key := false
			for _, s := range op.Security {
				if _, k := s["apiKeyAuth"]; k {
					key = true
				}
			}
			if op.Scope != o.Scope {
				t.Errorf("%s: document scope %q, table %q", op.ID, op.Scope, o.Scope)
			}
			if wantKey := !o.Public && !o.TokenOnly && !isAdminRoute(o); key != wantKey {
				t.Errorf("%s: the document offers an API key %v, the table %v", op.ID, key, wantKey)
			}
			if op.AdminOnly != isAdminRoute(o) {
				t.Errorf("%s: x-admin-only %v, want %v", op.ID, op.AdminOnly, isAdminRoute(o))
			}
		}
	}
	if seen != len(byID) {
		t.Errorf("the document has %d operations, the table %d", seen, len(byID))
	}
	if o := byID["sendMessage"]; o.Scope != "send" {
		t.Errorf("sendMessage needs scope %q, want send", o.Scope)
	}
	if !byID["changePassword"].TokenOnly {
		t.Error("changePassword is not token-only")
	}
}

// TestEveryEventTypeHasAnExample fails on an event type (gateway.EventTypes)
// the document's webhooks do not describe, or whose example envelope does
// not match its schema: every event a receiver can get is documented with
// a payload to build against.
func TestEveryEventTypeHasAnExample(t *testing.T) {
	doc := loadDocument(t)
	for _, typ := range gateway.EventTypes {
		item := doc.Webhooks[typ]
		if item == nil || item.Post == nil || item.Post.RequestBody == nil {
			t.Errorf("event type %s is not among the document's webhooks", typ)
			continue
		}
		mt := item.Post.RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Example == nil || mt.Schema == nil {
			t.Errorf("event type %s has no example payload", typ)
			continue
		}
		if err := mt.Schema.Value.VisitJSON(mt.Example, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("event type %s: the example does not match the schema: %v", typ, err)
		}
		if ex, _ := mt.Example.(map[string]any); ex == nil || ex["type"] != typ || ex["data"] == nil {
			t.Errorf("event type %s: the example %v is not an envelope of that type with data", typ, mt.Example)
		}
	}
	if len(doc.Webhooks) != len(gateway.EventTypes) {
		t.Errorf("the document describes %d event types, gateway.EventTypes lists %d", len(doc.Webhooks), len(gateway.EventTypes))
	}
}
