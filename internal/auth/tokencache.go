package auth

import (
	"context"
	"sync"
	"time"
)

// VerifyCache remembers tokens that verified, for at most ttl and never past
// their expiry, so a busy client's every request does not parse and check
// the same JWT again. The cost: a signing key retired in Vault stops being
// accepted up to ttl later.
type VerifyCache struct {
	tokens *Tokens
	ttl    time.Duration
	max    int
	mu     sync.Mutex
	m      map[string]cachedClaims
}

type cachedClaims struct {
	c   Claims
	exp time.Time
}

// NewVerifyCache wraps t; ttl <= 0 turns caching off.
func NewVerifyCache(t *Tokens, ttl time.Duration) *VerifyCache {
	return &VerifyCache{tokens: t, ttl: ttl, max: 50000, m: map[string]cachedClaims{}}
}

// Verify is Tokens.Verify with the cache in front.
func (v *VerifyCache) Verify(ctx context.Context, token string) (Claims, error) {
	if v.ttl <= 0 {
		return v.tokens.Verify(ctx, token)
	}
	now := time.Now()
	v.mu.Lock()
	e, ok := v.m[token]
	v.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.c, nil
	}
	c, err := v.tokens.Verify(ctx, token)
	if err != nil {
		return c, err
	}
	exp := now.Add(v.ttl)
	if c.ExpiresAt.Before(exp) {
		exp = c.ExpiresAt
	}
	v.mu.Lock()
	if len(v.m) >= v.max {
		v.m = map[string]cachedClaims{} // bounded: start over rather than grow
	}
	v.m[token] = cachedClaims{c: c, exp: exp}
	v.mu.Unlock()
	return c, nil
}
