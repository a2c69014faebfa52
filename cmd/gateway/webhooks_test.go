package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

type webhookView struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Active         bool     `json:"active"`
	Secret         string   `json:"secret"`
	DisabledReason string   `json:"disabled_reason"`
}

type deliveryView struct {
	ID             string     `json:"id"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode int        `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
}

func webhookEnv(t *testing.T, extra map[string]string) map[string]string {
	env := map[string]string{
		"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
		"WEBHOOK_RETRY_SCHEDULE":         "20ms,20ms,20ms",
		"WEBHOOK_POLL_INTERVAL":          "100ms",
		"WEBHOOK_TIMEOUT":                "3s",
	}
	maps.Copy(env, extra)
	return testEnv(t, env)
}

func createWebhook(t *testing.T, c *client, url string, events ...string) webhookView {
	t.Helper()
	var out struct {
		Webhook webhookView `json:"webhook"`
	}
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": url, "events": events}).must(t, http.StatusCreated, &out)
	if !strings.HasPrefix(out.Webhook.Secret, "whsec_") {
		t.Fatalf("got secret %q, want a whsec_ secret", out.Webhook.Secret)
	}
	return out.Webhook
}

func listDeliveries(t *testing.T, c *client, webhookID, query string) []deliveryView {
	t.Helper()
	var all []deliveryView
	for page := 1; ; page++ {
		var out struct {
			Deliveries []deliveryView `json:"deliveries"`
			Pagination struct {
				Pages int `json:"pages"`
			} `json:"pagination"`
		}
		c.do("GET", "/api/v1/webhooks/"+webhookID+"/deliveries?limit=100&page="+itoa(page)+query, nil).must(t, http.StatusOK, &out)
		all = append(all, out.Deliveries...)
		if page >= out.Pagination.Pages {
			return all
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func testDelivery(t *testing.T, c *client, webhookID string) deliveryView {
	t.Helper()
	var out struct {
		Delivery deliveryView `json:"delivery"`
	}
	c.do("POST", "/api/v1/webhooks/"+webhookID+"/test", nil).must(t, http.StatusAccepted, &out)
	return out.Delivery
}

func deliveryByID(t *testing.T, c *client, webhookID, id string) (deliveryView, int) {
	t.Helper()
	var out struct {
		Delivery deliveryView      `json:"delivery"`
		Attempts []json.RawMessage `json:"attempts"`
	}
	c.do("GET", "/api/v1/webhooks/"+webhookID+"/deliveries/"+id, nil).must(t, http.StatusOK, &out)
	return out.Delivery, len(out.Attempts)
}

// TestWebhooks runs the webhook features through the API of an in-process
// gateway: signed deliveries of a session's events with retries, the
// delivery log, the test action, secret rotation, update, replay, the live
// event stream, and tenant isolation.
func TestWebhooks(t *testing.T) {
	base := startGateway(t, webhookEnv(t, nil))
	c := register(t, base, "hooks@example.com")
	rcv := newReceiver(t)
	rcv.failFirst = 1
	wh := createWebhook(t, c, rcv.URL(), "*")
	rcv.setSecrets(wh.Secret)

	stream, stop := openStream(t, c, "", "0")
	defer stop()

	connectedSessions(t, c, "hooks")

	var deliveries []deliveryView
	polltest.Eventually(t, patience, "every delivery to succeed", func() bool {
		deliveries = listDeliveries(t, c, wh.ID, "")
		if len(deliveries) < 3 {
			return false
		}
		for _, d := range deliveries {
			if d.Status != "succeeded" {
				return false
			}
		}
		return true
	})
	accepted, bad := rcv.snapshot()
	if bad != 0 {
		t.Fatalf("got %d requests failing signature checks, want 0", bad)
	}
	types := map[string]bool{}
	for _, d := range deliveries {
		if accepted[d.EventID] == 0 {
			t.Fatalf("event %s (%s) never accepted by the receiver", d.EventID, d.EventType)
		}
		if d.Attempts != 2 || d.LastStatusCode != 204 {
			t.Fatalf("got %+v, want succeeded on the second attempt (the first is refused)", d)
		}
		types[d.EventType] = true
	}
	for _, want := range []string{"session.status", "qr", "instance.status"} {
		if !types[want] {
			t.Fatalf("got event types %v, want %s among them", types, want)
		}
	}
	one, attempts := deliveryByID(t, c, wh.ID, deliveries[0].ID)
	if one.ID != deliveries[0].ID || attempts != 2 {
		t.Fatalf("got delivery %+v with %d attempts, want 2 attempts", one, attempts)
	}

	t.Run("event stream replays from Last-Event-ID and goes on live", func(t *testing.T) {
		want := map[string]bool{}
		for _, d := range deliveries {
			want[d.EventID] = true
		}
		test := testDelivery(t, c, wh.ID)
		want[test.EventID] = true
		lastSeq := 0
		deadline := time.After(20 * time.Second)
		for len(want) > 0 {
			select {
			case ev, ok := <-stream:
				if !ok {
					t.Fatal("stream ended")
				}
				var env struct {
					ID   string `json:"id"`
					Type string `json:"type"`
				}
				if err := json.Unmarshal(ev.Data, &env); err != nil || env.Type != ev.Event {
					t.Fatalf("got event %q with data %s", ev.Event, ev.Data)
				}
				var seq int
				if err := json.Unmarshal([]byte(ev.ID), &seq); err != nil || seq <= lastSeq {
					t.Fatalf("got id %q after %d, want increasing sequence numbers", ev.ID, lastSeq)
				}
				lastSeq = seq
				delete(want, env.ID)
			case <-deadline:
				t.Fatalf("stream missed %d events", len(want))
			}
		}
		// Resuming after the last id sends nothing old; filters apply.
		resumed, stop := openStream(t, c, "?types=qr", itoa(lastSeq))
		defer stop()
		testDelivery(t, c, wh.ID) // a webhook.test event: filtered out
		select {
		case ev := <-resumed:
			t.Fatalf("got %s (%s) on a resumed, qr-only stream, want nothing", ev.ID, ev.Event)
		case <-time.After(300 * time.Millisecond):
		}
	})

	t.Run("rotation signs with both secrets", func(t *testing.T) {
		var out struct {
			Webhook webhookView `json:"webhook"`
		}
		c.do("POST", "/api/v1/webhooks/"+wh.ID+"/rotate-secret", nil).must(t, http.StatusOK, &out)
		if out.Webhook.Secret == wh.Secret || !strings.HasPrefix(out.Webhook.Secret, "whsec_") {
			t.Fatalf("got secret %q, want a new whsec_ secret", out.Webhook.Secret)
		}
		rcv.setSecrets(wh.Secret, out.Webhook.Secret) // both must verify
		d := testDelivery(t, c, wh.ID)
		polltest.Eventually(t, patience, "the test delivery", func() bool {
			got, _ := deliveryByID(t, c, wh.ID, d.ID)
			return got.Status == "succeeded"
		})
		rcv.mu.Lock()
		two, bad := rcv.sigCount[2], rcv.badSig
		rcv.mu.Unlock()
		if two == 0 || bad != 0 {
			t.Fatalf("got %d requests with two signatures and %d bad, want some and none", two, bad)
		}
		var got struct {
			Webhook webhookView `json:"webhook"`
		}
		c.do("GET", "/api/v1/webhooks/"+wh.ID, nil).must(t, http.StatusOK, &got)
		if got.Webhook.Secret != "" {
			t.Fatal("GET answered the secret, want it shown only once")
		}
	})

	t.Run("failures, abandon and replay", func(t *testing.T) {
		since := time.Now().Add(-time.Second).UTC()
		rcv.mu.Lock()
		rcv.failAll = true
		rcv.mu.Unlock()
		d := testDelivery(t, c, wh.ID)
		var got deliveryView
		polltest.Eventually(t, patience, "the delivery abandoned after the schedule", func() bool {
			got, _ = deliveryByID(t, c, wh.ID, d.ID)
			return got.Status == "abandoned"
		})
		if got.Attempts != 4 || got.LastStatusCode != 503 || got.LastError == "" {
			t.Fatalf("got %+v, want abandoned after 4 attempts with the 503", got)
		}
		if list := listDeliveries(t, c, wh.ID, "&status=abandoned"); len(list) != 1 || list[0].ID != d.ID {
			t.Fatalf("got %d abandoned, want the one", len(list))
		}
		c.do("GET", "/api/v1/webhooks/"+wh.ID+"/deliveries?status=lost", nil).fails(t, http.StatusUnprocessableEntity, "validation_failed")
		rcv.mu.Lock()
		rcv.failAll = false
		rcv.mu.Unlock()
		var out struct {
			Retried int `json:"retried"`
		}
		c.do("POST", "/api/v1/webhooks/"+wh.ID+"/retry", map[string]any{"since": since}).must(t, http.StatusAccepted, &out)
		if out.Retried != 1 {
			t.Fatalf("got %d retried, want 1", out.Retried)
		}
		polltest.Eventually(t, patience, "the replayed delivery", func() bool {
			got, _ = deliveryByID(t, c, wh.ID, d.ID)
			return got.Status == "succeeded"
		})
		c.do("POST", "/api/v1/webhooks/"+wh.ID+"/deliveries/"+d.ID+"/retry", nil).must(t, http.StatusAccepted, nil)
		polltest.Eventually(t, patience, "the redelivery of one", func() bool {
			got, _ = deliveryByID(t, c, wh.ID, d.ID)
			return got.Status == "succeeded" && got.Attempts == 1
		})
	})

	t.Run("update", func(t *testing.T) {
		var out struct {
			Webhook webhookView `json:"webhook"`
		}
		c.do("PATCH", "/api/v1/webhooks/"+wh.ID, map[string]any{"events": []string{"qr", "status"}, "active": false}).must(t, http.StatusOK, &out)
		if out.Webhook.Active || strings.Join(out.Webhook.Events, ",") != "qr,status" || out.Webhook.Secret != "" {
			t.Fatalf("got %+v, want inactive, qr and status, no secret", out.Webhook)
		}
		c.do("POST", "/api/v1/webhooks/"+wh.ID+"/test", nil).fails(t, http.StatusConflict, "conflict")
		c.do("PATCH", "/api/v1/webhooks/"+wh.ID, map[string]any{"events": []string{"nope"}}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
		c.do("PATCH", "/api/v1/webhooks/"+wh.ID, map[string]any{"url": "ftp://x"}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
		c.do("PATCH", "/api/v1/webhooks/"+wh.ID, map[string]any{"active": true}).must(t, http.StatusOK, &out)
		if !out.Webhook.Active {
			t.Fatal("got inactive after active: true")
		}
	})

	t.Run("another tenant's ids are not found", func(t *testing.T) {
		other := register(t, base, "other-hooks@example.com")
		d := deliveries[0]
		for _, r := range []struct{ method, path string }{
			{"GET", "/api/v1/webhooks/" + wh.ID + "/deliveries"},
			{"GET", "/api/v1/webhooks/" + wh.ID + "/deliveries/" + d.ID},
			{"POST", "/api/v1/webhooks/" + wh.ID + "/deliveries/" + d.ID + "/retry"},
			{"POST", "/api/v1/webhooks/" + wh.ID + "/test"},
			{"POST", "/api/v1/webhooks/" + wh.ID + "/rotate-secret"},
		} {
			other.do(r.method, r.path, nil).fails(t, http.StatusNotFound, "not_found")
		}
		other.do("PATCH", "/api/v1/webhooks/"+wh.ID, map[string]any{"active": false}).fails(t, http.StatusNotFound, "not_found")
		other.do("POST", "/api/v1/webhooks/"+wh.ID+"/retry", map[string]any{"since": time.Now()}).fails(t, http.StatusNotFound, "not_found")
		theirs, stop := openStream(t, other, "", "0")
		defer stop()
		select {
		case ev := <-theirs:
			t.Fatalf("another tenant's stream got %s %s, want none of ours", ev.Event, ev.Data)
		case <-time.After(300 * time.Millisecond):
		}
	})
}

// TestWebhooksSSRFGuard checks that without the opt-out an endpoint on a
// loopback or metadata address is refused when it is registered (POST
// /webhooks, PATCH, a session's webhook_url), with a 422 that names
// WEBHOOK_ALLOW_PRIVATE_NETWORKS where that setting would allow it, and
// that nothing reaches the receiver.
func TestWebhooksSSRFGuard(t *testing.T) {
	base := startGateway(t, webhookEnv(t, map[string]string{"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "false"}))
	c := register(t, base, "ssrf@example.com")
	rcv := newReceiver(t)
	tests := []struct {
		url          string
		namesSetting bool
	}{
		{rcv.URL(), true},
		{strings.Replace(rcv.URL(), "127.0.0.1", "localhost", 1), true},
		{"http://[::1]:9/hook", true},
		{"http://10.1.2.3/hook", true},
		{"http://169.254.169.254/latest/meta-data/", false}, // no setting opens it
	}
	// An endpoint on a public address, to PATCH onto a refused one.
	public := createWebhook(t, c, "https://93.184.216.34/hook", "*")
	for _, tt := range tests {
		checkRefusal := func(what string, r *reply, field string) {
			t.Helper()
			r.fails(t, http.StatusUnprocessableEntity, "validation_failed")
			var body struct {
				Error struct {
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal(r.Raw, &body); err != nil {
				t.Fatal(err)
			}
			msg := body.Error.Fields[field]
			if msg == "" {
				t.Fatalf("%s %s: no message on field %s: %s", what, tt.url, field, r.Raw)
			}
			if got := strings.Contains(msg, "WEBHOOK_ALLOW_PRIVATE_NETWORKS"); got != tt.namesSetting {
				t.Errorf("%s %s: got %q, want the setting named: %v", what, tt.url, msg, tt.namesSetting)
			}
		}
		checkRefusal("POST /webhooks", c.do("POST", "/api/v1/webhooks", map[string]any{"url": tt.url, "events": []string{"*"}}), "url")
		checkRefusal("PATCH /webhooks", c.do("PATCH", "/api/v1/webhooks/"+public.ID, map[string]any{"url": tt.url}), "url")
		checkRefusal("POST /sessions", c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "s", "webhook_url": tt.url}), "webhook_url")
	}
	var hooks struct {
		Webhooks []webhookView `json:"webhooks"`
	}
	c.do("GET", "/api/v1/webhooks", nil).must(t, http.StatusOK, &hooks)
	if len(hooks.Webhooks) != 1 || hooks.Webhooks[0].URL != "https://93.184.216.34/hook" {
		t.Errorf("got webhooks %+v, want only the public one, unchanged", hooks.Webhooks)
	}
	if accepted, _ := rcv.snapshot(); len(accepted) != 0 {
		t.Fatalf("the loopback receiver got %d events, want none", len(accepted))
	}
}

// TestWebhooksDisabled checks ENABLE_WEBHOOKS=false turns the feature off.
func TestWebhooksDisabled(t *testing.T) {
	base := startGateway(t, webhookEnv(t, map[string]string{"ENABLE_WEBHOOKS": "false"}))
	c := register(t, base, "nohooks@example.com")
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/x", "events": []string{"*"}}).
		fails(t, http.StatusForbidden, "feature_disabled")
	c.do("GET", "/api/v1/webhooks/00000000-0000-4000-8000-000000000000/deliveries", nil).
		fails(t, http.StatusForbidden, "feature_disabled")
}

// TestWorkerEnvCarriesTheSSRFSettings: a worker on Nomad fetches media
// URLs through the same guard as the gateway, so it gets the same WEBHOOK_*
// settings.
func TestWorkerEnvCarriesTheSSRFSettings(t *testing.T) {
	cfg, err := config.Load(func(k string) (string, bool) {
		v, ok := map[string]string{"WEBHOOK_DENY_NETWORKS": "10.9.0.0/16, 10.1.2.3:8500", "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true"}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	env := workerEnv(cfg)
	if got, want := env["WEBHOOK_DENY_NETWORKS"], "10.9.0.0/16,10.1.2.3:8500"; got != want {
		t.Errorf("WEBHOOK_DENY_NETWORKS: got %q, want %q", got, want)
	}
	if got := env["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]; got != "true" {
		t.Errorf("WEBHOOK_ALLOW_PRIVATE_NETWORKS: got %q, want true", got)
	}
}

// TestWorkerLoadsTheGatewaysEngineSettings: what the gateway puts in a
// session job's env, loaded by the worker's loader, gives the worker the
// gateway's own engine, pacing and SSRF settings, so a session behaves the
// same embedded and on Nomad. The media directory (the job's allocation
// directory) and the proxy (the template) reach the worker otherwise.
func TestWorkerLoadsTheGatewaysEngineSettings(t *testing.T) {
	gw := map[string]string{
		"SANDBOX_ENABLED": "false", "SANDBOX_PAIR_DELAY": "250ms", "SANDBOX_DELIVERY_DELAY": "2s", "SANDBOX_READ_DELAY": "4s",
		"HISTORY_SYNC_DAYS": "7", "MEDIA_MAX_BYTES": "5MiB", "SEND_RATE_PER_MINUTE": "12", "SEND_BURST": "3",
		"SEND_JITTER": "1500ms", "SEND_TYPING_PREROLL": "2s", "WHATSAPP_WEB_VERSION": "2.3000.1031080782",
		"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_DENY_NETWORKS": "10.9.0.0/16,10.1.2.3:8500", "LOG_LEVEL": "debug",
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := gw[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	env := workerEnv(cfg)
	for k, v := range map[string]string{"SESSION_ID": "s", "USER_ID": "u", "DATABASE_URL": "postgres://x@db/gw", "INTERNAL_SECRET": "k"} {
		env[k] = v
	}
	w, err := config.LoadWorker(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	want := cfg.Engines
	want.MediaStoragePath = w.MediaStoragePath
	if diff := cmp.Diff(want, w.Engines); diff != "" {
		t.Errorf("the worker's engine settings differ from the gateway's (-gateway +worker):\n%s", diff)
	}
	if w.LogLevel != cfg.LogLevel {
		t.Errorf("LOG_LEVEL: worker %v, gateway %v", w.LogLevel, cfg.LogLevel)
	}
}
