package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/service"
)

// operation documents one route of the public API. The schemas come from
// the Go types of the request and of the data answered; the examples are
// those values marshalled, so they cannot drift from the types.
type operation struct {
	Method string
	// Path is the chi pattern: relative to /api/{version} when API is set,
	// absolute otherwise.
	Path        string
	API         bool
	ID          string
	Tag         string
	Summary     string
	Description string
	// Public routes need no authentication.
	Public bool
	// Scope is the API key scope the route needs (read, send, manage);
	// guard enforces it and the document shows it (x-api-key-scope).
	Scope string
	// TokenOnly routes refuse API keys (403): a login token only. Admin
	// routes refuse them too (requireAdmin), answering 404.
	TokenOnly bool
	// Bound is what an API key bound to one session may do here (routes.go);
	// the zero value refuses such keys.
	Bound bound
	Query []param
	// Body is a value of the request type; Example, when set, is the
	// request example (otherwise Body marshalled).
	Body    any
	Example any
	// Status is the success status (200 when zero).
	Status int
	// Data is a value of what the envelope's data holds on success.
	Data any
	// Content replaces the JSON envelope on success (metrics, docs, images).
	Content map[string]mediaDoc
	// Alt adds content types to the success answer beside the envelope.
	Alt map[string]mediaDoc
	// NoEnvelopeErrors: the route does not answer the error envelope (non-API pages).
	NoEnvelopeErrors bool
	// Errors are the error statuses the route answers beyond those its
	// shape implies (see errorStatuses): 401 of a login, 404 of an id in
	// the body, 409 of a state conflict. The end-to-end suite fails on a
	// status an operation does not declare.
	Errors []int
	// Down: the route answers 503 with its data and success false when a
	// critical dependency is down (the health probes), not the error envelope.
	Down bool
}

// withErrors adds statuses to the error statuses of every operation of
// ops: a group whose routes all answer them (they ask the session's worker).
func withErrors(ops []operation, statuses ...int) []operation {
	for i := range ops {
		ops[i].Errors = append(ops[i].Errors, statuses...)
	}
	return ops
}

// param is one query parameter.
type param struct {
	Name, Description, Type string
	Enum                    []string
	Example                 any
}

// mediaDoc is a non-JSON answer.
type mediaDoc struct {
	Schema  map[string]any
	Example any
}

// fullPath is the route's path as the router and the document spell it.
func (o operation) fullPath(apiVersion string) string {
	if o.API {
		return "/api/" + apiVersion + o.Path
	}
	return o.Path
}

// slugParams are path parameters that are slugs, not UUIDs.
var slugParams = map[string]bool{"plan_id": true}

// jidParams are path parameters that are WhatsApp JIDs.
var jidParams = map[string]bool{"group_id": true}

