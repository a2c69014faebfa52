package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/logtest"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestLogsCarryRequestIDAndRedact sends a message with a request id and
// checks the JSON logs: the API's line and the worker's line carry the
// same request id, and no line holds the phone number or the text; the
// webhook deliveries of the message's statuses carry it too (header and
// body).
func TestLogsCarryRequestIDAndRedact(t *testing.T) {
	type hook struct{ header, body, typ, message string }
	var mu sync.Mutex
	var hooks []hook
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Type      string `json:"type"`
			RequestID string `json:"request_id"`
			Data      struct {
				MessageID string `json:"message_id"`
			} `json:"data"`
		}
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		hooks = append(hooks, hook{r.Header.Get("X-Request-Id"), ev.RequestID, ev.Type, ev.Data.MessageID})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	var logs logtest.Buffer
	base := startGatewayLogging(t, testEnv(t, map[string]string{"LOG_FORMAT": "json", "LOG_LEVEL": "debug",
		"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_POLL_INTERVAL": "50ms"}), &logs)
	c := register(t, base, "logs@example.com")
	c.do("POST", "/api/v1/webhooks", map[string]any{"url": receiver.URL, "events": []string{"message.status"}}).must(t, http.StatusCreated, nil)
	var created struct {
		Session sessionView `json:"session"`
	}
	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "logs"}).must(t, http.StatusCreated, &created)
	id := created.Session.ID
	c.do("POST", "/api/v1/instances", map[string]any{"session_id": id}).must(t, http.StatusCreated, nil)
	waitConnected(t, c, id)

	const phone, text, reqID = "966501234567", "سري جداً: طلب رقم 778899", "e2e-request-0042"
	c.header = http.Header{"X-Request-Id": {reqID}}
	var sent struct {
		Message messageView `json:"message"`
	}
	r := c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": id, "recipient": "+" + phone, "message": text}).
		must(t, http.StatusCreated, &sent)
	if got := r.Header.Get("X-Request-Id"); got != reqID {
		t.Fatalf("X-Request-Id answered %q, want %q", got, reqID)
	}
	c.header = nil
	var got struct {
		Message messageView `json:"message"`
	}
	polltest.Eventually(t, patience, "message delivered", func() bool {
		c.do("GET", "/api/v1/messages/"+sent.Message.ID, nil).must(t, http.StatusOK, &got)
		return got.Message.Status == "delivered" || got.Message.Status == "read"
	})
	if sent.Message.RequestID != reqID || got.Message.RequestID != reqID {
		t.Errorf("message request id: %q when sent, %q when read back; want %q", sent.Message.RequestID, got.Message.RequestID, reqID)
	}

	var apiLine, workerLine bool
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if strings.Contains(line, phone) || strings.Contains(line, "778899") || strings.Contains(line, "سري") {
			t.Errorf("log line leaks the phone or the text: %s", line)
		}
		// A line names the session once: a logger that already carries
		// session_id is not given it again (JSON would hold the key twice),
		// nor does a message repeat it.
		if strings.Count(line, id) > 1 && !strings.Contains(line, `"path":`) {
			t.Errorf("log line names session %s more than once: %s", id, line)
		}
		if rec["request_id"] != reqID {
			continue
		}
		switch {
		case rec["msg"] == "request" && rec["route"] == "/api/v1/messages/send":
			apiLine = true
		case rec["msg"] == "send requested" && rec["message_id"] == sent.Message.ID && rec["session_id"] == id:
			workerLine = true
		}
	}
	if !apiLine || !workerLine {
		t.Fatalf("request id %s: API line %v, worker line %v; logs:\n%s", reqID, apiLine, workerLine, logs.String())
	}

	// Every status the message went through reached the webhook with the id.
	polltest.Eventually(t, patience, "status webhooks delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, h := range hooks {
			if h.typ == "message.status" && h.message == sent.Message.ID {
				if h.header != reqID || h.body != reqID {
					t.Fatalf("a status webhook carried request id %q (header) / %q (body), want %q", h.header, h.body, reqID)
				}
				n++
			}
		}
		return n >= 2 // sent, delivered (read follows)
	})
}
