package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/logtest"
)

// TestRequestLineNamesTheCaller: the access log line of an authenticated
// request carries the caller's user id, from a JWT and from an API key
// alike, and an anonymous request's line carries none. The line is written
// by the outermost middleware, after authentication ran further in.
func TestRequestLineNamesTheCaller(t *testing.T) {
	f := newStatusFixture(t, inmem.NewBus(), "embedded")
	var logs logtest.Buffer
	s := f.gateway(time.Hour, func(d *Deps) {
		d.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	token, _, err := f.tokens.Sign(t.Context(), f.user.ID, f.user.Role, f.user.TokenVersion)
	if err != nil {
		t.Fatal(err)
	}
	line := func(header, value, requestID string) string {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/sessions", nil)
		req.Header.Set("X-Request-Id", requestID)
		if header != "" {
			req.Header.Set(header, value)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		for l := range strings.Lines(logs.String()) {
			if strings.Contains(l, "request_id="+requestID) && strings.Contains(l, "msg=request") {
				return l
			}
		}
		t.Fatalf("no request line for %s in:\n%s", requestID, logs.String())
		return ""
	}
	want := "user_id=" + f.user.ID
	if l := line("Authorization", "Bearer "+token, "jwt-call"); !strings.Contains(l, want) || !strings.Contains(l, "status=200") {
		t.Errorf("JWT request line %q: want %s and status=200", l, want)
	}
	if l := line("X-API-Key", f.key, "key-call"); !strings.Contains(l, want) || !strings.Contains(l, "status=200") {
		t.Errorf("API-key request line %q: want %s and status=200", l, want)
	}
	if l := line("", "", "anonymous-call"); strings.Contains(l, "user_id=") || !strings.Contains(l, "status=401") {
		t.Errorf("anonymous request line %q: want no user_id and status=401", l)
	}
}

// TestRouteLabels: the route a request is counted and logged under is the
// matched route's pattern, ids left out, for a read, for a send answered
// through the idempotency layer (which copies the request), and for paths
// no route matches.
func TestRouteLabels(t *testing.T) {
	f := newStatusFixture(t, inmem.NewBus(), "embedded")
	var mu sync.Mutex
	var routes []string
	s := f.gateway(time.Hour, func(d *Deps) {
		d.Observe = func(route, method string, status int, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			routes = append(routes, fmt.Sprintf("%s %s %d", method, route, status))
		}
	})
	sid, _ := f.paired(s)
	call := func(method, path, body string, headers ...string) string {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("X-API-Key", f.key)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		mu.Lock()
		routes = nil
		mu.Unlock()
		s.ServeHTTP(httptest.NewRecorder(), req)
		mu.Lock()
		defer mu.Unlock()
		if len(routes) != 1 {
			t.Fatalf("%s %s observed %v, want one request", method, path, routes)
		}
		return routes[0]
	}
	for _, c := range []struct{ got, want string }{
		{call("GET", "/api/v1/sessions/"+sid+"/status", ""), "GET /api/v1/sessions/{session_id}/status 200"},
		{call("POST", "/api/v1/messages/send", `{"session_id":"`+sid+`","recipient":"15550001234","message":"hi"}`,
			"Idempotency-Key", "route-label-1"), "POST /api/v1/messages/send 201"},
		{call("GET", "/api/v1/no-such-route", ""), "GET /api/v1/* 404"},
		{call("GET", "/no-such-page", ""), "GET unmatched 404"},
	} {
		if c.got != c.want {
			t.Errorf("observed %q, want %q", c.got, c.want)
		}
	}
}
