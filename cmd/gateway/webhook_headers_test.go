package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestWebhookHeaderValuesMasked: a webhook's custom header values (often
// the receiver's credential) are answered masked on every view, to the
// owner and to a read-only key alike, and sent in full with deliveries,
// also after an update that sent the masked values back.
func TestWebhookHeaderValuesMasked(t *testing.T) {
	const token = "Bearer rcv-credential-0123456789"
	var (
		mu  sync.Mutex
		got []string
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("X-Receiver-Auth"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()

	base := startGateway(t, webhookEnv(t, nil))
	c := register(t, base, "hook-headers@example.com")
	var key struct {
		APIKey struct{ Key string } `json:"api_key"`
	}
	c.do("POST", "/api/v1/api-keys", map[string]any{"name": "read", "scopes": []string{"read"}}).must(t, 201, &key)
	reader := &client{t: t, base: base, apiKey: key.APIKey.Key}

	type view struct {
		Webhook struct {
			ID      string            `json:"id"`
			Headers map[string]string `json:"headers"`
		} `json:"webhook"`
	}
	var created view
	r := c.do("POST", "/api/v1/webhooks", map[string]any{"url": rcv.URL + "/hook", "events": []string{"*"},
		"headers": map[string]string{"X-Receiver-Auth": token, "X-Short": "ab"}}).must(t, http.StatusCreated, &created)
	id := created.Webhook.ID
	answers := map[string]*reply{
		"create":        r,
		"get":           c.do("GET", "/api/v1/webhooks/"+id, nil).must(t, 200, nil),
		"list":          c.do("GET", "/api/v1/webhooks", nil).must(t, 200, nil),
		"read key get":  reader.do("GET", "/api/v1/webhooks/"+id, nil).must(t, 200, nil),
		"read key list": reader.do("GET", "/api/v1/webhooks", nil).must(t, 200, nil),
		// The headers sent back as they were read keep their values.
		"update": c.do("PATCH", "/api/v1/webhooks/"+id, map[string]any{"headers": created.Webhook.Headers}).must(t, 200, nil),
		"rotate": c.do("POST", "/api/v1/webhooks/"+id+"/rotate-secret", nil).must(t, 200, nil),
	}
	for name, a := range answers {
		if strings.Contains(string(a.Raw), "rcv-credential") || strings.Contains(string(a.Raw), `"ab"`) {
			t.Errorf("%s answers a header value in clear: %s", name, a.Raw)
		}
		if !strings.Contains(string(a.Raw), `"X-Receiver-Auth"`) {
			t.Errorf("%s does not name the header: %s", name, a.Raw)
		}
	}
	if v := created.Webhook.Headers["X-Receiver-Auth"]; v == "" || v == token {
		t.Fatalf("got X-Receiver-Auth %q, want it masked", v)
	}

	// Deliveries still carry the stored value in full.
	c.do("POST", "/api/v1/webhooks/"+id+"/test", nil).must(t, http.StatusAccepted, nil)
	polltest.Eventually(t, patience, "a delivery with the header", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if got[0] != token {
		t.Fatalf("receiver got X-Receiver-Auth %q, want %q", got[0], token)
	}
}
