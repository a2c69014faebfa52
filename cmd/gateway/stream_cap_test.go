package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestEventStreamsCappedPerTenant: a tenant holds at most
// EVENT_STREAMS_PER_TENANT streams (GET /events and the QR stream
// together); one more is a 429 saying why, other tenants are not held
// back, and a closed stream frees its slot.
func TestEventStreamsCappedPerTenant(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"EVENT_STREAMS_PER_TENANT": "2"}))
	c := register(t, base, "streams@example.com")
	other := register(t, base, "streams-other@example.com")
	sess := newSession(t, c, "qr")
	startInstance(t, c, sess.ID)

	_, stop1 := openStream(t, c, "", "")
	defer stop1()
	_, stop2 := openStream(t, c, "", "")
	defer stop2()

	r := tryStream(t, c, "/api/v1/events")
	if r.Status != http.StatusTooManyRequests || r.Error.Code != "rate_limited" ||
		!strings.Contains(r.Error.Message, "2") || !strings.Contains(r.Error.Message, "stream") {
		t.Fatalf("third stream: got %d %s, want 429 rate_limited saying the cap of 2", r.Status, r.Raw)
	}
	if r := tryStream(t, c, "/api/v1/sessions/"+sess.ID+"/qr?stream=true"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("QR stream over the cap: got %d %s, want 429", r.Status, r.Raw)
	}
	_, stopOther := openStream(t, other, "", "")
	defer stopOther()

	stop1()
	polltest.Eventually(t, patience, "a slot freed by a closed stream", func() bool {
		return tryStream(t, c, "/api/v1/events").Status == http.StatusOK
	})
}

// tryStream asks for a stream and closes it at once when it opens; a
// refusal is read as an error answer.
func tryStream(t *testing.T, c *client, path string) *reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := checkedClient(t, http.DefaultClient).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := &reply{Status: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode != http.StatusOK {
		r.Raw, _ = io.ReadAll(resp.Body)
		if err := json.Unmarshal(r.Raw, r); err != nil {
			t.Fatalf("GET %s: %d %q: %v", path, resp.StatusCode, r.Raw, err)
		}
	}
	return r
}
