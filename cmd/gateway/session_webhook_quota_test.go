package main

import (
	"net/http"
	"testing"
)

// TestSessionWebhookURLCountsAgainstQuota: a session's webhook_url creates
// a webhook, so it counts against the plan's webhook quota as POST /webhooks
// does; a session refused for it is not created either.
func TestSessionWebhookURLCountsAgainstQuota(t *testing.T) {
	base := startGateway(t, saasEnv(t, nil))
	admin := login(t, base, adminEmail, adminPassword)
	c := register(t, base, "session-hook-quota@example.com")
	admin.do("POST", "/api/v1/admin/plans", tinyPlan("one-hook", 100, 100000)).must(t, 201, nil) // one webhook, two sessions
	admin.do("PATCH", "/api/v1/admin/tenants/"+userID(t, c)+"/plan", map[string]any{"plan_id": "one-hook"}).must(t, 200, nil)

	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "a", "webhook_url": "https://example.com/a"}).must(t, http.StatusCreated, nil)
	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "b", "webhook_url": "https://example.com/b"}).fails(t, 429, "quota_exceeded")
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/c", "events": []string{"message"}}).fails(t, 429, "quota_exceeded")

	var hooks, sessions struct {
		Pagination pagination `json:"pagination"`
	}
	c.do("GET", "/api/v1/webhooks", nil).must(t, http.StatusOK, &hooks)
	c.do("GET", "/api/v1/sessions", nil).must(t, http.StatusOK, &sessions)
	if hooks.Pagination.Total != 1 || sessions.Pagination.Total != 1 {
		t.Fatalf("got %d webhooks and %d sessions, want 1 and 1 (the refused session not created)",
			hooks.Pagination.Total, sessions.Pagination.Total)
	}
	// A session without a webhook_url is not held back by the webhook quota.
	newSession(t, c, "no-hook")
}
