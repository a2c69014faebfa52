package api

import (
	"context"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// userCache keeps users looked up by token for a moment, so an
// authenticated read costs one database query, not two. A change to a user
// (suspension, password, plan) forgets it here and, through the bus, on
// every gateway; without a bus it takes effect within ttl.
type userCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedUser
	// forgets counts forget calls: a load that saw one land while it was
	// in flight may hold the user as it was before the change, and is not
	// cached.
	forgets uint64
}

type cachedUser struct {
	u   *gateway.User
	exp time.Time
}

func newUserCache(ttl time.Duration) *userCache {
	return &userCache{ttl: ttl, m: map[string]cachedUser{}}
}

func (c *userCache) get(ctx context.Context, id string, load func(context.Context, string) (*gateway.User, error)) (*gateway.User, error) {
	if c.ttl <= 0 {
		return load(ctx, id)
	}
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[id]
	forgets := c.forgets
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.u, nil
	}
	u, err := load(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets != forgets {
		return u, nil
	}
	if len(c.m) > 100000 {
		c.m = map[string]cachedUser{} // bounded: start over rather than grow
	}
	c.m[id] = cachedUser{u: u, exp: now.Add(c.ttl)}
	return u, nil
}

func (c *userCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.forgets++
	c.mu.Unlock()
}