// userParams are path parameters that name something on WhatsApp's side (a
// user, a call), with their schema.
var userParams = map[string]map[string]any{
	"call_id": {"type": "string", "pattern": "^[0-9A-Za-z._-]{1,128}$",
		"description": "WhatsApp's id of the call: the call_id of its call event."},
	"contact_id": {"type": "string", "pattern": "^\\+?[0-9]+(@(s\\.whatsapp\\.net|c\\.us|lid))?$",
		"description": "The user: a phone number with its country code, …@s.whatsapp.net, or a LID (…@lid)."},
	"label_id": {"type": "string", "pattern": "^[0-9A-Za-z._-]{1,64}$",
		"description": "The label's id on WhatsApp (the id of GET /sessions/{session_id}/labels): a small number."},
	"lid":   {"type": "string", "pattern": "^[0-9]+(@lid)?$", "description": "A LID (…@lid), or the part before the @."},
	"phone": {"type": "string", "pattern": "^\\+?[0-9]+(@(s\\.whatsapp\\.net|c\\.us))?$", "description": "A phone number with its country code, or its JID."},
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z0-9_]+)(:[^}]*)?\}`)

// OpenAPIDocument builds the OpenAPI 3.1 document of the public API, for
// API version apiVersion ("v1") and a server version.
func OpenAPIDocument(apiVersion, version string) ([]byte, error) {
	doc := buildOpenAPI(apiVersion, version)
	return json.MarshalIndent(doc, "", "  ")
}

func buildOpenAPI(apiVersion, version string) map[string]any {
	g := newSchemaGen()
	for _, o := range operations() {
		if o.Body != nil {
			t := reflect.TypeOf(o.Body)
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			g.requests[t] = true
		}
	}
	g.components["Error"] = map[string]any{
		"type": "object", "required": []string{"code", "message"},
		"properties": map[string]any{
			"code":    described(g.of(reflect.TypeFor[errorBody]().Field(0).Type), "What went wrong, for programs to switch on."),
			"message": map[string]any{"type": "string", "description": "A sentence safe to show a user, in the language Accept-Language asks for (English or Arabic; Content-Language says which)."},
			"fields": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"},
				"description": "Invalid input fields, each with a sentence (validation_failed), in the same language as message; the field names are not translated."},
			"details": map[string]any{"type": "object", "description": "Machine-readable context, such as retry_after_seconds or a quota's limit."},
		},
	}
	g.components["ErrorEnvelope"] = map[string]any{
		"type": "object", "required": []string{"success", "error"},
		"properties": map[string]any{
			"success": map[string]any{"const": false, "description": "Always false in an error."},
			"error":   map[string]any{"$ref": "#/components/schemas/Error", "description": "The error."},
		},
	}
	paths := map[string]any{}
	tags := map[string]bool{}
	for _, o := range operations() {
		p := o.fullPath(apiVersion)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[strings.ToLower(o.Method)] = g.operation(o)
		tags[o.Tag] = true
	}
	tagList := make([]map[string]any, 0, len(tags))
	for _, name := range sortedKeys(tags) {
		tagList = append(tagList, map[string]any{"name": name, "description": tagDescriptions[name]})
	}
	return map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": map[string]any{
			"title":   "WhatsApp Gateway API",
			"version": version,
			"summary": "Multi-tenant WhatsApp gateway: sessions, pairing, messages, webhooks.",
			"description": "Every JSON answer is an envelope: `{\"success\": true, \"data\": {…}}` or " +
				"`{\"success\": false, \"error\": {\"code\", \"message\"}}`. Authenticate with `Authorization: Bearer <JWT>` " +
				"(from /auth/login) or `X-API-Key: wsa_…`; a request with an invalid token or key counts against the client " +
				"address's anonymous rate limit (429 past it). Lists take `page` (from 1) and `limit` (1–100, default 20). " +
				"Unknown JSON fields are refused. A resource of another account answers 404.",
			"license": map[string]any{"name": "MIT", "identifier": "MIT"},
		},
		"servers":  []any{map[string]any{"url": "/", "description": "This gateway"}},
		"tags":     tagList,
		"paths":    paths,
		"webhooks": g.webhooks(),
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
					"description": "The token answered by POST /api/" + apiVersion + "/auth/login, /auth/register or /auth/password/change. " +
						"A password reset, a password change and a suspension revoke every token issued before them: such a " +
						"token answers 401 unauthorized (log in again), at once on every gateway. API keys are not affected; " +
						"revoke them with DELETE /api-keys/{id}."},
				"apiKeyAuth": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key",
					"description": "An API key (wsa_…) made with POST /api/" + apiVersion + "/api-keys.",
					// The scopes a key can be given, and manage, which the
					// routes check (guard) but only a * key holds.
					"x-scopes": map[string]string{
						service.ScopeAll:  "Everything a key may call, manage included (the default).",
						service.ScopeRead: "Reading: sessions, messages, webhooks, contacts, analytics.",
						service.ScopeSend: "Sending messages (and what a send needs).",
						ScopeManage:       "Changing sessions, instances, webhooks, keys, groups: held only by a key made with *; it cannot be given alone.",
					}},
			},
			"responses": map[string]any{
				"Error": map[string]any{"description": "An error, in the error envelope.",
					"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ErrorEnvelope"}}}},
			},
		},
	}
}

