package vault_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/secrets"
	"github.com/whatsapp-saas/gateway/internal/vault"
	"github.com/whatsapp-saas/gateway/internal/vault/vaulttest"
)

const root = "root-token"

func client(t *testing.T, fake *vaulttest.Server) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = fake.URL
	cfg.MaxRetries = 0
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.ClearToken()
	return c
}

func data(jwt string) map[string]any {
	return map[string]any{"jwt_secret": jwt, "webhook_secret": "wh-" + jwt, "internal_secret": "in-" + jwt}
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func open(t *testing.T, fake *vaulttest.Server, mod func(*vault.Config)) *vault.Secrets {
	t.Helper()
	cfg := vault.Config{Client: client(t, fake), Token: root, TokenLifetime: time.Hour, Refresh: time.Hour}
	if mod != nil {
		mod(&cfg)
	}
	s, err := vault.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ids(keys []gateway.Key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, string(k.Secret))
	}
	return out
}

func TestReadsSecretsWithToken(t *testing.T) {
	fake := vaulttest.New(t, root)
	fake.Put("whatsapp-gateway", data("key-1"), time.Now())
	s := open(t, fake, nil)
	ctx := context.Background()
	cur, acc, err := s.JWTKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(cur.Secret) != "key-1" || cur.ID != secrets.KeyID([]byte("key-1")) || len(acc) != 1 {
		t.Errorf("got current %q (%s), accepted %v", cur.Secret, cur.ID, ids(acc))
	}
	if v, _ := s.WebhookSecret(ctx); string(v) != "wh-key-1" {
		t.Errorf("webhook: got %q", v)
	}
	if v, _ := s.InternalSecret(ctx); string(v) != "in-key-1" {
		t.Errorf("internal: got %q", v)
	}
}

func TestRotationKeepsThePreviousKeyForTheTokenLifetime(t *testing.T) {
	fake := vaulttest.New(t, root)
	clk := &clock{now: time.Now()}
	fake.Put("whatsapp-gateway", data("key-1"), clk.now.Add(-48*time.Hour))
	s := open(t, fake, func(c *vault.Config) { c.Now = clk.Now; c.Refresh = time.Minute })
	ctx := context.Background()

	fake.Put("whatsapp-gateway", data("key-2"), clk.now) // rotated now
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	cur, acc, _ := s.JWTKeys(ctx)
	if string(cur.Secret) != "key-2" || strings.Join(ids(acc), ",") != "key-2,key-1" {
		t.Fatalf("after rotation: current %q, accepted %v; want key-2 then key-1", cur.Secret, ids(acc))
	}
	if v, _ := s.InternalSecret(ctx); string(v) != "in-key-2" {
		t.Errorf("internal after rotation: got %q", v)
	}

	// A replica started after the rotation accepts the old key too.
	fresh := open(t, fake, func(c *vault.Config) { c.Now = clk.Now; c.Refresh = time.Minute })
	if _, acc, _ := fresh.JWTKeys(ctx); strings.Join(ids(acc), ",") != "key-2,key-1" {
		t.Errorf("fresh replica accepts %v", ids(acc))
	}

	// Once every token signed with key-1 expired, it is refused.
	clk.now = clk.now.Add(time.Hour + 2*time.Minute)
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, acc, _ := s.JWTKeys(ctx); strings.Join(ids(acc), ",") != "key-2" {
		t.Errorf("after the token lifetime: accepted %v, want key-2 alone", ids(acc))
	}
}

// Deleting or destroying a KV version revokes its key on the running
// replicas at their next refresh, not only on new ones; the versions
// around it keep their own window.
func TestDeletedVersionIsRevokedOnRunningReplicas(t *testing.T) {
	fake := vaulttest.New(t, root)
	now := time.Now()
	fake.Put("whatsapp-gateway", data("key-1"), now.Add(-3*time.Minute))
	fake.Put("whatsapp-gateway", data("key-2"), now.Add(-2*time.Minute))
	fake.Put("whatsapp-gateway", data("key-3"), now.Add(-time.Minute))
	fake.Put("whatsapp-gateway", data("key-4"), now)
	s := open(t, fake, func(c *vault.Config) { c.Refresh = time.Minute })
	ctx := context.Background()
	if _, acc, _ := s.JWTKeys(ctx); strings.Join(ids(acc), ",") != "key-4,key-3,key-2,key-1" {
		t.Fatalf("before: accepted %v", ids(acc))
	}

	fake.DeleteVersion("whatsapp-gateway", 3, time.Now())
	fake.DestroyVersion("whatsapp-gateway", 1)
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, acc, _ := s.JWTKeys(ctx); strings.Join(ids(acc), ",") != "key-4,key-2" {
		t.Errorf("running replica after deleting v3 and destroying v1: accepted %v, want key-4,key-2", ids(acc))
	}
	fresh := open(t, fake, func(c *vault.Config) { c.Refresh = time.Minute })
	if _, acc, _ := fresh.JWTKeys(ctx); strings.Join(ids(acc), ",") != "key-4,key-2" {
		t.Errorf("new replica: accepted %v, want key-4,key-2", ids(acc))
	}
}

