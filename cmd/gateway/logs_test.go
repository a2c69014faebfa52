package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// syncBuffer collects log output written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsCarryRequestIDAndRedact sends a message with a request id and
// checks the JSON logs: the API's line and the worker's line carry the
// same request id, and no line holds the phone number or the text.
func TestLogsCarryRequestIDAndRedact(t *testing.T) {
	var logs syncBuffer
	base := startGatewayLogging(t, testEnv(t, map[string]string{"LOG_FORMAT": "json", "LOG_LEVEL": "debug"}), &logs)
	c := register(t, base, "logs@example.com")
	var created struct {
		Session sessionView `json:"session"`
	}
	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "logs"}).must(t, http.StatusCreated, &created)
	id := created.Session.ID
	c.do("POST", "/api/v1/instances", map[string]any{"session_id": id}).must(t, http.StatusCreated, nil)
	eventually(t, "session connected", func() bool {
		var got struct {
			Session sessionView `json:"session"`
		}
		c.do("GET", "/api/v1/sessions/"+id, nil).must(t, http.StatusOK, &got)
		return got.Session.Status == "connected"
	})

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
	eventually(t, "message delivered", func() bool {
		var got struct {
			Message messageView `json:"message"`
		}
		c.do("GET", "/api/v1/messages/"+sent.Message.ID, nil).must(t, http.StatusOK, &got)
		return got.Message.Status == "delivered" || got.Message.Status == "read"
	})

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
}
