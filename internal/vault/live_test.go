package vault_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/logtest"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/secrets"
	"github.com/whatsapp-saas/gateway/internal/vault"
)

// These tests run against a live Vault or OpenBao (KV v2 at secret/) when
// TEST_VAULT_ADDR and TEST_VAULT_TOKEN (a token that may write secret/,
// policies and auth mounts, such as a dev server's root token) are set.
// Each test writes its own KV path, policies and AppRole mount, with a
// random suffix, and removes them when it ends.

// liveVault is one test's corner of the live server.
type liveVault struct {
	addr  string
	admin *api.Client
	path  string // the KV path of this test's secret, under secret/
}

func newLive(t *testing.T) *liveVault {
	t.Helper()
	addr, token := os.Getenv("TEST_VAULT_ADDR"), os.Getenv("TEST_VAULT_TOKEN")
	if addr == "" || token == "" {
		t.Skip("set TEST_VAULT_ADDR and TEST_VAULT_TOKEN to run against a live Vault")
	}
	l := &liveVault{addr: addr}
	l.admin = l.client(t, token)
	l.path = "whatsapp-gateway-it-" + randHex(t, 6)
	t.Cleanup(func() {
		if err := l.admin.KVv2("secret").DeleteMetadata(context.Background(), l.path); err != nil {
			t.Errorf("delete secret/%s: %v", l.path, err)
		}
	})
	return l
}

// client returns a client of the live server with token, or none.
func (l *liveVault) client(t *testing.T, token string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = l.addr
	cfg.MaxRetries = 0
	cfg.Timeout = 10 * time.Second
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.ClearToken() // never VAULT_TOKEN from the environment
	if token != "" {
		c.SetToken(token)
	}
	return c
}

// put writes a new version of the test's secret and returns its number.
func (l *liveVault) put(t *testing.T, data map[string]any) int {
	t.Helper()
	sec, err := l.admin.KVv2("secret").Put(context.Background(), l.path, data)
	if err != nil {
		t.Fatalf("write secret/%s: %v", l.path, err)
	}
	return sec.VersionMetadata.Version
}

// policy writes an ACL policy of a name of this run's and returns the name.
func (l *liveVault) policy(t *testing.T, rules string) string {
	t.Helper()
	name := "whatsapp-gateway-it-" + randHex(t, 6)
	if err := l.admin.Sys().PutPolicy(name, rules); err != nil {
		t.Fatalf("write policy: %v", err)
	}
	t.Cleanup(func() { _ = l.admin.Sys().DeletePolicy(name) })
	return name
}

// readPolicy is what scripts/bootstrap.sh grants the gateway on its secret.
func (l *liveVault) readPolicy(t *testing.T) string {
	return l.policy(t, `path "secret/data/`+l.path+`" { capabilities = ["read"] }
path "secret/metadata/`+l.path+`" { capabilities = ["read"] }`)
}

// token creates a renewable child token with policies and ttl.
func (l *liveVault) token(t *testing.T, ttl string, policies ...string) string {
	t.Helper()
	renewable := true
	sec, err := l.admin.Auth().Token().Create(&api.TokenCreateRequest{Policies: policies, TTL: ttl, Renewable: &renewable})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	tok := sec.Auth.ClientToken
	t.Cleanup(func() { _ = l.admin.Auth().Token().RevokeOrphan(tok) })
	return tok
}

// appRole enables AppRole at a mount of this run's and returns it.
func (l *liveVault) appRole(t *testing.T) string {
	t.Helper()
	mount := "approle-it-" + randHex(t, 6)
	if err := l.admin.Sys().EnableAuthWithOptions(mount, &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatalf("enable approle at %s: %v", mount, err)
	}
	t.Cleanup(func() {
		if err := l.admin.Sys().DisableAuth(mount); err != nil {
			t.Errorf("disable approle at %s: %v", mount, err)
		}
	})
	return mount
}

