package main

import (
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/proxytest"
)

// A whatsmeow session that cannot reach WhatsApp fails honestly: a clear
// state and reason, a clear QR error, and an API that stays responsive.
// On PostgreSQL the device store shares the gateway's pool and migrates
// under an advisory lock.
func TestWhatsmeowSessionFailsHonestly(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testWhatsmeowHonestFailure(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		testWhatsmeowHonestFailure(t, map[string]string{"DATABASE_URL": pgtest.FreshSchema(t)})
	})
}

func testWhatsmeowHonestFailure(t *testing.T, extra map[string]string) {
	env := map[string]string{"WHATSAPP_PROXY": proxytest.Dead(t, "socks5"), "WHATSAPP_WEB_VERSION": "2.3000.1031080782"}
	maps.Copy(env, extra)
	base := startGateway(t, testEnv(t, env))
	c := register(t, base, "wm@example.com")
	var created struct {
		Session sessionView `json:"session"`
	}
	c.do("POST", "/api/v1/sessions", map[string]any{"session_name": "real", "engine": "whatsmeow"}).must(t, http.StatusCreated, &created)
	sess := created.Session
	if sess.Engine != "whatsmeow" {
		t.Fatalf("engine %q, want whatsmeow", sess.Engine)
	}
	startInstance(t, c, sess.ID)

	// The dead WHATSAPP_PROXY is what cannot be reached.
	got := waitSession(t, c, sess.ID, "an honest failure state", patience, func(s sessionView) bool {
		return s.Status == "reconnecting" && strings.HasPrefix(s.StatusReason, "Cannot reach the proxy 127.0.0.1:")
	})
	if !strings.Contains(got.StatusReason, "retrying in") {
		t.Fatalf("reason %q, want it to say when it retries", got.StatusReason)
	}

	// The QR endpoint answers at once with a clear error, not a hang or a fake code.
	start := time.Now()
	qr := c.do("GET", "/api/v1/sessions/"+sess.ID+"/qr", nil).fails(t, http.StatusConflict, "conflict")
	if !strings.Contains(qr.Error.Message, "not waiting for a QR scan") || !strings.Contains(qr.Error.Message, "Cannot reach the proxy") {
		t.Fatalf("QR error %q, want it to say the session is not pairing and why", qr.Error.Message)
	}
	c.do("POST", "/api/v1/sessions/"+sess.ID+"/pair-code", map[string]any{"phone_number": "+15550001111"}).
		fails(t, http.StatusServiceUnavailable, "unavailable")
	c.do("POST", "/api/v1/contacts/check", map[string]any{"session_id": sess.ID, "phones": []string{"+15550001111"}}).
		fails(t, http.StatusServiceUnavailable, "unavailable")

	// A message is queued, not sent: it waits for a connection.
	var sent struct {
		Message messageView `json:"message"`
	}
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": sess.ID, "recipient": "15550002222@c.us", "message": "hi"}).
		must(t, http.StatusCreated, &sent)
	var status struct {
		Status struct {
			State      string `json:"state"`
			Connection struct {
				Connected bool `json:"connected"`
				LoggedIn  bool `json:"logged_in"`
			} `json:"connection"`
		} `json:"status"`
	}
	c.do("GET", "/api/v1/sessions/"+sess.ID+"/status", nil).must(t, http.StatusOK, &status)
	if status.Status.Connection.Connected || status.Status.Connection.LoggedIn {
		t.Fatalf("worker status %+v, want not connected", status.Status)
	}
	msg := getMessage[messageView](t, c, sent.Message.ID)
	if msg.Status != "queued" {
		t.Fatalf("message %+v, want it still queued", msg)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the API took %v to answer five requests", d)
	}
	resp, err := checkedClient(t, http.DefaultClient).Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/health: %d, want 200", resp.StatusCode)
	}

	// Logging out an unpaired session is fine; the session asks for pairing.
	c.do("POST", "/api/v1/sessions/"+sess.ID+"/logout", nil).must(t, http.StatusOK, nil)
}

// The messaging routes work end to end through the sandbox: read
// receipts, typing, number checks, and received media served with
// authentication and a tenant check.
func TestMessagingRoutes(t *testing.T) {
	base := startGateway(t, testEnv(t, nil))
	c := register(t, base, "messaging@example.com")
	ss := connectedSessions(t, c, "a", "b")
	a, b, to := ss[0], ss[1], ss[1].Phone

	var checks struct {
		Results []struct {
			Phone string `json:"phone"`
			OnWA  bool   `json:"on_whatsapp"`
		} `json:"results"`
	}
	c.do("POST", "/api/v1/contacts/check", map[string]any{"session_id": a.ID, "phones": []string{"+" + to, "+1 555 111 0000"}}).must(t, http.StatusOK, &checks)
	if len(checks.Results) != 2 || !checks.Results[0].OnWA || checks.Results[1].OnWA || checks.Results[1].Phone != "15551110000" {
		t.Fatalf("checks %+v, want the session's number on WhatsApp and the 0000 test number not", checks.Results)
	}
	c.do("POST", "/api/v1/contacts/check", map[string]any{"session_id": a.ID, "phones": []string{"12"}}).fails(t, http.StatusUnprocessableEntity, "validation_failed")

	c.do("POST", "/api/v1/sessions/"+a.ID+"/typing", map[string]any{"chat": to + "@c.us"}).must(t, http.StatusOK, nil)
	c.do("POST", "/api/v1/sessions/"+a.ID+"/typing", map[string]any{"chat": "nope@x"}).fails(t, http.StatusUnprocessableEntity, "validation_failed")

	pdf := "JVBERi0xLjQgdGVzdA==" // %PDF-1.4 test
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a.ID, "recipient": to, "message_type": "document",
		"media": map[string]any{"data": pdf, "mime_type": "application/pdf", "file_name": "a.pdf"}}).must(t, http.StatusCreated, nil)
	id := waitInbound(t, c, b.ID, "the document arrives", patience, func(got []messageView) bool { return len(got) == 1 })[0].ID
	r := c.do("GET", "/api/v1/messages/"+id+"/media", nil)
	if r.Status != http.StatusOK || string(r.Raw) != "%PDF-1.4 test" || r.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("media: %d %q %v, want the PDF as an attachment", r.Status, r.Raw, r.Header)
	}
	other := register(t, base, "other@example.com")
	other.do("GET", "/api/v1/messages/"+id+"/media", nil).fails(t, http.StatusNotFound, "not_found")
	(&client{t: t, base: base}).do("GET", "/api/v1/messages/"+id+"/media", nil).fails(t, http.StatusUnauthorized, "unauthorized")

	var marked struct {
		Marked int `json:"marked"`
	}
	c.do("POST", "/api/v1/messages/read", map[string]any{"session_id": b.ID, "message_ids": []string{id}}).must(t, http.StatusOK, &marked)
	if marked.Marked != 1 {
		t.Fatalf("marked %d, want 1", marked.Marked)
	}
	var msg struct {
		Message struct {
			Status string `json:"status"`
		} `json:"message"`
	}
	c.do("GET", "/api/v1/messages/"+id, nil).must(t, http.StatusOK, &msg)
	if msg.Message.Status != "read" {
		t.Fatalf("inbound message status %q after marking read, want read", msg.Message.Status)
	}
	// Another session's message cannot be marked through this one.
	c.do("POST", "/api/v1/messages/read", map[string]any{"session_id": a.ID, "message_ids": []string{id}}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
}
