package main

import (
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
