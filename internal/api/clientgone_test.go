package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/inmem"
)

// TestClientGoneIsNotAServerError: a request whose client disconnected
// (its context canceled) while the store was queried is recorded as 499:
// no ERROR log, no 5xx for the metrics.
func TestClientGoneIsNotAServerError(t *testing.T) {
	f := newKeyFixture(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	var observed []int
	s := New(Deps{Service: f.svc, Limiter: inmem.NewRateLimiter(), Bus: f.bus,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observe: func(_, _ string, status int, _ time.Duration) {
			mu.Lock()
			observed = append(observed, status)
			mu.Unlock()
		}}, Config{}) // no cache: the key is read from the store with the dead context
	t.Cleanup(s.Close)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := httptest.NewRequest("GET", "/api/v1/api-keys", nil).WithContext(ctx)
	req.Header.Set("X-API-Key", f.key.Key)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)

	if rec.Code != StatusClientClosed {
		t.Fatalf("got status %d, want %d; body %s", rec.Code, StatusClientClosed, rec.Body)
	}
	mu.Lock()
	got := append([]int(nil), observed...)
	mu.Unlock()
	if len(got) != 1 || got[0] != StatusClientClosed {
		t.Fatalf("metrics observed %v, want [%d]", got, StatusClientClosed)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Fatalf("a client that went away was logged as an error:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"status":499`) {
		t.Fatalf("the request log does not record 499:\n%s", logs.String())
	}

	// A live client still gets its answer.
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/api/v1/api-keys", nil)
	req.Header.Set("X-API-Key", f.key.Key)
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("live client: got %d, want 200", rec.Code)
	}
}