// role creates an AppRole role at mount and returns its role_id and a
// new secret_id.
func (l *liveVault) role(t *testing.T, mount string, params map[string]any) (roleID, secretID string) {
	t.Helper()
	name := "gateway-" + randHex(t, 4)
	base := "auth/" + mount + "/role/" + name
	if _, err := l.admin.Logical().Write(base, params); err != nil {
		t.Fatalf("create role: %v", err)
	}
	r, err := l.admin.Logical().Read(base + "/role-id")
	if err != nil || r == nil {
		t.Fatalf("read role_id: %v", err)
	}
	s, err := l.admin.Logical().Write(base+"/secret-id", nil)
	if err != nil || s == nil {
		t.Fatalf("create secret_id: %v", err)
	}
	roleID, _ = r.Data["role_id"].(string)
	secretID, _ = s.Data["secret_id"].(string)
	if roleID == "" || secretID == "" {
		t.Fatalf("got role_id %q and a secret_id of %d characters", roleID, len(secretID))
	}
	return roleID, secretID
}

// values are a generated set of the three secrets.
type values struct{ jwt, webhook, internal string }

func newValues(t *testing.T) values {
	return values{jwt: randHex(t, 24), webhook: randHex(t, 16), internal: randHex(t, 16)}
}

func (v values) data() map[string]any {
	return map[string]any{vault.KeyJWT: v.jwt, vault.KeyWebhook: v.webhook, vault.KeyInternal: v.internal}
}

func randHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// open starts Secrets on the test's path and closes them with the
// test. Logs go to the returned buffer.
func (l *liveVault) open(t *testing.T, cfg vault.Config) (*vault.Secrets, *logtest.Buffer) {
	t.Helper()
	logs := &logtest.Buffer{}
	cfg.Path = l.path
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := vault.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, logs
}

