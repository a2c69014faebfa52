package cachetest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// RunCache runs the gateway.Cache behaviour suite. newCache returns a cache
// with no keys that no other test uses; it registers its own cleanup.
func RunCache(t *testing.T, newCache func(t *testing.T) gateway.Cache) {
	suite[gateway.Cache]{
		{"GetAbsent", testGetAbsent},
		{"SetGet", testSetGet},
		{"SetOverwrites", testSetOverwrites},
		{"ValueIsCopied", testValueIsCopied},
		{"EmptyValue", testEmptyValue},
		{"Expiry", testExpiry},
		{"SetWithoutTTLClearsExpiry", testSetWithoutTTLClearsExpiry},
		{"SetNX", testSetNX},
		{"SetNXAfterExpiry", testSetNXAfterExpiry},
		{"SetNXConcurrent", testSetNXConcurrent},
		{"Delete", testDelete},
		{"Incr", testIncr},
		{"IncrTTLOnlyOnCreate", testIncrTTLOnlyOnCreate},
		{"IncrNotANumber", testIncrNotANumber},
		{"IncrConcurrent", testIncrConcurrent},
	}.run(t, newCache)
}

func mustSet(t *testing.T, c gateway.Cache, key, value string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), key, []byte(value), ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

// get returns the value of key and whether it is present.
func get(t *testing.T, c gateway.Cache, key string) (string, bool) {
	t.Helper()
	v, ok, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return string(v), ok
}

