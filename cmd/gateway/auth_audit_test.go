package main

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/mailer/mailtest"
)

// forgotAndReset asks for a reset mail for email and returns its token.
func forgotAndReset(t *testing.T, smtp *mailtest.Server, base, email string) string {
	t.Helper()
	(&client{t: t, base: base}).do("POST", "/api/v1/auth/password/forgot", map[string]any{"email": email}).must(t, http.StatusAccepted, nil)
	return tokenIn(t, smtp.Wait(t, 10*time.Second).Body)
}

func mailEnv(t *testing.T, smtp *mailtest.Server, extra map[string]string) map[string]string {
	env := map[string]string{"SMTP_HOST": smtp.Host(), "SMTP_PORT": strconv.Itoa(smtp.Port()), "SMTP_FROM": "no-reply@example.com"}
	for k, v := range extra {
		env[k] = v
	}
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