// checkValues fails unless s serves want, with accepted JWT keys in order.
func checkValues(t *testing.T, s *vault.Secrets, want values, accepted ...string) {
	t.Helper()
	ctx := context.Background()
	cur, acc, err := s.JWTKeys(ctx)
	if err != nil {
		t.Fatalf("JWTKeys: %v", err)
	}
	if string(cur.Secret) != want.jwt || cur.ID != secrets.KeyID([]byte(want.jwt)) {
		t.Errorf("current key: got %q (id %s), want %q (id %s)", cur.Secret, cur.ID, want.jwt, secrets.KeyID([]byte(want.jwt)))
	}
	if got, want := ids(acc), append([]string{want.jwt}, accepted...); !slices.Equal(got, want) {
		t.Errorf("accepted keys: got %q, want %q", got, want)
	}
	for _, k := range acc {
		if k.ID != secrets.KeyID(k.Secret) {
			t.Errorf("accepted key %q has id %s, want %s", k.Secret, k.ID, secrets.KeyID(k.Secret))
		}
	}
	if v, err := s.WebhookSecret(ctx); err != nil || string(v) != want.webhook {
		t.Errorf("WebhookSecret: got %q, %v; want %q", v, err, want.webhook)
	}
	if v, err := s.InternalSecret(ctx); err != nil || string(v) != want.internal {
		t.Errorf("InternalSecret: got %q, %v; want %q", v, err, want.internal)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// checkNoLeak fails when text shows any of the given secret strings.
func checkNoLeak(t *testing.T, what, text string, secretsShown ...string) {
	t.Helper()
	for _, s := range secretsShown {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s shows a secret (%.6s…): %s", what, s, text)
		}
	}
}

func TestLiveTokenReadsTheSecrets(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	v := newValues(t)
	l.put(t, v.data())
	tests := []struct {
		name  string
		token func(t *testing.T) string
	}{
		{"admin token", func(*testing.T) string { return l.admin.Token() }},
		{"token with the bootstrap policy", func(t *testing.T) string { return l.token(t, "1h", l.readPolicy(t)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token(t)
			s, logs := l.open(t, vault.Config{Client: l.client(t, ""), Token: tok, Refresh: time.Hour})
			checkValues(t, s, v)
			checkNoLeak(t, "logs", logs.String(), v.jwt, v.webhook, v.internal, tok)
		})
	}
}

func TestLiveRotationKeepsThePreviousKeysForTheTokenLifetime(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	ctx := context.Background()
	v1, v2, v3 := newValues(t), newValues(t), newValues(t)
	l.put(t, v1.data())

	var mu sync.Mutex
	skew := time.Duration(0)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(skew) }
	cfg := vault.Config{Client: l.client(t, ""), Token: l.admin.Token(), Refresh: time.Hour, TokenLifetime: time.Hour, Now: now}
	s, logs := l.open(t, cfg)
	checkValues(t, s, v1)

	// A new version is served only from the next refresh.
	l.put(t, v2.data())
	checkValues(t, s, v1)
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	checkValues(t, s, v2, v1.jwt)

	// A replica started after the rotation agrees.
	cfg.Client = l.client(t, "")
	fresh, _ := l.open(t, cfg)
	checkValues(t, fresh, v2, v1.jwt)

	// Two rotations within the token lifetime: both older keys accepted,
	// newest first.
	l.put(t, v3.data())
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	checkValues(t, s, v3, v2.jwt, v1.jwt)

	// Once the token lifetime (plus one refresh) has passed since the
	// rotations, only the current key is accepted, here and on a new replica.
	mu.Lock()
	skew = time.Hour + time.Hour + time.Minute
	mu.Unlock()
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	checkValues(t, s, v3)
	cfg.Client = l.client(t, "")
	late, _ := l.open(t, cfg)
	checkValues(t, late, v3)

	// jwt_previous_secret is accepted whatever its age.
	v4, manual := newValues(t), randHex(t, 24)
	d := v4.data()
	d[vault.KeyJWTPrevious] = " " + manual + "\n" // trimmed, as every value
	l.put(t, d)
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	checkValues(t, s, v4, manual)

	if !strings.Contains(logs.String(), "secrets rotated") {
		t.Errorf("no rotation logged: %s", logs)
	}
	checkNoLeak(t, "logs", logs.String(), v1.jwt, v2.jwt, v3.jwt, v4.jwt, v4.webhook, v4.internal, manual)
}

func TestLivePeriodicRefreshPicksUpRotation(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	v1, v2 := newValues(t), newValues(t)
	l.put(t, v1.data())
	s, _ := l.open(t, vault.Config{Client: l.client(t, ""), Token: l.admin.Token(), Refresh: 100 * time.Millisecond})
	l.put(t, v2.data())
	polltest.Until(t, 10*time.Second, "the rotated key current", func() (string, bool) {
		cur, _, _ := s.JWTKeys(context.Background())
		return string(cur.Secret), string(cur.Secret) == v2.jwt
	})
	checkValues(t, s, v2, v1.jwt)
}

func TestLiveKeepsTheLastValuesWhenTheSecretGoes(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	v := newValues(t)
	l.put(t, v.data())
	s, _ := l.open(t, vault.Config{Client: l.client(t, ""), Token: l.admin.Token(), Refresh: time.Hour})
	if err := l.admin.KVv2("secret").DeleteMetadata(context.Background(), l.path); err != nil {
		t.Fatal(err)
	}
	err := s.Refresh(context.Background())
	if gateway.ErrorCode(err) != gateway.CodeUnavailable || !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("Refresh after the secret was removed: got %v, want CodeUnavailable wrapping ErrSecretNotFound", err)
	}
	checkValues(t, s, v)
}

func TestLiveTokenIsRenewed(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	v := newValues(t)
	l.put(t, v.data())
	tok := l.token(t, "2s", l.readPolicy(t))
	s, logs := l.open(t, vault.Config{Client: l.client(t, ""), Token: tok, Refresh: time.Hour})
	time.Sleep(5 * time.Second) // 2.5 times the token's TTL: the live Vault's clock must pass it
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh after the token's first TTL: %v\nlogs: %s", err, logs)
	}
	if !strings.Contains(logs.String(), "vault token renewed") {
		t.Errorf("no renewal logged: %s", logs)
	}
	checkNoLeak(t, "logs", logs.String(), tok)
}