var tagDescriptions = map[string]string{
	"Accounts":  "Register, log in, and read the account with its plan and usage.",
	"Sessions":  "WhatsApp sessions (one phone number each), pairing by QR code or pairing code.",
	"Instances": "The worker that runs a session.",
	"Messages":  "Send messages and read the message log.",
	"Webhooks":  "Endpoints that receive events, signed per Standard Webhooks.",
	"API keys":  "Keys for server-to-server use; shown once, stored hashed.",
	"Analytics": "Usage and health of the account.",
	"Profile":   "The session's own WhatsApp profile and privacy settings.",
	"Presence":  "The account's own presence, and its contacts' as presence events.",
	"Channels":  "WhatsApp channels (newsletters): followed ones, lookups, creation, follow and unfollow, recent posts; posting is a send to the channel's JID.",
	"Calls":     "Calls ring as call events; reject one while it rings. Sandbox sessions can also place, answer and end test calls.",
	"Contacts":  "The people the session's WhatsApp account knows, its block list, and the LID <-> phone map.",
	"Service":   "Health, metrics, and this documentation.",
}

func (g *schemaGen) operation(o operation) map[string]any {
	op := map[string]any{
		"operationId": o.ID,
		"summary":     o.Summary,
		"tags":        []string{o.Tag},
	}
	if o.Description != "" {
		op["description"] = o.Description
	}
	if o.Scope != "" {
		op["x-api-key-scope"] = o.Scope
	}
	if isTenantRoute(o) {
		op["x-session-bound-key"] = o.Bound.String()
	}
	switch {
	case isAdminRoute(o):
		// An admin's login token only: requireAdmin answers 404 to a key.
		op["security"] = []any{map[string]any{"bearerAuth": []string{}}}
		op["x-admin-only"] = true
	case o.TokenOnly:
		op["security"] = []any{map[string]any{"bearerAuth": []string{}}}
	case !o.Public:
		op["security"] = []any{map[string]any{"bearerAuth": []string{}}, map[string]any{"apiKeyAuth": []string{}}}
	default:
		op["security"] = []any{}
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(o.Path, -1) {
		schema := map[string]any{"type": "string", "format": "uuid"}
		if slugParams[m[1]] {
			schema = map[string]any{"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"}
		}
		if jidParams[m[1]] {
			schema = map[string]any{"type": "string", "pattern": "^[0-9-]+(@g\\.us)?$", "description": "The group's JID (…@g.us), or the part before the @."}
		}
		if us, ok := userParams[m[1]]; ok {
			schema = us
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema})
	}
	for _, q := range o.Query {
		s := map[string]any{"type": q.Type}
		if len(q.Enum) > 0 {
			s["enum"] = q.Enum
		}
		p := map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": s}
		if q.Example != nil {
			p["example"] = q.Example
		}
		params = append(params, p)
	}
	if params != nil {
		op["parameters"] = params
	}
	if o.Body != nil {
		ex := o.Example
		if ex == nil {
			ex = o.Body
		}
		op["requestBody"] = map[string]any{
			"required": true,
			"content": map[string]any{"application/json": map[string]any{
				"schema": g.of(reflect.TypeOf(o.Body)), "example": asJSON(ex)}},
		}
	}
	status := o.Status
	if status == 0 {
		status = http.StatusOK
	}
	content := map[string]any{}
	if o.Content != nil {
		for ct, m := range o.Content {
			content[ct] = mediaJSON(m)
		}
	} else {
		data := map[string]any{}
		var example any
		if o.Data != nil {
			data = g.of(reflect.TypeOf(o.Data))
			example = map[string]any{"success": true, "data": asJSON(o.Data)}
		}
		env := map[string]any{"type": "object", "required": []string{"success", "data"},
			"properties": map[string]any{"success": map[string]any{"const": true}, "data": data}}
		mt := map[string]any{"schema": env}
		if example != nil {
			mt["example"] = example
		}
		content["application/json"] = mt
		for ct, m := range o.Alt {
			content[ct] = mediaJSON(m)
		}
	}
	responses := map[string]any{
		strconv.Itoa(status): map[string]any{"description": http.StatusText(status), "content": content},
	}
	if o.Down {
		env := map[string]any{"type": "object", "required": []string{"success", "data"},
			"properties": map[string]any{"success": map[string]any{"const": false}, "data": g.of(reflect.TypeOf(o.Data))}}
		responses["503"] = map[string]any{"description": "A critical dependency is down: the same data, with success false.",
			"content": map[string]any{"application/json": map[string]any{"schema": env}}}
	}
	if !o.NoEnvelopeErrors {
		errRef := map[string]any{"$ref": "#/components/responses/Error"}
		responses["default"] = errRef
		for _, code := range o.errorStatuses() {
			responses[strconv.Itoa(code)] = errRef
		}
	}
	op["responses"] = responses
	return op
}

