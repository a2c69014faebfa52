package api

import (
	"context"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// ttlCache keeps what authentication looks up on every request (users by
// id, API keys by hash) for a moment, so an authenticated read costs one
// database query, not two or three. A change (suspension, password, plan,
// key revocation) forgets the entry here and, through the bus, on every
// gateway; without a bus it takes effect within ttl. Errors are not cached.
type ttlCache[V any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cached[V]
	// forgets counts forget calls: a load that saw one land while it was
	// in flight may hold the value as it was before the change, and is not
	// cached.
	forgets uint64
}

type cached[V any] struct {
	v   V
	exp time.Time
}

// maxCached bounds a cache: past it, it starts over rather than grow.
const maxCached = 100000

func newTTLCache[V any](ttl time.Duration) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, m: map[string]cached[V]{}}
}

// userCache caches users by id.
type userCache = ttlCache[*gateway.User]

func newUserCache(ttl time.Duration) *userCache { return newTTLCache[*gateway.User](ttl) }

func (c *ttlCache[V]) get(ctx context.Context, key string, load func(context.Context, string) (V, error)) (V, error) {
	if c.ttl <= 0 {
		return load(ctx, key)
	}
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[key]
	forgets := c.forgets
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.v, nil
	}
	v, err := load(ctx, key)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets != forgets {
		return v, nil
	}
	if len(c.m) > maxCached {
		c.m = map[string]cached[V]{}
	}
	c.m[key] = cached[V]{v: v, exp: now.Add(c.ttl)}
	return v, nil
}

func (c *ttlCache[V]) forget(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.forgets++
	c.mu.Unlock()
}

// forgetIf forgets every entry whose value matches. It walks the whole map:
// for rare changes (a key revoked) that name something other than the
// cache's key.
func (c *ttlCache[V]) forgetIf(match func(V) bool) {
	c.mu.Lock()
	for k, e := range c.m {
		if match(e.v) {
			delete(c.m, k)
		}
	}
	c.forgets++
	c.mu.Unlock()
}

// update swaps a cached value for what change returns, keeping its expiry,
// when key is cached and change accepts the value it holds (a caller checks
// that it is the very value it read, not one loaded after a revocation).
func (c *ttlCache[V]) update(key string, change func(V) (V, bool)) {
	c.mu.Lock()
	if e, ok := c.m[key]; ok {
		if v, ok := change(e.v); ok {
			c.m[key] = cached[V]{v: v, exp: e.exp}
		}
	}
	c.mu.Unlock()
}