func TestLiveAppRole(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	v := newValues(t)
	l.put(t, v.data())
	mount := l.appRole(t)
	policy := l.readPolicy(t)
	roleID, secretID := l.role(t, mount, map[string]any{"token_policies": []string{policy}, "token_ttl": "1h", "token_max_ttl": "24h"})

	loggedIn := func(t *testing.T, c *api.Client) {
		t.Helper()
		tok := c.Token()
		if tok == "" || tok == l.admin.Token() {
			t.Fatalf("the client's token is %q, want one issued by the AppRole login", tok)
		}
		self, err := l.admin.Auth().Token().Lookup(tok)
		if err != nil {
			t.Fatalf("lookup the AppRole token: %v", err)
		}
		if pols, _ := self.TokenPolicies(); !slices.Contains(pols, policy) {
			t.Errorf("the AppRole token has policies %v, want %s among them", pols, policy)
		}
		if path, _ := self.Data["path"].(string); path != "auth/"+mount+"/login" {
			t.Errorf("the token was issued by %q, want auth/%s/login", path, mount)
		}
	}

	t.Run("secret id", func(t *testing.T) {
		c := l.client(t, "")
		s, logs := l.open(t, vault.Config{Client: c, RoleID: roleID, SecretID: secretID, AppRoleMount: mount, Refresh: time.Hour})
		checkValues(t, s, v)
		loggedIn(t, c)
		if !strings.Contains(logs.String(), "logged in to vault with approle") {
			t.Errorf("no login logged: %s", logs)
		}
		checkNoLeak(t, "logs", logs.String(), secretID, c.Token(), v.jwt, v.webhook, v.internal)
	})

	t.Run("secret id file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "secret-id")
		if err := os.WriteFile(file, []byte(secretID+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c := l.client(t, "")
		s, _ := l.open(t, vault.Config{Client: c, RoleID: roleID, SecretIDFile: file, AppRoleMount: mount, Refresh: time.Hour})
		checkValues(t, s, v)
		loggedIn(t, c)
	})

	t.Run("renewal then login again at the max TTL", func(t *testing.T) {
		roleID, secretID := l.role(t, mount, map[string]any{"token_policies": []string{policy}, "token_ttl": "2s", "token_max_ttl": "4s"})
		c := l.client(t, "")
		s, logs := l.open(t, vault.Config{Client: c, RoleID: roleID, SecretID: secretID, AppRoleMount: mount, Refresh: time.Hour})
		first := c.Token()
		polltest.Eventually(t, 12*time.Second, "a new AppRole login (the first token lives 4 s at most)", func() bool { return c.Token() != first })
		loggedIn(t, c)
		if err := s.Refresh(context.Background()); err != nil {
			t.Fatalf("Refresh with the new login's token: %v", err)
		}
		checkValues(t, s, v)
		if n := strings.Count(logs.String(), "logged in to vault with approle"); n < 2 {
			t.Errorf("got %d AppRole logins logged, want 2 or more: %s", n, logs)
		}
		if !strings.Contains(logs.String(), "vault token renewed") {
			t.Errorf("no renewal logged before the max TTL: %s", logs)
		}
	})
}

func TestLiveRefusedCredentials(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	v := newValues(t)
	l.put(t, v.data())
	mount := l.appRole(t)
	otherPolicy := l.policy(t, `path "secret/data/`+l.path+`-other" { capabilities = ["read"] }`)
	roleID, secretID := l.role(t, mount, map[string]any{"token_policies": []string{l.readPolicy(t)}})
	otherRoleID, otherSecretID := l.role(t, mount, map[string]any{"token_policies": []string{otherPolicy}})
	otherToken := l.token(t, "1h", otherPolicy)
	badToken := "s." + randHex(t, 12)
	badSecretID := randHex(t, 16)

	tests := []struct {
		name  string
		cfg   vault.Config
		shown []string // what the error must not show
	}{
		{"token without read permission", vault.Config{Token: otherToken}, []string{otherToken}},
		{"unknown token", vault.Config{Token: badToken}, []string{badToken}},
		{"approle without read permission", vault.Config{RoleID: otherRoleID, SecretID: otherSecretID, AppRoleMount: mount}, []string{otherSecretID}},
		{"approle wrong secret id", vault.Config{RoleID: roleID, SecretID: badSecretID, AppRoleMount: mount}, []string{badSecretID, secretID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Client, cfg.Path = l.client(t, ""), l.path
			s, err := vault.New(context.Background(), cfg)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded, want the credentials refused")
			}
			t.Logf("error: %v", err)
			if gateway.ErrorCode(err) != gateway.CodeUnavailable || !strings.Contains(gateway.ErrorMessage(err), "refused") {
				t.Errorf("got %v (message %q), want CodeUnavailable saying Vault refused the credentials", err, gateway.ErrorMessage(err))
			}
			checkNoLeak(t, "the error", err.Error(), append(tt.shown, v.jwt, v.webhook, v.internal, l.admin.Token())...)
		})
	}
}

