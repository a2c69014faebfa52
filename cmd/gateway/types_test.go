package main

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// TestMessageTypes sends every message type from one sandbox session to
// another: each reaches read (played for a voice note) at the sender and
// arrives as an inbound message of the same type at the receiver.
func TestMessageTypes(t *testing.T) {
	base := startGateway(t, testEnv(t, nil))
	c := register(t, base, "types@example.com")
	ss := connectedSessions(t, c, "a", "b")
	a, b, to := ss[0], ss[1], ss[1].Phone

	send := func(body map[string]any) messageView {
		t.Helper()
		body["session_id"], body["recipient"] = a.ID, to
		var out struct {
			Message messageView `json:"message"`
		}
		c.do("POST", "/api/v1/messages/send", body).must(t, http.StatusCreated, &out)
		return out.Message
	}
	first := send(map[string]any{"message": "hello"})
	polltest.Eventually(t, patience, "first message sent", func() bool {
		got := getMessage[messageView](t, c, first.ID)
		return got.Status != "queued"
	})
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 test"))
	sent := map[string]messageView{
		"text":     first,
		"reply":    send(map[string]any{"message": "a reply", "reply_to": first.ID}),
		"image":    send(map[string]any{"message_type": "image", "media_url": "https://example.com/cat.jpg", "message": "a cat"}),
		"video":    send(map[string]any{"message_type": "video", "media": map[string]any{"url": "https://example.com/v.mp4"}}),
		"voice":    send(map[string]any{"message_type": "audio", "media": map[string]any{"url": "https://example.com/v.ogg", "voice": true}}),
		"document": send(map[string]any{"message_type": "document", "media": map[string]any{"data": pdf, "mime_type": "application/pdf", "file_name": "a.pdf"}}),
		"location": send(map[string]any{"message_type": "location", "location": map[string]any{"latitude": 24.7136, "longitude": 46.6753, "name": "Riyadh"}}),
		"contact":  send(map[string]any{"message_type": "contact", "contact": map[string]any{"name": "Ann", "phone": "+1 555 000 3333"}}),
		"reaction": send(map[string]any{"message_type": "reaction", "target": first.ID, "reaction": "👍"}),
		"edit":     send(map[string]any{"message_type": "edit", "target": first.ID, "message": "hello, edited"}),
		"revoke":   send(map[string]any{"message_type": "revoke", "target": first.ID}),
	}
	for name, m := range sent {
		want := "read"
		if name == "voice" {
			want = "played"
		}
		polltest.Eventually(t, patience, name+" "+want, func() bool {
			got := getMessage[messageView](t, c, m.ID)
			return got.Status == want
		})
	}
	received := waitInbound(t, c, b.ID, "all inbound", patience, func(got []messageView) bool { return len(got) == len(sent) })
	types := map[string]int{}
	for _, m := range received {
		types[m.Type]++
	}
	for _, typ := range []string{"text", "image", "video", "audio", "document", "location", "contact", "reaction", "edit", "revoke"} {
		if types[typ] == 0 {
			t.Errorf("no inbound message of type %s (got %v)", typ, types)
		}
	}
	// A path in the request is the server's to fill, never the client's.
	var sneaky struct{ Message map[string]any }
	c.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a.ID, "recipient": to, "message_type": "document",
		"media": map[string]any{"url": "https://example.com/x.pdf", "path": "/etc/passwd"}}).must(t, 201, &sneaky)
	if p, _ := sneaky.Message["payload"].(map[string]any); p != nil {
		if md, _ := p["media"].(map[string]any); md != nil && md["path"] != nil {
			t.Fatalf("client-set media path kept: %v", md)
		}
	}
}
