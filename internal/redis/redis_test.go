package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
	goredis "github.com/redis/go-redis/v9"

	"github.com/whatsapp-saas/gateway/internal/cachetest"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// backend is a Redis server for one top-level test: a miniredis always,
// the real server of TEST_REDIS_URL when set.
type backend struct {
	name   string
	client goredis.UniversalClient
}

// backends returns the servers to run a test against. Each test uses its
// own key prefix, so they can share a server and run in parallel.
func backends(t *testing.T) []backend {
	t.Helper()
	m := miniredis.RunT(t)
	runClock(t, m)
	mc := goredis.NewClient(&goredis.Options{Addr: m.Addr()})
	t.Cleanup(func() { mc.Close() })
	out := []backend{{"miniredis", mc}}
	if url := os.Getenv("TEST_REDIS_URL"); url != "" {
		rc, err := Open(context.Background(), url)
		if err != nil {
			t.Fatalf("TEST_REDIS_URL: %v", err)
		}
		t.Cleanup(func() { rc.Close() })
		out = append(out, backend{"redis", rc})
	}
	return out
}

// runClock makes miniredis's key expiry follow real time: on its own it
// expires keys only when told to FastForward.
func runClock(t *testing.T, m *miniredis.Miniredis) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

// uniquePrefix returns a key prefix no other test uses, and deletes its
// keys when the test ends (on a shared real server).
func uniquePrefix(t *testing.T, c goredis.UniversalClient) string {
	var b [6]byte
	rand.Read(b[:])
	p := "test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, p+"*", 100).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return p
}

func TestCache(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			cachetest.RunCache(t, func(t *testing.T) gateway.Cache {
				return NewCache(be.client, uniquePrefix(t, be.client))
			})
		})
	}
}

func TestRateLimiter(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			cachetest.RunRateLimiter(t, func(t *testing.T) gateway.RateLimiter {
				return NewRateLimiter(be.client, uniquePrefix(t, be.client))
			})
		})
	}
}

func TestBus(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			cachetest.RunBus(t, func(t *testing.T) gateway.Bus {
				b := NewBus(be.client, uniquePrefix(t, be.client), nil)
				t.Cleanup(func() { b.Close() })
				return b
			})
		})
	}
}

// TestRateLimiterSharedByGateways checks that limiters of several
// processes (separate clients) sharing Redis enforce one limit together.
func TestRateLimiterSharedByGateways(t *testing.T) {
	m := miniredis.RunT(t)
	prefix := "shared:"
	const gateways, goroutines, each, limit = 3, 10, 10, 100
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range gateways {
		c := goredis.NewClient(&goredis.Options{Addr: m.Addr()})
		t.Cleanup(func() { c.Close() })
		l := NewRateLimiter(c, prefix)
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					r, err := l.Allow(context.Background(), "tenant", limit, time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Allowed {
						allowed.Add(1)
					}
				}
			}()
		}
	}
	wg.Wait()
	if got := allowed.Load(); got != limit {
		t.Fatalf("got %d allowed across %d gateways, want %d", got, gateways, limit)
	}
	if n, err := m.ZMembers(prefix + "rate:tenant"); err != nil || len(n) != limit {
		t.Fatalf("got %d remembered hits (%v), want %d", len(n), err, limit)
	}
}

func TestKeysArePrefixed(t *testing.T) {
	m := miniredis.RunT(t)
	c := goredis.NewClient(&goredis.Options{Addr: m.Addr()})
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := NewCache(c, "wsg:").Set(ctx, "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRateLimiter(c, "wsg:").Allow(ctx, "k", 5, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Get("wsg:cache:k"); err != nil || got != "v" {
		t.Fatalf("got %q, %v at wsg:cache:k, want v", got, err)
	}
	if !m.Exists("wsg:rate:k") {
		t.Fatal("rate limit key wsg:rate:k missing")
	}
	// The limiter's key expires with its window, so idle keys cost nothing.
	if ttl := m.TTL("wsg:rate:k"); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("got TTL %v on the rate limit key, want in (0, 1m]", ttl)
	}
}

