package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

type sessionView struct {
	ID     string `json:"id"`
	Name   string `json:"session_name"`
	Status string `json:"status"`
	Engine string `json:"engine"`
	Phone  string `json:"phone"`
	// StatusReason says why a session is in its state (a failure, a stop).
	StatusReason string `json:"status_reason"`
	Settings     struct {
		AutoReply     bool     `json:"auto_reply"`
		WebhookEvents []string `json:"webhook_events"`
	} `json:"settings"`
}

type instanceView struct {
	ID        string `json:"id"`
	SessionID string `json:"session_id"`
	Status    string `json:"status"`
	Driver    string `json:"driver"`
	Port      int    `json:"port"`
	Address   string `json:"address"`
	StartedAt string `json:"started_at"`
}

type messageView struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Recipient   string `json:"recipient"`
	Direction   string `json:"direction"`
	WAMessageID string `json:"wa_message_id"`
	Body        string `json:"message"`
	Type        string `json:"message_type"`
	SenderPhone string `json:"sender_phone"`
	Error       string `json:"error"`
	RequestID   string `json:"request_id"`
}

type pagination struct {
	Page  int `json:"page"`
	Limit int `json:"limit"`
	Total int `json:"total"`
	Pages int `json:"pages"`
}

// TestSeedFlow walks the seed document's example with its payloads: log in
// as the demo account, create a session, start an instance, send after the
// sandbox pairs, list messages, add a webhook, read the overview.
func TestSeedFlow(t *testing.T) {
	env := testEnv(t, nil)
	base := startGateway(t, env)

	// The demo account comes from the seed command only.
	c := &client{t: t, base: base}
	c.do("POST", "/api/v1/auth/login", map[string]any{"email": "demo@whatsapp-saas.com", "password": "demo123"}).
		fails(t, http.StatusUnauthorized, "unauthorized")
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var out strings.Builder
	if code := run(t.Context(), []string{"seed"}, lookup, &out, testWriter{t}); code != 0 {
		t.Fatalf("seed exit code %d", code)
	}
	if !strings.Contains(out.String(), "demo account created") {
		t.Fatalf("seed output %q", out.String())
	}

	var login struct {
		Token     string   `json:"token"`
		User      userView `json:"user"`
		ExpiresAt string   `json:"expires_at"`
	}
	c.do("POST", "/api/v1/auth/login", map[string]any{"email": "demo@whatsapp-saas.com", "password": "demo123"}).
		must(t, http.StatusOK, &login)
	if login.Token == "" || login.ExpiresAt == "" {
		t.Fatalf("login: %+v", login)
	}
	c.token = login.Token

	var me struct {
		User userView `json:"user"`
		Plan struct {
			ID string `json:"id"`
		} `json:"plan"`
		Usage map[string]int `json:"usage"`
	}
	c.do("GET", "/api/v1/auth/me", nil).must(t, http.StatusOK, &me)
	if me.User.Email != "demo@whatsapp-saas.com" || me.Plan.ID != "free" {
		t.Fatalf("me: %+v", me)
	}

	var created struct {
		Session sessionView `json:"session"`
	}
	c.do("POST", "/api/v1/sessions", map[string]any{
		"session_name": "my-whatsapp-session",
		"webhook_url":  "https://your-webhook-url.com/webhook",
		"settings":     map[string]any{"auto_reply": false, "webhook_events": []string{"message", "status"}},
	}).must(t, http.StatusCreated, &created)
	sess := created.Session
	if sess.ID == "" || sess.Status != "created" || sess.Engine != "sandbox" || sess.Name != "my-whatsapp-session" {
		t.Fatalf("session: %+v", sess)
	}

	var sessions struct {
		Sessions   []sessionView `json:"sessions"`
		Pagination pagination    `json:"pagination"`
	}
	c.do("GET", "/api/v1/sessions", nil).must(t, http.StatusOK, &sessions)
	if len(sessions.Sessions) != 1 || sessions.Pagination.Total != 1 || sessions.Pagination.Pages != 1 {
		t.Fatalf("sessions: %+v", sessions)
	}

	var started struct {
		Instance instanceView `json:"instance"`
	}
	c.do("POST", "/api/v1/instances", map[string]any{"session_id": sess.ID}).must(t, http.StatusCreated, &started)
	inst := started.Instance
	if inst.ID == "" || inst.SessionID != sess.ID || inst.Status != "running" || inst.Driver != "local" || inst.Port == 0 || inst.StartedAt == "" {
		t.Fatalf("instance: %+v", inst)
	}
	c.do("POST", "/api/v1/instances", map[string]any{"session_id": sess.ID}).fails(t, http.StatusConflict, "conflict")

	// The sandbox pairs by itself after SANDBOX_PAIR_DELAY.
	waitSession(t, c, sess.ID, "session connected", patience, func(s sessionView) bool { return s.Status == "connected" && s.Phone != "" })

	var sent struct {
		Message messageView `json:"message"`
	}
	c.do("POST", "/api/v1/messages/send", map[string]any{
		"session_id": sess.ID, "recipient": "1234567890@c.us", "message": "مرحباً من نظام WhatsApp SaaS!", "message_type": "text",
	}).must(t, http.StatusCreated, &sent)
	if sent.Message.ID == "" || sent.Message.Recipient != "1234567890@s.whatsapp.net" || sent.Message.WAMessageID == "" {
		t.Fatalf("sent: %+v", sent.Message)
	}
	polltest.Eventually(t, patience, "message read", func() bool {
		got := getMessage[messageView](t, c, sent.Message.ID)
		return got.Status == "read"
	})

	var msgs struct {
		Messages   []messageView `json:"messages"`
		Pagination pagination    `json:"pagination"`
	}
	c.do("GET", "/api/v1/messages?page=1&limit=20", nil).must(t, http.StatusOK, &msgs)
	if len(msgs.Messages) != 1 || msgs.Pagination.Total != 1 || msgs.Messages[0].Body != "مرحباً من نظام WhatsApp SaaS!" {
		t.Fatalf("messages: %+v", msgs)
	}

	var wh struct {
		Webhook struct {
			ID     string   `json:"id"`
			Secret string   `json:"secret"`
			Events []string `json:"events"`
		} `json:"webhook"`
	}
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://your-domain.com/webhook", "events": []string{"message", "status", "qr"}, "session_id": sess.ID}).
		must(t, http.StatusCreated, &wh)
	if !strings.HasPrefix(wh.Webhook.Secret, "whsec_") || len(wh.Webhook.Events) != 3 {
		t.Fatalf("webhook: %+v", wh.Webhook)
	}
	var hooks struct {
		Webhooks []map[string]any `json:"webhooks"`
	}
	c.do("GET", "/api/v1/webhooks", nil).must(t, http.StatusOK, &hooks)
	// One from the session's webhook_url, one created above; secrets never listed.
	if len(hooks.Webhooks) != 2 {
		t.Fatalf("webhooks: %+v", hooks)
	}
	for _, h := range hooks.Webhooks {
		if _, ok := h["secret"]; ok {
			t.Fatalf("webhook list shows a secret: %+v", h)
		}
	}

	var ov struct {
		Messages struct {
			Total struct {
				Sent  int `json:"sent"`
				Read  int `json:"read"`
				Total int `json:"total"`
			} `json:"total"`
		} `json:"messages"`
		Instances struct {
			Running int `json:"running"`
		} `json:"instances"`
		Sessions struct {
			Total int `json:"total"`
		} `json:"sessions"`
	}
	c.do("GET", "/api/v1/analytics/overview", nil).must(t, http.StatusOK, &ov)
	if ov.Messages.Total.Total != 1 || ov.Messages.Total.Read != 1 || ov.Instances.Running != 1 || ov.Sessions.Total != 1 {
		t.Fatalf("overview: %+v", ov)
	}

	var stopped struct {
		Instance instanceView `json:"instance"`
	}
	c.do("POST", "/api/v1/instances/"+inst.ID+"/stop", nil).must(t, http.StatusOK, &stopped)
	if stopped.Instance.Status != "stopped" {
		t.Fatalf("stopped: %+v", stopped.Instance)
	}
	c.do("DELETE", "/api/v1/sessions/"+sess.ID, nil).must(t, http.StatusOK, nil)
	c.do("GET", "/api/v1/sessions/"+sess.ID, nil).fails(t, http.StatusNotFound, "not_found")

	for _, path := range []string{"/", "/health", "/health/database", "/health/live", "/health/ready"} {
		(&client{t: t, base: base}).do("GET", path, nil).must(t, http.StatusOK, nil)
	}
}
