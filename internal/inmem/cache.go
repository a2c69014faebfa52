// Package inmem holds the in-process adapters of gateway.Cache,
// gateway.RateLimiter and gateway.Bus, used when the gateway runs as one
// process (no REDIS_URL) and as the fakes of other packages' tests.
//
// Time is measured on the monotonic clock, so a wall-clock jump neither
// expires keys early nor keeps them alive.
package inmem

import (
	"context"
	"strconv"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var _ gateway.Cache = (*Cache)(nil)

// Cache is an in-memory gateway.Cache with per-key expiry. Expired keys are
// invisible at once and removed by a periodic sweep; call Close to stop it.
type Cache struct {
	shards[cacheEntry]
}

type cacheEntry struct {
	value []byte
	// expires is the monotonic instant (since the cache's epoch) the key
	// dies at; 0 means never.
	expires time.Duration
}

func (e cacheEntry) expired(now time.Duration) bool { return e.expires != 0 && now >= e.expires }

// NewCache returns an empty cache and starts its sweeper.
func NewCache() *Cache {
	c := &Cache{}
	c.start(func(now time.Duration, e cacheEntry) bool { return e.expired(now) })
	return c
}

// deadline turns a ttl into an expiry instant; ttl <= 0 means never.
func (c *Cache) deadline(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return 0
	}
	return c.now() + ttl
}

// Get returns a copy of the value of key; ok is false when absent or expired.
func (c *Cache) Get(_ context.Context, key string) ([]byte, bool, error) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	if !ok {
		return nil, false, nil
	}
	if e.expired(c.now()) {
		delete(s.m, key)
		return nil, false, nil
	}
	return clone(e.value), true, nil
}

// Set stores a copy of value for ttl (no expiry when ttl <= 0).
func (c *Cache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s := c.shard(key)
	e := cacheEntry{value: clone(value), expires: c.deadline(ttl)}
	s.mu.Lock()
	s.m[key] = e
	s.mu.Unlock()
	return nil
}

// SetNX stores a copy of value only when key is absent or expired, and
// reports whether it stored.
func (c *Cache) SetNX(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; ok && !e.expired(c.now()) {
		return false, nil
	}
	s.m[key] = cacheEntry{value: clone(value), expires: c.deadline(ttl)}
	return true, nil
}

// Delete removes keys; absent keys are not an error.
func (c *Cache) Delete(_ context.Context, keys ...string) error {
	for _, key := range keys {
		s := c.shard(key)
		s.mu.Lock()
		delete(s.m, key)
		s.mu.Unlock()
	}
	return nil
}

// Incr adds delta to the decimal integer stored at key and returns the new
// value. An absent or expired key starts at 0 and gets ttl; an existing key
// keeps its expiry, as with Redis INCRBY. A value that is not an integer is
// a CodeInvalid error.
func (c *Cache) Incr(_ context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	if !ok || e.expired(c.now()) {
		e = cacheEntry{expires: c.deadline(ttl)}
	}
	var n int64
	if e.value != nil {
		v, err := strconv.ParseInt(string(e.value), 10, 64)
		if err != nil {
			return 0, gateway.WrapError(err, gateway.CodeInvalid, "The cached value is not a number.")
		}
		n = v
	}
	// Overflow is an error in Redis; match it rather than wrap around.
	if (delta > 0 && n > maxInt64-delta) || (delta < 0 && n < minInt64-delta) {
		return 0, gateway.Errorf(gateway.CodeInvalid, "The cached counter would overflow.")
	}
	n += delta
	e.value = strconv.AppendInt(nil, n, 10)
	s.m[key] = e
	return n, nil
}

const (
	maxInt64 = 1<<63 - 1
	minInt64 = -1 << 63
)

func clone(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return append([]byte(nil), b...)
}
