package main

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/whatsapp-saas/gateway/internal/mailer/mailtest"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// forgotAndReset asks for a reset mail for email and returns its token.
func forgotAndReset(t *testing.T, smtp *mailtest.Server, base, email string) string {
	t.Helper()
	(&client{t: t, base: base}).do("POST", "/api/v1/auth/password/forgot", map[string]any{"email": email}).must(t, http.StatusAccepted, nil)
	return tokenIn(t, smtp.Wait(t, 10*time.Second).Body)
}

func mailEnv(t *testing.T, smtp *mailtest.Server, extra map[string]string) map[string]string {
	env := map[string]string{"SMTP_HOST": smtp.Host(), "SMTP_PORT": strconv.Itoa(smtp.Port()), "SMTP_FROM": "no-reply@example.com"}
	maps.Copy(env, extra)
	return testEnv(t, env)
}

func TestCommonPasswordsRefused(t *testing.T) {
	smtp := mailtest.Start(t)
	base := startGateway(t, mailEnv(t, smtp, nil))
	anon := &client{t: t, base: base}
	for _, pw := range []string{"12345678", "password", "Password123", "qwerty123"} {
		r := anon.do("POST", "/api/v1/auth/register", map[string]any{"email": "common@example.com", "password": pw, "name": "C"}).
			fails(t, http.StatusUnprocessableEntity, "validation_failed")
		if !strings.Contains(r.Error.Fields["password"], "common") {
			t.Errorf("register with %q: fields %v, want a password message about common passwords", pw, r.Error.Fields)
		}
	}
	register(t, base, "common@example.com")
	reset := forgotAndReset(t, smtp, base, "common@example.com")
	r := anon.do("POST", "/api/v1/auth/password/reset", map[string]any{"token": reset, "password": "iloveyou"}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["password"] == "" {
		t.Errorf("reset: fields %v, want one for password", r.Error.Fields)
	}
	// The refused reset did not use the token up.
	anon.do("POST", "/api/v1/auth/password/reset", map[string]any{"token": reset, "password": "an-uncommon-password"}).must(t, http.StatusOK, nil)
}

// revoked asserts that c's token is refused as revoked, not as malformed.
// revoked asserts c's token is refused now that the account changed on the
// gateway at changedOn: at once there; on another gateway as soon as the
// bus carried the change (its cached user is dropped by the notice, which
// is asynchronous), so it is polled there, within eventually's bound.
func revoked(t *testing.T, c *client, changedOn string) {
	t.Helper()
	if c.base != changedOn {
		polltest.Eventually(t, patience, "the other gateway to refuse the old token", func() bool {
			return c.do("GET", "/api/v1/auth/me", nil).Status == http.StatusUnauthorized
		})
	}
	r := c.do("GET", "/api/v1/auth/me", nil).fails(t, http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(r.Error.Message, "log in again") {
		t.Fatalf("got %q, want a sentence saying to log in again", r.Error.Message)
	}
}

// warm makes c's token and user cached by the gateway (both caches answer
// within their TTL), so a refusal right after a change cannot come from a
// cache that happened to be cold.
func warm(t *testing.T, c *client) {
	t.Helper()
	for i := 0; i < 3; i++ {
		c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, nil)
	}
}

// testTokensRevoked drives a reset, a change and a suspension through
// gateway a, with old tokens used on gateway b (which may be a itself).
func testTokensRevoked(t *testing.T, smtp *mailtest.Server, a, b string) {
	const email = "revoke@example.com"
	old := register(t, a, email)
	oldB := &client{t: t, base: b, token: old.token}
	warm(t, old)
	warm(t, oldB)

	// A password reset refuses every earlier token at once.
	reset := forgotAndReset(t, smtp, a, email)
	(&client{t: t, base: a}).do("POST", "/api/v1/auth/password/reset", map[string]any{"token": reset, "password": "reset-password-1"}).must(t, http.StatusOK, nil)
	revoked(t, oldB, a)
	revoked(t, old, a)
	fresh := login(t, b, email, "reset-password-1")
	warm(t, fresh)

	// A password change: the caller gets a new token, earlier ones are refused.
	freshA := &client{t: t, base: a, token: fresh.token}
	r := freshA.do("POST", "/api/v1/auth/password/change", map[string]any{"current_password": "wrong-password", "new_password": "changed-password-2"}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["current_password"] == "" {
		t.Fatalf("wrong current password: fields %v, want current_password", r.Error.Fields)
	}
	r = freshA.do("POST", "/api/v1/auth/password/change", map[string]any{"current_password": "reset-password-1", "new_password": "password1"}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["new_password"] == "" {
		t.Fatalf("common new password: fields %v, want new_password", r.Error.Fields)
	}
	warm(t, fresh) // the refused attempts changed nothing
	var changed struct {
		Token string `json:"token"`
	}
	freshA.do("POST", "/api/v1/auth/password/change", map[string]any{"current_password": "reset-password-1", "new_password": "changed-password-2"}).
		must(t, http.StatusOK, &changed)
	revoked(t, fresh, a)
	revoked(t, freshA, a)
	byChange := &client{t: t, base: b, token: changed.Token}
	warm(t, byChange)
	(&client{t: t, base: a}).do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "reset-password-1"}).fails(t, http.StatusUnauthorized, "unauthorized")
	again := login(t, b, email, "changed-password-2")
	warm(t, again)

	// A suspension: refused while suspended, and still refused once resumed.
	admin := login(t, a, adminEmail, adminPassword)
	id := userID(t, again)
	admin.do("POST", "/api/v1/admin/tenants/"+id+"/suspend", map[string]any{"reason": "audit"}).must(t, http.StatusOK, nil)
	if again.base != a { // the suspension reaches the other gateway through the bus
		polltest.Eventually(t, patience, "the other gateway to see the suspension", func() bool {
			return again.do("GET", "/api/v1/auth/me", nil).Status == http.StatusForbidden
		})
	}
	again.do("GET", "/api/v1/auth/me", nil).fails(t, http.StatusForbidden, "account_suspended")
	admin.do("POST", "/api/v1/admin/tenants/"+id+"/resume", nil).must(t, http.StatusOK, nil)
	revoked(t, again, a)
	revoked(t, byChange, a)
	login(t, b, email, "changed-password-2").do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, nil)
}

