package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestDeliveryLogBodiesAndRates: a delivery's attempts show the body sent
// and the start of the endpoint's answer, and GET /webhooks/stats each
// endpoint's outcomes and success rate (every endpoint listed, days
// checked); a key bound to one session is refused the account-wide stats.
func TestDeliveryLogBodiesAndRates(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"unknown event"}` + strings.Repeat(" ", 4096)))
	}))
	defer receiver.Close()
	base := startGateway(t, testEnv(t, map[string]string{"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_POLL_INTERVAL": "50ms"}))
	c := register(t, base, "hooklog@example.com")
	var hook struct {
		Webhook struct {
			ID string `json:"id"`
		} `json:"webhook"`
	}
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": receiver.URL + "/a", "events": []string{"message"}}).must(t, http.StatusCreated, &hook)
	var quiet struct {
		Webhook struct {
			ID string `json:"id"`
		} `json:"webhook"`
	}
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": receiver.URL + "/b", "events": []string{"message"}}).must(t, http.StatusCreated, &quiet)
	var test struct {
		Delivery struct {
			ID string `json:"id"`
		} `json:"delivery"`
	}
	c.do("POST", "/api/v1/webhooks/"+hook.Webhook.ID+"/test", nil).must(t, http.StatusAccepted, &test)
	var detail struct {
		Attempts []struct {
			StatusCode   int    `json:"status_code"`
			RequestBody  string `json:"request_body"`
			ResponseBody string `json:"response_body"`
		} `json:"attempts"`
	}
	polltest.Eventually(t, patience, "the test delivery attempted", func() bool {
		c.do("GET", "/api/v1/webhooks/"+hook.Webhook.ID+"/deliveries/"+test.Delivery.ID, nil).must(t, http.StatusOK, &detail)
		return len(detail.Attempts) > 0
	})
	a := detail.Attempts[0]
	if a.StatusCode != 400 || !strings.Contains(a.RequestBody, `"type":"webhook.test"`) ||
		!strings.HasPrefix(a.ResponseBody, `{"error":"unknown event"}`) || len(a.ResponseBody) != 2048 {
		t.Fatalf("attempt: code %d, request %q, response of %d bytes %.40q", a.StatusCode, a.RequestBody, len(a.ResponseBody), a.ResponseBody)
	}
	var stats struct {
		Stats []struct {
			WebhookID   string   `json:"webhook_id"`
			Failed      int      `json:"failed"`
			Total       int      `json:"total"`
			SuccessRate *float64 `json:"success_rate"`
		} `json:"stats"`
	}
	c.do("GET", "/api/v1/webhooks/stats?days=1", nil).must(t, http.StatusOK, &stats)
	found := map[string]bool{}
	for _, s := range stats.Stats {
		found[s.WebhookID] = true
		switch s.WebhookID {
		case hook.Webhook.ID:
			if s.Failed != 1 || s.Total != 1 || s.SuccessRate == nil || *s.SuccessRate != 0 {
				t.Errorf("the failing endpoint's stats: %+v", s)
			}
		case quiet.Webhook.ID:
			if s.Total != 0 || s.SuccessRate != nil {
				t.Errorf("the quiet endpoint's stats: %+v", s)
			}
		}
	}
	if !found[hook.Webhook.ID] || !found[quiet.Webhook.ID] {
		t.Errorf("stats list %v, want both endpoints", found)
	}
	c.do("GET", "/api/v1/webhooks/stats?days=0", nil).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	// Another account sees none of these endpoints.
	other := register(t, base, "hooklog-other@example.com")
	var theirs struct {
		Stats []struct{} `json:"stats"`
	}
	other.do("GET", "/api/v1/webhooks/stats", nil).must(t, http.StatusOK, &theirs)
	if len(theirs.Stats) != 0 {
		t.Errorf("another account got %d endpoints' stats", len(theirs.Stats))
	}
}
