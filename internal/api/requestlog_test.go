package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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