func TestBusAcrossProcesses(t *testing.T) {
	m := miniredis.RunT(t)
	newBus := func() *Bus {
		c := goredis.NewClient(&goredis.Options{Addr: m.Addr()})
		b := NewBus(c, "wsg:", nil)
		t.Cleanup(func() { b.Close(); c.Close() })
		return b
	}
	a, b := newBus(), newBus()
	got := make(chan string, 1)
	cancel, err := b.Subscribe(context.Background(), "wake", func(p []byte) { got <- string(p) })
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if err := a.Publish(context.Background(), "wake", []byte("session-1")); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "session-1" {
			t.Fatalf("got %q, want session-1", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("payload published by another process never arrived")
	}
}

// receiveAfter publishes on topic until fn has received a payload, or
// fails after 15 s.
func receiveAfter(t *testing.T, b *Bus, topic string, got func() int) {
	t.Helper()
	// Payloads sent before the subscription is back are lost, as documented.
	polltest.Eventually(t, 15*time.Second, "a payload received after the connection was lost", func() bool {
		_ = b.Publish(context.Background(), topic, []byte("after"))
		return got() > 0
	})
}

// subscribedBus is a bus on c, resubscribing every every, subscribed to
// topic "t"; got counts the payloads received.
func subscribedBus(t *testing.T, c *goredis.Client, every time.Duration) (b *Bus, got func() int) {
	t.Helper()
	t.Cleanup(func() { c.Close() })
	b = newBus(c, "wsg:", nil, every)
	t.Cleanup(func() { b.Close() })
	var n atomic.Int32
	cancel, err := b.Subscribe(context.Background(), "t", func([]byte) { n.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return b, func() int { return int(n.Load()) }
}

func TestBusResubscribesAfterConnectionLoss(t *testing.T) {
	m := miniredis.RunT(t)
	// Restart is racy in miniredis: the new server answers connections
	// before its commands are registered, so the reconnected connection's
	// SUBSCRIBE may be refused ("unknown command"); the bus must recover
	// from that (see TestBusResubscribesWhenTheServerRefusedIt).
	b, got := subscribedBus(t, goredis.NewClient(&goredis.Options{Addr: m.Addr(), MaxRetries: -1}), 100*time.Millisecond)
	m.Close()
	if err := m.Restart(); err != nil {
		t.Fatalf("restart miniredis: %v", err)
	}
	receiveAfter(t, b, "t", got)
}

// TestBusResubscribesWhenTheServerRefusedIt: after a reconnect go-redis
// sends the pub/sub connection's SUBSCRIBE without reading the answer; a
// refusal left the connection up and the topic deaf for good (the flaky
// failure of the test above, under load). The bus subscribes its topics
// again, so the topic is heard once more.
func TestBusResubscribesWhenTheServerRefusedIt(t *testing.T) {
	m := miniredis.RunT(t)
	// Dials wait while the server is being swapped, so the reconnection
	// meets the refusing server, never the old one or a new one too early.
	var gate sync.RWMutex
	var dialer net.Dialer
	b, got := subscribedBus(t, goredis.NewClient(&goredis.Options{Addr: m.Addr(), MaxRetries: -1,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			gate.RLock()
			defer gate.RUnlock()
			return dialer.DialContext(ctx, network, addr)
		}}), 200*time.Millisecond)

	gate.Lock()
	m.Close()
	if err := m.Restart(); err != nil {
		gate.Unlock()
		t.Fatalf("restart miniredis: %v", err)
	}
	var refused atomic.Int32
	m.Server().SetPreHook(func(p *server.Peer, cmd string, args ...string) bool {
		if cmd == "SUBSCRIBE" && refused.CompareAndSwap(0, 1) {
			p.WriteError("LOADING Redis is loading the dataset in memory")
			return true
		}
		return false
	})
	gate.Unlock()
	receiveAfter(t, b, "t", got)
	if refused.Load() != 1 {
		t.Fatal("the reconnected connection never sent SUBSCRIBE: the test did not exercise a refusal")
	}
}

func TestSubscribeAfterClose(t *testing.T) {
	m := miniredis.RunT(t)
	c := goredis.NewClient(&goredis.Options{Addr: m.Addr()})
	t.Cleanup(func() { c.Close() })
	b := NewBus(c, "wsg:", nil)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := b.Subscribe(context.Background(), "t", func([]byte) {}); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("Subscribe after Close: got %v, want CodeUnavailable", err)
	}
}

func TestUnavailable(t *testing.T) {
	m := miniredis.RunT(t)
	c := goredis.NewClient(&goredis.Options{Addr: m.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	cache := NewCache(c, "p:")
	ctx := context.Background()
	if err := cache.Ping(ctx); err != nil {
		t.Fatalf("Ping while up: %v", err)
	}
	m.Close()
	tests := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return cache.Ping(ctx) }},
		{"Get", func() error { _, _, err := cache.Get(ctx, "k"); return err }},
		{"Set", func() error { return cache.Set(ctx, "k", nil, 0) }},
		{"Incr", func() error { _, err := cache.Incr(ctx, "k", 1, 0); return err }},
		{"Allow", func() error {
			_, err := NewRateLimiter(c, "p:").Allow(ctx, "k", 1, time.Second)
			return err
		}},
		{"Publish", func() error {
			b := NewBus(c, "p:", nil)
			defer b.Close()
			return b.Publish(ctx, "t", nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := gateway.ErrorCode(err); got != gateway.CodeUnavailable {
				t.Fatalf("got %v (%s), want CodeUnavailable", err, got)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	m := miniredis.RunT(t)
	ctx := context.Background()
	c, err := Open(ctx, "redis://"+m.Addr()+"/0")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	c.Close()

	m.RequireAuth("s3cret-pass")
	c, err = Open(ctx, "redis://:s3cret-pass@"+m.Addr())
	if err != nil {
		t.Fatalf("Open with a password: %v", err)
	}
	c.Close()

	tests := []struct {
		name string
		url  string
		want gateway.Code
	}{
		{"wrong password", "redis://:nope@" + m.Addr(), gateway.CodeUnavailable},
		{"nothing listening", "redis://127.0.0.1:1", gateway.CodeUnavailable},
		{"bad scheme", "http://" + m.Addr(), gateway.CodeInvalid},
		{"bad port", "redis://:hunter2-secret@localhost:notaport", gateway.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(ctx, tt.url)
			if got := gateway.ErrorCode(err); got != tt.want {
				t.Fatalf("got %v (%s), want %s", err, got, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %q reveals the password", err)
			}
		})
	}
}

func TestTranslate(t *testing.T) {
	if err := translate(nil); err != nil {
		t.Fatalf("translate(nil) = %v, want nil", err)
	}
	got := translate(errors.New("dial tcp: connection refused"))
	if gateway.ErrorCode(got) != gateway.CodeUnavailable {
		t.Fatalf("network error: got %v, want CodeUnavailable", got)
	}
	if gateway.ErrorMessage(got) != "The cache is unavailable." {
		t.Fatalf("got public message %q", gateway.ErrorMessage(got))
	}
}
