// Package livecache keeps answers about live things (a session, its worker's
// status, an instance, whether a session can send) for a moment, dropped
// at once when a change notice names them.
package livecache

import (
	"context"
	"sync"
	"time"
)

// MaxEntries bounds a cache: past it, it starts over rather than grow.
const MaxEntries = 100000

// Cache keeps the answers of live views (a session's worker status, an
// instance, a session's readiness to send) for a moment, so a warm gateway
// answers from memory instead of with queries and calls to the worker. Entries
// are keyed by the resource's id and hold the tenant they were read for: a
// hit for any other tenant is a miss, and the read behind it answers 404 as
// before.
//
// Every change drops its entry: here at once when this gateway made it or
// its own worker saw it, on the other gateways when the bus notice arrives
// (STATUS_CACHE_TTL bounds a lost notice). A read that was under way when a
// change landed may hold the state from before it, so it is answered but
// not kept; nor are answers in a transition (starting, reconnecting), which
// move on by themselves.
type Cache[V any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*entry[V]
}

type entry[V any] struct {
	owner string
	v     V
	exp   time.Time
	held  bool   // v is an answer; otherwise a read may be under way
	gen   uint64 // counts forgets, so a read can tell one landed while it ran
}

// New returns a cache keeping answers for ttl (0 or less: none).
func New[V any](ttl time.Duration) *Cache[V] {
	return &Cache[V]{ttl: ttl, m: map[string]*entry[V]{}}
}

// Get answers key for owner from memory, or loads it; keep says whether an
// answer may be kept (not a transition).
func (c *Cache[V]) Get(ctx context.Context, owner, key string, load func(context.Context) (V, error), keep func(V) bool) (V, error) {
	now := time.Now()
	c.mu.Lock()
	if c.ttl <= 0 {
		c.mu.Unlock()
		return load(ctx)
	}
	e := c.m[key]
	if e != nil && e.held && e.owner == owner && now.Before(e.exp) {
		v := e.v
		c.mu.Unlock()
		return v, nil
	}
	if e == nil {
		if len(c.m) >= MaxEntries {
			c.m = map[string]*entry[V]{} // reads under way see their entry gone and keep nothing
		}
		e = &entry[V]{}
		c.m[key] = e
	}
	gen := e.gen
	c.mu.Unlock()

	v, err := load(ctx)
	if err != nil || !keep(v) {
		return v, err
	}
	c.mu.Lock()
	if c.m[key] == e && e.gen == gen {
		e.owner, e.v, e.exp, e.held = owner, v, now.Add(c.ttl), true
	}
	c.mu.Unlock()
	return v, nil
}

// Forget drops key's answer and spoils any read of it under way.
func (c *Cache[V]) Forget(key string) {
	c.mu.Lock()
	if e := c.m[key]; e != nil {
		var zero V
		e.v, e.held = zero, false
		e.gen++
	}
	c.mu.Unlock()
}

// Off stops keeping answers (change notices cannot arrive): every Get loads.
func (c *Cache[V]) Off() {
	c.mu.Lock()
	c.ttl = 0
	clear(c.m)
	c.mu.Unlock()
}

// Watch puts an empty entry for key, whose forgets Forgotten counts: a test
// (or a probe) publishes a notice for a key nothing else uses and waits
// until it is heard, so every notice published before it has landed.
func (c *Cache[V]) Watch(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = &entry[V]{}
}

// Forgotten is how many times key was forgotten since its entry was made.
func (c *Cache[V]) Forgotten(key string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[key]; e != nil {
		return e.gen
	}
	return 0
}