func TestPeriodicRefreshPicksUpRotation(t *testing.T) {
	fake := vaulttest.New(t, root)
	fake.Put("whatsapp-gateway", data("key-1"), time.Now())
	s := open(t, fake, func(c *vault.Config) { c.Refresh = 10 * time.Millisecond })
	fake.Put("whatsapp-gateway", data("key-2"), time.Now())
	polltest.Until(t, 5*time.Second, "the rotated key picked up", func() (string, bool) {
		cur, _, _ := s.JWTKeys(context.Background())
		return string(cur.Secret), string(cur.Secret) == "key-2"
	})
}

func TestKeepsValuesWhileVaultFails(t *testing.T) {
	fake := vaulttest.New(t, root)
	fake.Put("whatsapp-gateway", data("key-1"), time.Now())
	s := open(t, fake, nil)
	fake.FailNext(100)
	err := s.Refresh(context.Background())
	if gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Fatalf("refresh during failure: got %v, want CodeUnavailable", err)
	}
	cur, _, err := s.JWTKeys(context.Background())
	if err != nil || string(cur.Secret) != "key-1" {
		t.Errorf("got %q, %v; want the last good key", cur.Secret, err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("ping: %v", err)
	}
}

func TestAppRoleLoginAndRenewal(t *testing.T) {
	fake := vaulttest.New(t, root)
	fake.RoleID, fake.SecretID = "role-1", "secret-1"
	fake.TokenTTL = 2 * time.Second
	fake.Put("whatsapp-gateway", data("key-1"), time.Now())
	s := open(t, fake, func(c *vault.Config) { c.Token = ""; c.RoleID, c.SecretID = "role-1", "secret-1" })
	if cur, _, _ := s.JWTKeys(context.Background()); string(cur.Secret) != "key-1" {
		t.Fatalf("got %q", cur.Secret)
	}
	polltest.Until(t, 10*time.Second, "1 login and renewals", func() (string, bool) {
		logins, renewals, _ := fake.Counts()
		return fmt.Sprintf("%d logins and %d renewals", logins, renewals), logins == 1 && renewals > 0
	})
}

func TestStartFailures(t *testing.T) {
	tests := []struct {
		name string
		prep func(*vaulttest.Server)
		cfg  func(*vault.Config)
		want string
	}{
		{"missing secret", func(*vaulttest.Server) {}, nil, "bootstrap"},
		{"bad token", func(f *vaulttest.Server) { f.Put("whatsapp-gateway", data("k"), time.Now()) }, func(c *vault.Config) { c.Token = "nope" }, "refused"},
		{"bad approle", func(f *vaulttest.Server) { f.RoleID, f.SecretID = "r", "s" }, func(c *vault.Config) { c.Token = ""; c.RoleID, c.SecretID = "r", "wrong" }, "refused"},
		{"no jwt key", func(f *vaulttest.Server) {
			f.Put("whatsapp-gateway", map[string]any{"webhook_secret": "w"}, time.Now())
		}, nil, "jwt_secret"},
		{"down", func(f *vaulttest.Server) { f.Close() }, nil, "cannot be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vaulttest.New(t, root)
			tt.prep(fake)
			refused(t, vault.Config{Client: client(t, fake), Token: root}, tt.cfg, tt.want)
		})
	}
}

// refused fails the test unless vault.New refuses cfg, changed by change
// when not nil, as unavailable with a message mentioning want; it returns
// the error.
func refused(t *testing.T, cfg vault.Config, change func(*vault.Config), want string) error {
	t.Helper()
	if change != nil {
		change(&cfg)
	}
	s, err := vault.New(context.Background(), cfg)
	if err == nil {
		s.Close()
		t.Fatal("New succeeded, want an error")
	}
	t.Logf("error: %v", err)
	if gateway.ErrorCode(err) != gateway.CodeUnavailable || !strings.Contains(gateway.ErrorMessage(err), want) {
		t.Errorf("got %v (message %q), want CodeUnavailable mentioning %q", err, gateway.ErrorMessage(err), want)
	}
	return err
}
