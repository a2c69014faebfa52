package cachetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// RunRateLimiter runs the gateway.RateLimiter behaviour suite. newLimiter
// returns a limiter with no keys that no other test uses; it registers its
// own cleanup.
func RunRateLimiter(t *testing.T, newLimiter func(t *testing.T) gateway.RateLimiter) {
	suite[gateway.RateLimiter]{
		{"AllowsLimitThenDenies", testAllowsLimitThenDenies},
		{"WindowFrees", testWindowFrees},
		{"DeniedNotCounted", testDeniedNotCounted},
		{"Reset", testReset},
		{"KeysIndependent", testKeysIndependent},
		{"LimitOne", testLimitOne},
		{"LoweredLimit", testLoweredLimit},
		{"InvalidArguments", testInvalidArguments},
		{"Concurrent", testConcurrent},
	}.run(t, newLimiter)
}

func allow(t *testing.T, l gateway.RateLimiter, key string, limit int, window time.Duration) gateway.RateResult {
	t.Helper()
	r, err := l.Allow(context.Background(), key, limit, window)
	if err != nil {
		t.Fatalf("Allow(%q): %v", key, err)
	}
	return r
}

// exhaust makes limit allowed requests for key.
func exhaust(t *testing.T, l gateway.RateLimiter, key string, limit int, window time.Duration) {
	t.Helper()
	for i := range limit {
		if r := allow(t, l, key, limit, window); !r.Allowed {
			t.Fatalf("request %d of %d denied: %+v", i+1, limit, r)
		}
	}
}

func wantDenied(t *testing.T, r gateway.RateResult, limit int, window time.Duration) {
	t.Helper()
	if r.Allowed {
		t.Fatalf("got allowed %+v, want denied", r)
	}
	if r.Limit != limit || r.Remaining != 0 {
		t.Fatalf("got limit %d remaining %d, want %d and 0", r.Limit, r.Remaining, limit)
	}
	if r.RetryAfter <= 0 || r.RetryAfter > window {
		t.Fatalf("got RetryAfter %v, want in (0, %v]", r.RetryAfter, window)
	}
	if r.ResetAfter < r.RetryAfter || r.ResetAfter > window {
		t.Fatalf("got ResetAfter %v, want in [RetryAfter %v, %v]", r.ResetAfter, r.RetryAfter, window)
	}
}

func testAllowsLimitThenDenies(t *testing.T, l gateway.RateLimiter) {
	const limit = 5
	for i := range limit {
		r := allow(t, l, "k", limit, long)
		if !r.Allowed {
			t.Fatalf("request %d denied, want allowed", i+1)
		}
		if r.Limit != limit {
			t.Fatalf("request %d: got Limit %d, want %d", i+1, r.Limit, limit)
		}
		if want := limit - i - 1; r.Remaining != want {
			t.Fatalf("request %d: got Remaining %d, want %d", i+1, r.Remaining, want)
		}
		if r.RetryAfter != 0 {
			t.Fatalf("request %d: got RetryAfter %v on an allowed request, want 0", i+1, r.RetryAfter)
		}
		if r.ResetAfter <= 0 || r.ResetAfter > long {
			t.Fatalf("request %d: got ResetAfter %v, want in (0, %v]", i+1, r.ResetAfter, long)
		}
	}
	for range 3 {
		wantDenied(t, allow(t, l, "k", limit, long), limit, long)
	}
}

func testWindowFrees(t *testing.T, l gateway.RateLimiter) {
	const limit = 3
	start := time.Now()
	exhaust(t, l, "k", limit, short)
	if r := allow(t, l, "k", limit, short); fresh(start) {
		wantDenied(t, r, limit, short)
	}
	var r gateway.RateResult
	polltest.Eventually(t, patience, "the window to free up", func() bool {
		r = allow(t, l, "k", limit, short)
		return r.Allowed
	})
	if r.RetryAfter != 0 || r.Limit != limit {
		t.Fatalf("allowed again with %+v, want RetryAfter 0 and Limit %d", r, limit)
	}
}

func testDeniedNotCounted(t *testing.T, l gateway.RateLimiter) {
	const limit = 2
	exhaust(t, l, "k", limit, short)
	// Denied requests while waiting must not push the reopening back.
	polltest.Eventually(t, patience, "the window to free up despite denied requests", func() bool {
		return allow(t, l, "k", limit, short).Allowed
	})
}

func testReset(t *testing.T, l gateway.RateLimiter) {
	const limit = 3
	exhaust(t, l, "k", limit, long)
	wantDenied(t, allow(t, l, "k", limit, long), limit, long)
	if err := l.Reset(context.Background(), "k"); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	r := allow(t, l, "k", limit, long)
	if !r.Allowed || r.Remaining != limit-1 {
		t.Fatalf("after Reset got %+v, want allowed with Remaining %d", r, limit-1)
	}
	if err := l.Reset(context.Background(), "never-used"); err != nil {
		t.Fatalf("Reset of an unknown key: %v", err)
	}
}

func testKeysIndependent(t *testing.T, l gateway.RateLimiter) {
	const limit = 2
	exhaust(t, l, "a", limit, long)
	wantDenied(t, allow(t, l, "a", limit, long), limit, long)
	r := allow(t, l, "b", limit, long)
	if !r.Allowed || r.Remaining != limit-1 {
		t.Fatalf("other key got %+v, want allowed with Remaining %d", r, limit-1)
	}
	if err := l.Reset(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	wantDenied(t, allow(t, l, "a", limit, long), limit, long)
}

func testLimitOne(t *testing.T, l gateway.RateLimiter) {
	r := allow(t, l, "k", 1, long)
	if !r.Allowed || r.Remaining != 0 {
		t.Fatalf("first request got %+v, want allowed with Remaining 0", r)
	}
	wantDenied(t, allow(t, l, "k", 1, long), 1, long)
}

func testLoweredLimit(t *testing.T, l gateway.RateLimiter) {
	exhaust(t, l, "k", 5, long)
	// The key's plan changed to a smaller limit: it is over it at once.
	wantDenied(t, allow(t, l, "k", 3, long), 3, long)
	// A larger limit lets it continue from its count.
	r := allow(t, l, "k", 10, long)
	if !r.Allowed || r.Remaining != 4 {
		t.Fatalf("raised limit got %+v, want allowed with Remaining 4", r)
	}
}

func testInvalidArguments(t *testing.T, l gateway.RateLimiter) {
	tests := []struct {
		name   string
		limit  int
		window time.Duration
	}{
		{"zero limit", 0, time.Minute},
		{"negative limit", -1, time.Minute},
		{"zero window", 5, 0},
		{"negative window", 5, -time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := l.Allow(context.Background(), "k", tt.limit, tt.window); err == nil {
				t.Fatalf("Allow(limit %d, window %v): got no error, want one", tt.limit, tt.window)
			}
		})
	}
}

func testConcurrent(t *testing.T, l gateway.RateLimiter) {
	const goroutines, each, limit = 50, 10, 100
	var allowed, denied atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				r, err := l.Allow(context.Background(), "shared", limit, long)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Allowed {
					allowed.Add(1)
				} else {
					denied.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != limit {
		t.Fatalf("got %d allowed, want exactly %d", got, limit)
	}
	if got, want := denied.Load(), int64(goroutines*each-limit); got != want {
		t.Fatalf("got %d denied, want %d", got, want)
	}
}
