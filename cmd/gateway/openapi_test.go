package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/config"
)

// undocumentedByDesign are routes of the router that are not API: the
// dashboard and static asset trees.
func undocumentedByDesign(method, route string) bool {
	return strings.HasSuffix(route, "/*") || route == "/app" || route == "/app/"
}

var chiParam = regexp.MustCompile(`\{([a-zA-Z0-9_]+):[^}]*\}`)

// TestOpenAPIMatchesRouter walks the real router (every route the
// composition root mounts) and compares it with /openapi.json both ways.
func TestOpenAPIMatchesRouter(t *testing.T) {
	env := testEnv(t, nil)
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(t.Context(), cfg, newLogger(cfg, testWriter{t}), appOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()

	routed := map[string]bool{}
	err = chi.Walk(a.api.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = chiParam.ReplaceAllString(route, "{$1}")
		if len(route) > 1 {
			route = strings.TrimSuffix(route, "/")
		}
		if !undocumentedByDesign(method, route) {
			routed[method+" "+route] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(a.api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}

	var missing, stale []string
	for r := range routed {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routed[d] {
			stale = append(stale, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		var b strings.Builder
		b.WriteString("routes missing from the OpenAPI document; add to operations() in internal/api/openapi_routes.go:\n")
		for _, r := range missing {
			method, path, _ := strings.Cut(r, " ")
			api := strings.HasPrefix(path, "/api/"+cfg.APIVersion+"/")
			rel := strings.TrimPrefix(path, "/api/"+cfg.APIVersion)
			fmt.Fprintf(&b, "\t{Method: %q, Path: %q, API: %v, ID: \"…\", Tag: \"…\", Scope: \"…\", Summary: \"…\", Body: yourRequest{}, Data: struct{…}{example}},\n",
				method, rel, api)
		}
		t.Error(b.String())
	}
	if len(stale) > 0 {
		t.Errorf("documented routes the router does not have; remove or fix them in internal/api/openapi_routes.go:\n\t%s", strings.Join(stale, "\n\t"))
	}
	if len(routed) < 30 {
		t.Errorf("walked %d routes; the walk looks broken", len(routed))
	}
}