func TestLiveStartFailures(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	ctx := context.Background()
	kv := l.admin.KVv2("secret")
	otherPath := func(data map[string]any) string {
		p := "whatsapp-gateway-it-" + randHex(t, 6)
		t.Cleanup(func() { _ = kv.DeleteMetadata(context.Background(), p) })
		if _, err := kv.Put(ctx, p, data); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noJWT := otherPath(map[string]any{vault.KeyWebhook: "w", vault.KeyInternal: "i"})
	deleted := otherPath(newValues(t).data())
	if err := kv.Delete(ctx, deleted); err != nil { // soft-deletes the latest version
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		cfg      func(*vault.Config)
		want     string // in the public message
		notFound bool   // wraps api.ErrSecretNotFound
	}{
		{"no secret at the path", nil, "bootstrap", true},
		{"no secret under the mount", func(c *vault.Config) { c.Mount = "no-such-mount-" + randHex(t, 4) }, "bootstrap", true},
		{"no jwt_secret", func(c *vault.Config) { c.Path = noJWT }, "has no " + vault.KeyJWT, false},
		{"latest version deleted", func(c *vault.Config) { c.Path = deleted }, "secret/" + deleted + " is deleted", false},
		{"no credentials", func(c *vault.Config) { c.Token = "" }, "No Vault credentials", false},
		{"unreachable", func(c *vault.Config) {
			cfg := api.DefaultConfig()
			cfg.Address, cfg.MaxRetries = "http://127.0.0.1:1", 0
			c.Client, _ = api.NewClient(cfg)
		}, "cannot be reached", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := refused(t, vault.Config{Client: l.client(t, ""), Token: l.admin.Token(), Path: l.path}, tt.cfg, tt.want)
			if got := errors.Is(err, api.ErrSecretNotFound); got != tt.notFound {
				t.Errorf("errors.Is(err, api.ErrSecretNotFound) = %v, want %v (err: %v)", got, tt.notFound, err)
			}
			checkNoLeak(t, "the error", err.Error(), l.admin.Token())
		})
	}
}

// Deleting or destroying a version revokes its key: on replicas started
// afterwards, and on a running one at its next refresh.
func TestLiveDeletedVersionIsRevoked(t *testing.T) {
	t.Parallel()
	l := newLive(t)
	ctx := context.Background()
	v1, v2, v3 := newValues(t), newValues(t), newValues(t)
	l.put(t, v1.data())
	l.put(t, v2.data())
	l.put(t, v3.data())
	cfg := vault.Config{Client: l.client(t, ""), Token: l.admin.Token(), Refresh: time.Hour}
	s, _ := l.open(t, cfg)
	checkValues(t, s, v3, v2.jwt, v1.jwt)

	for _, op := range []struct {
		name string
		do   func() error
	}{
		{"deleted", func() error { return l.admin.KVv2("secret").DeleteVersions(ctx, l.path, []int{2}) }},
		{"destroyed", func() error { return l.admin.KVv2("secret").Destroy(ctx, l.path, []int{2}) }},
	} {
		if err := op.do(); err != nil {
			t.Fatalf("%s version 2: %v", op.name, err)
		}
		cfg.Client = l.client(t, "")
		fresh, _ := l.open(t, cfg)
		cur, acc, err := fresh.JWTKeys(ctx)
		if err != nil || string(cur.Secret) != v3.jwt {
			t.Errorf("version 2 %s: current key %q, %v; want %q", op.name, cur.Secret, err, v3.jwt)
		}
		if slices.Contains(ids(acc), v2.jwt) {
			t.Errorf("version 2 %s: a replica started afterwards still accepts its key", op.name)
		}
		// The replica that read version 2 before drops it at its next refresh.
		if err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if _, acc, _ := s.JWTKeys(ctx); slices.Contains(ids(acc), v2.jwt) || !slices.Contains(ids(acc), v1.jwt) {
			t.Errorf("version 2 %s: the running replica accepts %d keys, v2's among them: %t, v1's: %t (want v1 kept, v2 dropped)",
				op.name, len(acc), slices.Contains(ids(acc), v2.jwt), slices.Contains(ids(acc), v1.jwt))
		}
	}
}
