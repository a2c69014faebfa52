package api

import (
	"context"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// A user read before a change (a password reset, say) but returned after
// the change's notice must not be cached: it would let tokens the change
// revoked through for the cache's TTL.
func TestUserCacheForgetDuringLoad(t *testing.T) {
	ctx := context.Background()
	c := newUserCache(time.Minute)
	stale := &gateway.User{ID: "u", TokenVersion: 0}
	fresh := &gateway.User{ID: "u", TokenVersion: 1}
	got, err := c.get(ctx, "u", func(context.Context, string) (*gateway.User, error) {
		c.forget("u") // the change lands while this load is in flight
		return stale, nil
	})
	if err != nil || got != stale {
		t.Fatalf("got %+v, %v; want the loaded user for this request", got, err)
	}
	got, _ = c.get(ctx, "u", func(context.Context, string) (*gateway.User, error) { return fresh, nil })
	if got.TokenVersion != 1 {
		t.Fatalf("got token version %d from the cache, want 1: a load older than the change was kept", got.TokenVersion)
	}
	// An undisturbed load is cached.
	got, _ = c.get(ctx, "u", func(context.Context, string) (*gateway.User, error) { return stale, nil })
	if got != fresh {
		t.Fatal("a cached user was loaded again within the TTL")
	}
}
