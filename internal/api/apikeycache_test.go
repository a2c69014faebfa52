package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/secrets"
	"github.com/whatsapp-saas/gateway/internal/service"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

// countingStore counts the lookups API-key authentication makes.
type countingStore struct {
	gateway.Store
	keys, users atomic.Int64
}

func (c *countingStore) APIKeyByHash(ctx context.Context, hash string) (*gateway.APIKey, error) {
	c.keys.Add(1)
	return c.Store.APIKeyByHash(ctx, hash)
}

func (c *countingStore) UserByID(ctx context.Context, id string) (*gateway.User, error) {
	c.users.Add(1)
	return c.Store.UserByID(ctx, id)
}

// keyFixture is one store and bus shared by two API servers (two gateways),
// with a tenant and an API key.
type keyFixture struct {
	store *countingStore
	svc   *service.Service
	bus   *inmem.Bus
	user  *gateway.User
	key   *gateway.APIKey
}

func newKeyFixture(t *testing.T) *keyFixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gateway.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{Store: st}
	tokens := auth.NewTokens(secrets.NewStatic(secrets.Static{JWT: []byte("api-key-cache-test-secret-0123456789abcdef")}), "i", "a", time.Hour)
	svc := service.New(service.Deps{Stores: service.StoresOf(cs), Cache: inmem.NewCache(), Tokens: tokens, Background: t.Context()},
		service.Settings{EnableAPIKeys: true, Mode: "embedded"})
	u := &gateway.User{Email: "keys@example.com", Name: "Keys", PasswordHash: "x", Status: gateway.UserActive}
	if err := st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	k, err := svc.CreateAPIKey(t.Context(), u, service.CreateAPIKeyInput{Name: "cached"})
	if err != nil {
		t.Fatal(err)
	}
	return &keyFixture{store: cs, svc: svc, bus: inmem.NewBus(), user: u, key: k}
}

func (f *keyFixture) server(t *testing.T, ttl time.Duration) *Server {
	s := New(Deps{Service: f.svc, Limiter: inmem.NewRateLimiter(), Bus: f.bus}, Config{UserCacheTTL: ttl})
	t.Cleanup(s.Close)
	return s
}

// call sends method path with the fixture's key and returns the status.
func (f *keyFixture) call(s *Server, method, path string) int {
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("X-API-Key", f.key.Key)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code
}

// TestAPIKeyCacheHitAvoidsStore: after the first request, a key's requests
// look up neither the key nor its user in the store.
func TestAPIKeyCacheHitAvoidsStore(t *testing.T) {
	f := newKeyFixture(t)
	s := f.server(t, time.Minute)
	if got := f.call(s, "GET", "/api/v1/api-keys"); got != http.StatusOK {
		t.Fatalf("first request: got %d, want 200", got)
	}
	keys, users := f.store.keys.Load(), f.store.users.Load()
	if keys != 1 || users < 1 {
		t.Fatalf("first request: %d key and %d user lookups, want 1 and at least 1", keys, users)
	}
	for range 5 {
		if got := f.call(s, "GET", "/api/v1/api-keys"); got != http.StatusOK {
			t.Fatalf("cached request: got %d, want 200", got)
		}
	}
	if k, u := f.store.keys.Load(), f.store.users.Load(); k != keys || u != users {
		t.Fatalf("cached requests looked up %d keys and %d users, want none", k-keys, u-users)
	}

	// Without the cache every request reads both.
	off := f.server(t, 0)
	keys = f.store.keys.Load()
	f.call(off, "GET", "/api/v1/api-keys")
	f.call(off, "GET", "/api/v1/api-keys")
	if got := f.store.keys.Load() - keys; got != 2 {
		t.Fatalf("AUTH_CACHE_TTL=0: %d key lookups for 2 requests, want 2", got)
	}
}

// TestAPIKeyRevokedAtOnceOnEveryServer: a key revoked through one gateway
// is refused by it at once and by another (warm, with a cache far longer
// than the test) as soon as the bus notice lands, never after the TTL.
func TestAPIKeyRevokedAtOnceOnEveryServer(t *testing.T) {
	f := newKeyFixture(t)
	a, b := f.server(t, time.Hour), f.server(t, time.Hour)
	for _, s := range []*Server{a, b} {
		if got := f.call(s, "GET", "/api/v1/api-keys"); got != http.StatusOK {
			t.Fatalf("warm-up: got %d, want 200", got)
		}
	}
	if got := f.call(a, "DELETE", "/api/v1/api-keys/"+f.key.ID); got != http.StatusOK {
		t.Fatalf("revoke: got %d, want 200", got)
	}
	if got := f.call(a, "GET", "/api/v1/api-keys"); got != http.StatusUnauthorized {
		t.Fatalf("revoking gateway, right after: got %d, want 401", got)
	}
	polltest.Eventually(t, 10*time.Second, "the other gateway refusing the revoked key (the notice reaching its cache)", func() bool {
		return f.call(b, "GET", "/api/v1/api-keys") == http.StatusUnauthorized
	})
}

// TestAPIKeyOwnerSuspendedAtOnce: the key's owner is cached as users are,
// so a suspension notice refuses the key at once.
func TestAPIKeyOwnerSuspendedAtOnce(t *testing.T) {
	f := newKeyFixture(t)
	s := f.server(t, time.Hour)
	if got := f.call(s, "GET", "/api/v1/api-keys"); got != http.StatusOK {
		t.Fatalf("warm-up: got %d, want 200", got)
	}
	f.user.Status = gateway.UserSuspended
	if err := f.store.UpdateUser(t.Context(), f.user); err != nil {
		t.Fatal(err)
	}
	if got := f.call(s, "GET", "/api/v1/api-keys"); got != http.StatusOK {
		t.Fatalf("before the notice: got %d, want 200 from the cache (else this test proves nothing)", got)
	}
	s.userChanged(t.Context(), f.user.ID)
	if got := f.call(s, "GET", "/api/v1/api-keys"); got != http.StatusForbidden {
		t.Fatalf("after the notice: got %d, want 403", got)
	}
}

// A key touched (last use recorded) while it was revoked and reloaded must
// not put the unrevoked copy back in the cache.
func TestAPIKeyTouchKeepsNewerCopy(t *testing.T) {
	c := newTTLCache[*gateway.APIKey](time.Hour)
	old := &gateway.APIKey{ID: "k", Hash: "h"}
	revoked := &gateway.APIKey{ID: "k", Hash: "h", RevokedAt: new(time.Now())}
	c.get(t.Context(), "h", func(context.Context, string) (*gateway.APIKey, error) { return old, nil })
	c.forgetIf(func(k *gateway.APIKey) bool { return k.ID == "k" })
	c.get(t.Context(), "h", func(context.Context, string) (*gateway.APIKey, error) { return revoked, nil })
	s := &Server{keys: c}
	s.lookupThroughCaches().Touched(old, time.Now())
	got, _ := c.get(t.Context(), "h", nil)
	if got.RevokedAt == nil {
		t.Fatal("the touch of an older copy replaced the revoked key in the cache")
	}
}
