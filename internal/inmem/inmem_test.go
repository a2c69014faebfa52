package inmem

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/whatsapp-saas/gateway/internal/cachetest"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func TestCache(t *testing.T) {
	cachetest.RunCache(t, func(t *testing.T) gateway.Cache {
		c := NewCache()
		t.Cleanup(func() { c.Close() })
		return c
	})
}

func TestRateLimiter(t *testing.T) {
	cachetest.RunRateLimiter(t, func(t *testing.T) gateway.RateLimiter {
		l := NewRateLimiter()
		t.Cleanup(func() { l.Close() })
		return l
	})
}

func TestBus(t *testing.T) {
	cachetest.RunBus(t, func(t *testing.T) gateway.Bus { return NewBus() })
}

// The sweep tests run in a synctest bubble: the sweeper's ticker and the
// entries' expiry follow the bubble's clock, which moves only when every
// goroutine in it waits, so a minute's sweep interval passes at once and
// exactly.

// wantKeys fails the test unless got, the keys held, is want.
func wantKeys(t *testing.T, got, want int, when string) {
	t.Helper()
	if got != want {
		t.Fatalf("got %d keys %s, want %d", got, when, want)
	}
}

func TestCacheSweepRemovesExpiredKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCache()
		t.Cleanup(func() { c.Close() })
		ctx := t.Context()
		for _, k := range []string{"a", "b", "c"} {
			if err := c.Set(ctx, k, []byte(k), time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Set(ctx, "kept", []byte("x"), 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)                // the bubble's clock: the keys expire
		wantKeys(t, c.len(), 4, "before any sweep") // expired keys wait for the sweep
		c.sweep()
		wantKeys(t, c.len(), 1, "after sweep")
	})
}

func TestCacheSweepRunsPeriodically(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCache()
		t.Cleanup(func() { c.Close() })
		if err := c.Set(t.Context(), "k", []byte("v"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(sweepInterval - time.Millisecond) // the bubble's clock, to just before the sweep
		synctest.Wait()
		wantKeys(t, c.len(), 1, "before the first sweep")
		time.Sleep(time.Millisecond) // the bubble's clock, to the sweep
		synctest.Wait()
		wantKeys(t, c.len(), 0, "after the periodic sweep")
	})
}

func TestCloseStopsSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCache()
		l := NewRateLimiter()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		// Close is idempotent and the goroutines are gone (done is closed);
		// the bubble would also fail the test if a sweeper outlived it.
		c.Close()
		l.Close()
		select {
		case <-c.done:
		default:
			t.Fatal("cache sweeper still running after Close")
		}
		select {
		case <-l.done:
		default:
			t.Fatal("limiter sweeper still running after Close")
		}
	})
}

func TestRateLimiterSweepBoundsMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewRateLimiter()
		t.Cleanup(func() { l.Close() })
		ctx := t.Context()
		for i := range 100 {
			if _, err := l.Allow(ctx, string(rune('a'+i%26))+string(rune(i)), 3, time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Allow(ctx, "live", 3, time.Hour); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // the bubble's clock: the hits leave their window
		l.sweep()
		wantKeys(t, l.len(), 1, "after sweep")
		// The periodic sweep does the same without being called.
		for i := range 10 {
			if _, err := l.Allow(ctx, string(rune('A'+i)), 3, time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(sweepInterval) // the bubble's clock, to the periodic sweep
		synctest.Wait()
		wantKeys(t, l.len(), 1, "after the periodic sweep")
	})
}

func TestRateLimiterKeepsAtMostLimitHits(t *testing.T) {
	l := NewRateLimiter()
	t.Cleanup(func() { l.Close() })
	for range 1000 {
		if _, err := l.Allow(context.Background(), "k", 10, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	n, capacity := ring(l, "k")
	if n != 10 || capacity > 16 {
		t.Fatalf("got %d remembered hits in a ring of %d, want 10 in at most 16", n, capacity)
	}
}

// ring is how many hits key's window holds and the capacity of its ring.
func ring(l *RateLimiter, key string) (n, capacity int) {
	s := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key].n, len(s.m[key].ring)
}

// TestRateLimiterHugeLimitGrowsOnDemand checks that a limit of a hundred
// million does not allocate a hundred million slots up front, and that hits
// leaving the window are dropped in order as the ring wraps.
func TestRateLimiterHugeLimitGrowsOnDemand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { testRateLimiterHugeLimit(t) })
}

func testRateLimiterHugeLimit(t *testing.T) {
	l := NewRateLimiter()
	t.Cleanup(func() { l.Close() })
	ctx := context.Background()
	for range 100 {
		if res, err := l.Allow(ctx, "k", 100_000_000, time.Hour); err != nil || !res.Allowed {
			t.Fatalf("got %+v, %v", res, err)
		}
	}
	n, capacity := ring(l, "k")
	if n != 100 || capacity > 256 {
		t.Fatalf("got %d hits in a ring of %d, want 100 in at most 256", n, capacity)
	}
	// A small window: hits expire, the ring wraps, the count stays exact.
	for i := range 50 {
		res, err := l.Allow(ctx, "w", 3, 30*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 2 {
			time.Sleep(30 * time.Millisecond) // exactly the window: all three leave it
		}
		if !res.Allowed {
			t.Fatalf("request %d denied: %+v", i, res)
		}
	}
}

func TestBusCountsDrops(t *testing.T) {
	b := NewBus()
	release := make(chan struct{})
	cancel, err := b.Subscribe(context.Background(), "t", func([]byte) { <-release })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	defer close(release)
	const n = subscriberBuffer + 100
	for range n {
		if err := b.Publish(context.Background(), "t", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	// One payload may be in the callback, subscriberBuffer in the buffer.
	if got := b.Dropped(); got < n-subscriberBuffer-1 || got > n-subscriberBuffer {
		t.Fatalf("got %d dropped, want %d or %d", got, n-subscriberBuffer-1, n-subscriberBuffer)
	}
}

func TestBusForgetsTopicWithoutSubscribers(t *testing.T) {
	b := NewBus()
	cancel, err := b.Subscribe(context.Background(), "t", func([]byte) {})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	b.mu.RLock()
	n := len(b.topics)
	b.mu.RUnlock()
	if n != 0 {
		t.Fatalf("got %d topics after the last cancel, want 0", n)
	}
}

func TestBusRefusesEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := NewBus()
	if _, err := b.Subscribe(ctx, "t", func([]byte) {}); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("Subscribe with an ended context: got %v, want CodeUnavailable", err)
	}
}
