package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// scanAs starts a sandbox session waiting for a scan and pairs it as phone.
func scanAs(t *testing.T, c *client, name, phone string) sessionView {
	t.Helper()
	s := newSession(t, c, name)
	startInstance(t, c, s.ID)
	waitStatus(t, c, s.ID, "qr_pending")
	// In the cluster shape the worker reports qr_pending before its health
	// check passes and the gateway routes to it: the API answers 503 and
	// says to try again, as a client would.
	polltest.Eventually(t, patience, "the scan reaches the worker", func() bool {
		r := c.do("POST", "/api/v1/sessions/"+s.ID+"/scan", map[string]any{"phone": phone})
		if r.Status == http.StatusServiceUnavailable {
			return false
		}
		r.must(t, http.StatusOK, nil)
		return true
	})
	return waitConnected(t, c, s.ID)
}

// stopSession stops the session's running instance and waits until the
// session shows stopped.
func stopSession(t *testing.T, c *client, sessionID string) {
	t.Helper()
	var insts struct {
		Instances []instanceView `json:"instances"`
	}
	c.do("GET", "/api/v1/instances?limit=100", nil).must(t, http.StatusOK, &insts)
	for _, in := range insts.Instances {
		if in.SessionID == sessionID && in.Status == "running" {
			c.do("POST", "/api/v1/instances/"+in.ID+"/stop", nil).must(t, http.StatusOK, nil)
		}
	}
	waitStatus(t, c, sessionID, "stopped")
}

func waitStatus(t *testing.T, c *client, sessionID, status string) {
	t.Helper()
	waitStatusWithin(t, c, sessionID, status, patience)
}

// inbound lists the session's received messages, the newest 100.
func inbound(t *testing.T, c *client, sessionID string) []messageView {
	t.Helper()
	return member[[]messageView](t, c.do("GET", "/api/v1/messages?direction=inbound&limit=100&session_id="+sessionID, nil), http.StatusOK, "messages")
}

// waitInbound waits up to within until ok holds of the session's received
// messages (what names it in a failure), and answers them.
func waitInbound(t *testing.T, c *client, sessionID, what string, within time.Duration, ok func([]messageView) bool) []messageView {
	t.Helper()
	return polltest.Until(t, within, what, func() ([]messageView, bool) {
		got := inbound(t, c, sessionID)
		return got, ok(got)
	})
}

func sendText(t *testing.T, c *client, sessionID, to, text string) messageView {
	t.Helper()
	var sent struct {
		Message messageView `json:"message"`
	}
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sessionID, "recipient": to, "message": text}).
		must(t, http.StatusCreated, &sent)
	return sent.Message
}

func waitMessageStatus(t *testing.T, c *client, id, status string) {
	t.Helper()
	polltest.Eventually(t, patience, "message "+status, func() bool {
		got := getMessage[messageView](t, c, id)
		return got.Status == status
	})
}

// TestSandboxTenants checks that the sandbox network stays within a
// tenant: one tenant's sessions message each other, another tenant's
// number is like any number outside the sandbox, and no tenant can pair as
// a number another tenant's session holds.
func TestSandboxTenants(t *testing.T) {
	base := instantSandbox(t)
	alice, bob := aliceAndBob(t, base, "sandbox")
	a1 := scanAs(t, alice, "a1", "15550001001")
	a2 := scanAs(t, alice, "a2", "15550001002")
	b := scanAs(t, bob, "b", "15550002001")

	// Within the tenant: delivered into a2, then read.
	m := sendText(t, alice, a1.ID, "+"+a2.Phone, "hello a2")
	waitMessageStatus(t, alice, m.ID, "read")
	if got := inbound(t, alice, a2.ID); len(got) != 1 || got[0].Body != "hello a2" || got[0].SenderPhone != a1.Phone {
		t.Fatalf("got inbound at a2 %+v, want the message from a1", got)
	}

	// To the other tenant's number: receipts as for any number, nothing
	// arrives at bob's session.
	m = sendText(t, alice, a1.ID, "+"+b.Phone, "hello bob")
	waitMessageStatus(t, alice, m.ID, "read")
	if got := inbound(t, bob, b.ID); len(got) != 0 {
		t.Fatalf("got inbound at bob's session %+v, want none from another tenant", got)
	}

	// Pairing as bob's number is refused; as a free one, accepted.
	a3 := newSession(t, alice, "a3")
	startInstance(t, alice, a3.ID)
	waitStatus(t, alice, a3.ID, "qr_pending")
	r := alice.do("POST", "/api/v1/sessions/"+a3.ID+"/scan", map[string]any{"phone": "+" + b.Phone}).
		fails(t, http.StatusConflict, "conflict")
	if !strings.Contains(r.Error.Message, "another account") {
		t.Errorf("got message %q, want it to say another account holds the number", r.Error.Message)
	}
	alice.do("POST", "/api/v1/sessions/"+a3.ID+"/pair-code", map[string]any{"phone_number": b.Phone}).
		fails(t, http.StatusConflict, "conflict")
	alice.do("POST", "/api/v1/sessions/"+a3.ID+"/scan", map[string]any{"phone": "15550001003"}).must(t, http.StatusOK, nil)
	waitConnected(t, alice, a3.ID)
}

// TestSandboxDisabled checks SANDBOX_ENABLED=false: no sandbox session can
// be created, and the scan says the engine is off.
func TestSandboxDisabled(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"SANDBOX_ENABLED": "false", "WHATSAPP_ENGINE": "whatsmeow"}))
	c := register(t, base, "sandbox-off@example.com")
	// The profile does not offer it (the dashboard's New session form
	// lists these).
	var me struct {
		Engines       []string `json:"engines"`
		DefaultEngine string   `json:"default_engine"`
	}
	c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &me)
	if strings.Join(me.Engines, ",") != "whatsmeow" || me.DefaultEngine != "whatsmeow" {
		t.Errorf("got engines %v (default %q), want only whatsmeow", me.Engines, me.DefaultEngine)
	}
	r := c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "s", "engine": "sandbox"}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(r.Error.Fields["engine"], "SANDBOX_ENABLED") {
		t.Errorf("got fields %v, want the engine field to name SANDBOX_ENABLED", r.Error.Fields)
	}
	s := newSession(t, c, "real")
	r = c.do("POST", "/api/v1/sessions/"+s.ID+"/scan", nil).fails(t, http.StatusForbidden, "feature_disabled")
	if !strings.Contains(r.Error.Message, "SANDBOX_ENABLED") {
		t.Errorf("got message %q, want it to name SANDBOX_ENABLED", r.Error.Message)
	}
}
