package service

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/secrets"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

// fixture is a Service over a SQLite store in a temporary directory, with
// real tokens, an in-memory cache, the default plan and a fixed clock: the
// use cases as the gateway runs them, without HTTP or workers.
type fixture struct {
	*Service
	st     *sqlite.Store
	tokens *auth.Tokens
	now    time.Time
}

func newFixture(t *testing.T, edit ...func(*Settings)) *fixture {
	t.Helper()
	return newFixtureWith(t, nil, edit...)
}

// newFixtureWith is newFixture whose service sends account mail through
// mailer (nil: mail is not configured).
func newFixtureWith(t *testing.T, mailer Mailer, edit ...func(*Settings)) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gateway.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cache := inmem.NewCache()
	t.Cleanup(func() { cache.Close(); _ = st.Close() })
	tokens := auth.NewTokens(secrets.NewStatic(secrets.Static{JWT: []byte("a-test-signing-key-of-enough-bytes")}), "gateway", "api", time.Hour)
	cfg := Settings{
		BcryptRounds: 4, DefaultEngine: gateway.EngineSandbox, Engines: []string{gateway.EngineSandbox},
		MaxInstancesPerUser: 2, EnableRegistration: true, EnableAPIKeys: true, EnableWebhooks: true,
		LoginMaxAttempts: 3, LoginLockout: time.Minute, LoginLockoutAddresses: 5,
	}
	for _, e := range edit {
		e(&cfg)
	}
	f := &fixture{Service: New(Deps{Stores: StoresOf(st), Cache: cache, Tokens: tokens, Mailer: mailer}, cfg), st: st, tokens: tokens,
		now: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)}
	f.Service.now = func() time.Time { return f.now }
	must(t, f.EnsureDefaultPlan(t.Context()))
	return f
}

// register creates an account through Register and returns its user.
func (f *fixture) register(t *testing.T, email string) *gateway.User {
	t.Helper()
	res, err := f.Register(t.Context(), RegisterInput{Email: email, Password: "correct horse battery", Name: "Ann"})
	must(t, err)
	return res.User
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, err error, code gateway.Code) {
	t.Helper()
	if !gateway.IsCode(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// wantFields fails t unless err is a validation error naming every field.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	wantCode(t, err, gateway.CodeValidation)
	var e *gateway.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T, want *gateway.Error", err)
	}
	for _, name := range fields {
		if e.Fields[name] == "" {
			t.Errorf("validation error %v does not name %q", e.Fields, name)
		}
	}
}