func TestTokensRevokedByResetChangeAndSuspension(t *testing.T) {
	smtp := mailtest.Start(t)
	base := startGateway(t, mailEnv(t, smtp, map[string]string{"ADMIN_EMAIL": adminEmail, "ADMIN_PASSWORD": adminPassword}))
	testTokensRevoked(t, smtp, base, base)
}

// TestTokensRevokedTwoGatewaysPostgres: a change on one gateway refuses the
// old token on the other at once, through the user-change notice on the bus.
func TestTokensRevokedTwoGatewaysPostgres(t *testing.T) {
	smtp := mailtest.Start(t)
	a, b := twoGateways(t, 9, map[string]string{"ADMIN_EMAIL": adminEmail, "ADMIN_PASSWORD": adminPassword},
		func(t *testing.T, env map[string]string) map[string]string { return mailEnv(t, smtp, env) })
	testTokensRevoked(t, smtp, a, b)
}

// from returns an anonymous client whose connections come from the loopback
// address ip (any 127.0.0.0/8 address is this machine), so one test can
// play several client addresses without trusting a proxy header.
func from(t *testing.T, base, ip string) *client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, base: base, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// locked asserts a lockout answer that says when it ends.
func locked(t *testing.T, r *reply) {
	t.Helper()
	r.fails(t, http.StatusTooManyRequests, "rate_limited")
	secs, _ := r.Error.Details["retry_after_seconds"].(float64)
	if secs <= 0 || secs > 3600 {
		t.Fatalf("retry_after_seconds = %v, want 1..3600; body %s", r.Error.Details["retry_after_seconds"], r.Raw)
	}
	if r.Header.Get("Retry-After") != strconv.Itoa(int(secs)) {
		t.Fatalf("Retry-After %q, details %v", r.Header.Get("Retry-After"), secs)
	}
	if !strings.Contains(r.Error.Message, "minute") && !strings.Contains(r.Error.Message, "second") {
		t.Fatalf("message %q does not say when the lock ends", r.Error.Message)
	}
}