func wantValue(t *testing.T, c gateway.Cache, key, want string) {
	t.Helper()
	got, ok := get(t, c, key)
	if !ok {
		t.Fatalf("Get(%q): absent, want %q", key, want)
	}
	if got != want {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func wantAbsent(t *testing.T, c gateway.Cache, key string) {
	t.Helper()
	if got, ok := get(t, c, key); ok {
		t.Fatalf("Get(%q) = %q, want absent", key, got)
	}
}

func testGetAbsent(t *testing.T, c gateway.Cache) {
	wantAbsent(t, c, "missing")
}

func testSetGet(t *testing.T, c gateway.Cache) {
	mustSet(t, c, "a", "alpha", long)
	mustSet(t, c, "b", "beta", 0)
	wantValue(t, c, "a", "alpha")
	wantValue(t, c, "b", "beta")
	bin := string([]byte{0, 1, 2, 255, '\n'})
	mustSet(t, c, "bin", bin, 0)
	wantValue(t, c, "bin", bin)
}

func testSetOverwrites(t *testing.T, c gateway.Cache) {
	mustSet(t, c, "k", "one", 0)
	mustSet(t, c, "k", "two", 0)
	wantValue(t, c, "k", "two")
}

func testValueIsCopied(t *testing.T, c gateway.Cache) {
	ctx := context.Background()
	v := []byte("original")
	if err := c.Set(ctx, "k", v, 0); err != nil {
		t.Fatal(err)
	}
	copy(v, "XXXXXXXX")
	wantValue(t, c, "k", "original")
	got, _, err := c.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	copy(got, "YYYYYYYY")
	wantValue(t, c, "k", "original")
}

func testEmptyValue(t *testing.T, c gateway.Cache) {
	mustSet(t, c, "empty", "", 0)
	wantValue(t, c, "empty", "")
}

func testExpiry(t *testing.T, c gateway.Cache) {
	start := time.Now()
	mustSet(t, c, "short", "x", short)
	if got, ok := get(t, c, "short"); fresh(start) && (!ok || got != "x") {
		t.Fatalf("Get right after Set = %q, %v; want x, true", got, ok)
	}
	mustSet(t, c, "long", "y", long)
	mustSet(t, c, "forever", "z", 0)
	mustSet(t, c, "negative", "n", -time.Second)
	polltest.Eventually(t, patience, "key with a short ttl to expire", func() bool {
		_, ok := get(t, c, "short")
		return !ok
	})
	wantValue(t, c, "long", "y")
	wantValue(t, c, "forever", "z")
	wantValue(t, c, "negative", "n")
}

func testSetWithoutTTLClearsExpiry(t *testing.T, c gateway.Cache) {
	mustSet(t, c, "k", "first", short)
	mustSet(t, c, "k", "second", 0)
	mustSet(t, c, "witness", "w", short)
	polltest.Eventually(t, patience, "witness key to expire", func() bool {
		_, ok := get(t, c, "witness")
		return !ok
	})
	wantValue(t, c, "k", "second")
}

func testSetNX(t *testing.T, c gateway.Cache) {
	ctx := context.Background()
	ok, err := c.SetNX(ctx, "lock", []byte("first"), long)
	if err != nil || !ok {
		t.Fatalf("first SetNX = %v, %v; want true, nil", ok, err)
	}
	ok, err = c.SetNX(ctx, "lock", []byte("second"), long)
	if err != nil || ok {
		t.Fatalf("second SetNX = %v, %v; want false, nil", ok, err)
	}
	wantValue(t, c, "lock", "first")
	if err := c.Delete(ctx, "lock"); err != nil {
		t.Fatal(err)
	}
	ok, err = c.SetNX(ctx, "lock", []byte("third"), 0)
	if err != nil || !ok {
		t.Fatalf("SetNX after Delete = %v, %v; want true, nil", ok, err)
	}
	wantValue(t, c, "lock", "third")
}

func testSetNXAfterExpiry(t *testing.T, c gateway.Cache) {
	ctx := context.Background()
	if ok, err := c.SetNX(ctx, "lock", []byte("old"), short); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v; want true, nil", ok, err)
	}
	polltest.Eventually(t, patience, "SetNX to succeed once the key expired", func() bool {
		ok, err := c.SetNX(ctx, "lock", []byte("new"), long)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
	wantValue(t, c, "lock", "new")
}

func testSetNXConcurrent(t *testing.T, c gateway.Cache) {
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := c.SetNX(context.Background(), "lock", []byte(strconv.Itoa(i)), long)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("got %d winners of SetNX, want 1", won)
	}
}

func testDelete(t *testing.T, c gateway.Cache) {
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, c, k, k, 0)
	}
	if err := c.Delete(ctx, "a", "b", "never-set"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantAbsent(t, c, "a")
	wantAbsent(t, c, "b")
	wantValue(t, c, "c", "c")
	if err := c.Delete(ctx); err != nil {
		t.Fatalf("Delete with no keys: %v", err)
	}
	if err := c.Delete(ctx, "never-set"); err != nil {
		t.Fatalf("Delete of an absent key: %v", err)
	}
}

func testIncr(t *testing.T, c gateway.Cache) {
	ctx := context.Background()
	steps := []struct {
		delta int64
		want  int64
	}{{1, 1}, {1, 2}, {5, 7}, {-10, -3}, {0, -3}}
	for _, s := range steps {
		got, err := c.Incr(ctx, "n", s.delta, long)
		if err != nil {
			t.Fatalf("Incr(%d): %v", s.delta, err)
		}
		if got != s.want {
			t.Fatalf("Incr(%d) = %d, want %d", s.delta, got, s.want)
		}
	}
	// The counter is readable as a decimal string, as in Redis.
	wantValue(t, c, "n", "-3")
	mustSet(t, c, "m", "41", 0)
	if got, err := c.Incr(ctx, "m", 1, 0); err != nil || got != 42 {
		t.Fatalf("Incr on a set number = %d, %v; want 42, nil", got, err)
	}
}

func testIncrTTLOnlyOnCreate(t *testing.T, c gateway.Cache) {
	ctx := context.Background()
	start := time.Now()
	if _, err := c.Incr(ctx, "n", 1, short); err != nil {
		t.Fatal(err)
	}
	// A later Incr with another ttl must not extend the counter's life.
	got, err := c.Incr(ctx, "n", 1, long)
	if err != nil {
		t.Fatal(err)
	}
	if !fresh(start) {
		t.Skip("machine too slow to increment before the counter expires")
	}
	if got != 2 {
		t.Fatalf("second Incr = %d, want 2", got)
	}
	polltest.Eventually(t, patience, "counter to expire with its first ttl", func() bool {
		_, ok := get(t, c, "n")
		return !ok
	})
	if got, err := c.Incr(ctx, "n", 1, 0); err != nil || got != 1 {
		t.Fatalf("Incr after expiry = %d, %v; want 1, nil", got, err)
	}
}

func testIncrNotANumber(t *testing.T, c gateway.Cache) {
	mustSet(t, c, "word", "hello", 0)
	if _, err := c.Incr(context.Background(), "word", 1, 0); err == nil {
		t.Fatal("Incr on a non-number: got no error, want one")
	}
	wantValue(t, c, "word", "hello")
}

func testIncrConcurrent(t *testing.T, c gateway.Cache) {
	const goroutines, each = 20, 25
	var wg sync.WaitGroup
	seen := make(chan int64, goroutines*each)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				n, err := c.Incr(context.Background(), "n", 1, long)
				if err != nil {
					t.Error(err)
					return
				}
				seen <- n
			}
		}()
	}
	wg.Wait()
	close(seen)
	got := make(map[int64]bool)
	for n := range seen {
		if got[n] {
			t.Fatalf("Incr returned %d twice", n)
		}
		got[n] = true
	}
	wantValue(t, c, "n", fmt.Sprint(goroutines*each))
}