// errorStatuses are the error statuses an operation declares: those its
// shape implies, and its own Errors.
func (o operation) errorStatuses() []int {
	set := map[int]bool{}
	for _, c := range o.Errors {
		set[c] = true
	}
	if !o.Public {
		set[http.StatusUnauthorized] = true
	}
	if len(pathParam.FindAllString(o.Path, -1)) > 0 {
		// A malformed id answers 400, an unknown one 404.
		set[http.StatusBadRequest], set[http.StatusNotFound] = true, true
	}
	if len(o.Query) > 0 {
		// A malformed parameter answers 400, a value out of range 422.
		set[http.StatusBadRequest], set[http.StatusUnprocessableEntity] = true, true
	}
	if o.Body != nil {
		set[http.StatusBadRequest], set[http.StatusRequestEntityTooLarge], set[http.StatusUnprocessableEntity] = true, true, true
	}
	if o.Tag == "Admin" {
		set[http.StatusNotFound] = true // to anyone but an admin
	}
	if o.API {
		// 403: a scope, a suspended account or a feature turned off; 429:
		// the rate limits; 500 and 503: an internal error, the database or
		// a session's worker out of reach.
		set[http.StatusForbidden], set[http.StatusTooManyRequests] = true, true
		set[http.StatusInternalServerError], set[http.StatusServiceUnavailable] = true, true
	}
	codes := make([]int, 0, len(set))
	for c := range set {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	return codes
}

func mediaJSON(m mediaDoc) map[string]any {
	out := map[string]any{"schema": m.Schema}
	if m.Schema == nil {
		out["schema"] = map[string]any{"type": "string"}
	}
	if m.Example != nil {
		out["example"] = m.Example
	}
	return out
}

// asJSON turns a Go value into its JSON form (maps, slices, strings), so
// the example in the document is what the API would send.
func asJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api: openapi example %T: %v", v, err))
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// OpenAPI returns the server's OpenAPI document (built once).
func (s *Server) OpenAPI() []byte {
	s.specOnce.Do(func() {
		b, err := OpenAPIDocument(s.cfg.APIVersion, s.svcVersion())
		if err != nil {
			panic(fmt.Sprintf("api: build openapi document: %v", err))
		}
		s.spec = b
	})
	return s.spec
}

func (s *Server) svcVersion() string {
	if s.svc == nil {
		return "dev"
	}
	return s.svc.Settings().Version
}

// docsAssets are the documentation page and its renderer, embedded so the
// docs work offline and without a CDN.
//
//go:embed docs
var docsAssets embed.FS

// docsRoutes mounts /openapi.json and /docs.
func (s *Server) docsRoutes(r chi.Router) {
	r.Get("/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = w.Write(s.OpenAPI())
	})
	sub, err := fs.Sub(docsAssets, "docs")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(sub)
	r.Get("/docs", func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/"
		setStaticHeaders(w)
		files.ServeHTTP(w, r2)
	})
	r.Get("/docs/*", func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + chi.URLParam(r, "*")
		setStaticHeaders(w)
		files.ServeHTTP(w, r2)
	})
}

// setStaticHeaders keeps embedded pages from loading anything from elsewhere.
func setStaticHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
}

// specState caches the built document.
type specState struct {
	specOnce sync.Once
	spec     []byte
}

// prefersHTML reports whether a request asks for a page before JSON (a
// browser navigating), so / can send it to the dashboard.
func prefersHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	html := strings.Index(accept, "text/html")
	if html < 0 {
		return false
	}
	js := strings.Index(accept, "application/json")
	return js < 0 || html < js
}