func TestLoginLockoutPerAccountAndAddress(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"LOGIN_MAX_ATTEMPTS": "3", "LOGIN_LOCKOUT_ADDRESSES": "4"}))
	register(t, base, "owner@example.com")
	wrong := map[string]any{"email": "owner@example.com", "password": "wrong-password"}
	right := map[string]any{"email": "owner@example.com", "password": "battery-staple-42"}

	// Wrong passwords from one address lock that address out of the account…
	attacker := from(t, base, "127.0.0.2")
	for i := 0; i < 3; i++ {
		attacker.do("POST", "/api/v1/auth/login", wrong).fails(t, http.StatusUnauthorized, "unauthorized")
	}
	locked(t, attacker.do("POST", "/api/v1/auth/login", right))
	// …not the owner, from another address.
	from(t, base, "127.0.0.3").do("POST", "/api/v1/auth/login", right).must(t, http.StatusOK, nil)

	// Failures from many addresses (a distributed attack) lock the account
	// itself: 127.0.0.2 counts as one of the 4 addresses.
	for _, ip := range []string{"127.0.0.4", "127.0.0.5", "127.0.0.6"} {
		from(t, base, ip).do("POST", "/api/v1/auth/login", wrong).fails(t, http.StatusUnauthorized, "unauthorized")
	}
	locked(t, from(t, base, "127.0.0.7").do("POST", "/api/v1/auth/login", right))
	// Other accounts are not concerned.
	register(t, base, "other@example.com")
	from(t, base, "127.0.0.7").do("POST", "/api/v1/auth/login", map[string]any{"email": "other@example.com", "password": "battery-staple-42"}).
		must(t, http.StatusOK, nil)
}

func TestInvalidCredentialsRateLimitedPerAddress(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"RATE_LIMIT_MAX_REQUESTS": "5", "RATE_LIMIT_WINDOW_MS": "60000"}))
	good := register(t, base, "limited@example.com")
	for name, c := range map[string]*client{
		"bad bearer token": from(t, base, "127.0.0.2"),
		"unknown API key":  from(t, base, "127.0.0.3"),
		"no credentials":   from(t, base, "127.0.0.4"),
	} {
		t.Run(name, func(t *testing.T) {
			switch name {
			case "bad bearer token":
				c.token = "eyJhbGciOiJIUzI1NiJ9.e30.guess"
			case "unknown API key":
				c.apiKey = "wsa_" + strings.Repeat("a", 46)
			}
			for i := 0; i < 5; i++ {
				c.do("GET", "/api/v1/sessions", nil).fails(t, http.StatusUnauthorized, "unauthorized")
			}
			r := c.do("GET", "/api/v1/sessions", nil).fails(t, http.StatusTooManyRequests, "rate_limited")
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			// The address's anonymous allowance is spent: its public routes wait too…
			c.do("POST", "/api/v1/auth/login", map[string]any{"email": "limited@example.com", "password": "battery-staple-42"}).
				fails(t, http.StatusTooManyRequests, "rate_limited")
			// …and so do the admin routes (which answer 404 to non-admins).
			c.do("GET", "/api/v1/admin/tenants", nil).fails(t, http.StatusTooManyRequests, "rate_limited")
			// A valid token from the same address is counted for its user.
			valid := *c
			valid.token, valid.apiKey = good.token, ""
			valid.do("GET", "/api/v1/sessions", nil).must(t, http.StatusOK, nil)
		})
	}
}

// ownRedis empties Redis database db and returns its URL (TEST_REDIS_URL's
// server), skipping without TEST_REDIS_URL. A test whose gateways throttle
// logins and resets per address uses one of its own: in the shared database
// those counters (keyed by the loopback address) outlive a run and would
// lock out the next one. Each caller names its own db so concurrent test
// binaries do not empty each other's.
func ownRedis(t *testing.T, db int) string {
	t.Helper()
	base := os.Getenv("TEST_REDIS_URL")
	if base == "" {
		t.Skip("TEST_REDIS_URL is not set")
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	opt.DB = db
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.FlushDB(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("redis://%s/%d", opt.Addr, db)
}
