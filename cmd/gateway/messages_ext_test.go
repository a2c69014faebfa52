package main

import (
	"github.com/whatsapp-saas/gateway/internal/polltest"

	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// storedMessage is a message with its payload, as GET /messages/{id} answers.
type storedMessage struct {
	messageView
	Payload struct {
		Media *struct {
			MIMEType string `json:"mime_type"`
			Caption  string `json:"caption"`
		} `json:"media"`
		Mentions    []string `json:"mentions"`
		ViewOnce    bool     `json:"view_once"`
		Forwarded   bool     `json:"forwarded"`
		LinkPreview *struct {
			URL          string `json:"url"`
			Title        string `json:"title"`
			Description  string `json:"description"`
			ThumbnailURL string `json:"thumbnail_url"`
			Thumbnail    []byte `json:"thumbnail"`
		} `json:"link_preview"`
	} `json:"payload"`
}

// receivedAs waits for the message with WhatsApp id waID at sessionID and
// returns it with its payload.
func receivedAs(t *testing.T, c *client, sessionID, waID string) storedMessage {
	t.Helper()
	var id string
	polltest.Eventually(t, patience, "message "+waID+" received", func() bool {
		for _, m := range inbound(t, c, sessionID) {
			if m.WAMessageID == waID {
				id = m.ID
				return true
			}
		}
		return false
	})
	return getMessage[storedMessage](t, c, id)
}

func sendWith(t *testing.T, c *client, body map[string]any) messageView {
	t.Helper()
	var sent struct {
		Message messageView `json:"message"`
	}
	c.do("POST", "/api/v1/messages/send", body).must(t, http.StatusCreated, &sent)
	return sent.Message
}

// TestMessageOptionsSandbox sends each send option between two sandbox
// sessions of one tenant through the API, the queue and the worker, and
// reads it back on the receiving session: mentions (on text and a
// caption), view-once, a forward of a stored message, a link preview; and
// checks the 422s naming the field. On SQLite and, when TEST_DATABASE_URL
// is set, on PostgreSQL.
func TestMessageOptionsSandbox(t *testing.T) {
	eachStore(t, pairAtOnce, 0, messageOptions)
}

func messageOptions(t *testing.T, extra map[string]string) {
	base := startGateway(t, testEnv(t, extra))
	alice := register(t, base, "options-alice@example.com")
	a1 := scanAs(t, alice, "a1", "15550003001")
	a2 := scanAs(t, alice, "a2", "15550003002")
	to := "+" + a2.Phone

	// Mentions on text, normalised and deduplicated.
	m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "hi @15550003002",
		"mentions": []string{"+1 555 000 3002", "15550003002@c.us", "15550009999"}})
	got := receivedAs(t, alice, a2.ID, m.WAMessageID)
	if want := []string{"15550003002@s.whatsapp.net", "15550009999@s.whatsapp.net"}; !slices.Equal(got.Payload.Mentions, want) {
		t.Fatalf("mentions received %v, want %v", got.Payload.Mentions, want)
	}

	// Mentions on a caption, view-once image.
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nxxxx"))
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "image", "message": "@15550003002",
		"media": map[string]any{"data": png, "mime_type": "image/png"}, "mentions": []string{"15550003002"}, "view_once": true})
	img := receivedAs(t, alice, a2.ID, m.WAMessageID)
	if img.Type != "image" || !img.Payload.ViewOnce || len(img.Payload.Mentions) != 1 || img.Payload.Media == nil ||
		img.Payload.Media.Caption != "@15550003002" {
		t.Fatalf("received %+v, want a view-once image with its caption and mention", img.Payload)
	}

	// A view-once message cannot be forwarded (nor can it on a phone).
	r := alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a1.ID, "recipient": to, "forward_of": img.ID}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["forward_of"] == "" {
		t.Fatalf("fields %v, want forward_of named", r.Error.Fields)
	}

	// A forward of a sent image: the content copied, marked forwarded.
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message_type": "image", "message": "plain",
		"media": map[string]any{"data": png, "mime_type": "image/png"}})
	plain := receivedAs(t, alice, a2.ID, m.WAMessageID)
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "forward_of": m.ID})
	fwd := receivedAs(t, alice, a2.ID, m.WAMessageID)
	if fwd.Type != "image" || !fwd.Payload.Forwarded || fwd.Payload.Media == nil || fwd.Payload.Media.Caption != "plain" {
		t.Fatalf("forward received %+v (%s), want the image marked forwarded", fwd.Payload, fwd.Type)
	}
	// A forward of the received image, from its stored file, back to a1:
	// the same bytes arrive.
	polltest.Eventually(t, patience, "received media stored", func() bool {
		return alice.do("GET", "/api/v1/messages/"+plain.ID+"/media", nil).Status == http.StatusOK
	})
	m = sendWith(t, alice, map[string]any{"session_id": a2.ID, "recipient": "+" + a1.Phone, "forward_of": plain.ID})
	back := receivedAs(t, alice, a1.ID, m.WAMessageID)
	if back.Type != "image" || !back.Payload.Forwarded {
		t.Fatalf("forward of received media %+v (%s), want the image marked forwarded", back.Payload, back.Type)
	}
	var media []byte
	polltest.Eventually(t, patience, "forwarded media stored", func() bool {
		r := alice.do("GET", "/api/v1/messages/"+back.ID+"/media", nil)
		media = r.Raw
		return r.Status == http.StatusOK
	})
	if string(media) != "\x89PNG\r\n\x1a\nxxxx" {
		t.Fatalf("forwarded media %q, want the received image's bytes", media)
	}
	// A forwarded text.
	m = sendWith(t, alice, map[string]any{"session_id": a2.ID, "recipient": "+" + a1.Phone, "forward_of": got.ID})
	if fwdText := receivedAs(t, alice, a1.ID, m.WAMessageID); fwdText.Body != "hi @15550003002" || !fwdText.Payload.Forwarded {
		t.Fatalf("forwarded text received %+v, want the text marked forwarded", fwdText)
	}

	// A link preview given by the caller.
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "read https://example.com/post",
		"link_preview": map[string]any{"url": "https://example.com/post", "title": "Post", "description": "A post"}})
	lp := receivedAs(t, alice, a2.ID, m.WAMessageID)
	if lp.Payload.LinkPreview == nil || lp.Payload.LinkPreview.URL != "https://example.com/post" || lp.Payload.LinkPreview.Title != "Post" {
		t.Fatalf("received preview %+v, want the one sent", lp.Payload.LinkPreview)
	}
	// link_preview false: sent without one.
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "https://example.com", "link_preview": false})
	if np := receivedAs(t, alice, a2.ID, m.WAMessageID); np.Payload.LinkPreview != nil {
		t.Fatalf("received preview %+v, want none", np.Payload.LinkPreview)
	}

	// Refusals name the field.
	for _, tc := range []struct {
		field string
		body  map[string]any
	}{
		{"mentions[0]", map[string]any{"message": "x", "mentions": []string{"120363000000000001@g.us"}}},
		{"mentions[0]", map[string]any{"message": "x", "mentions": []string{"not a number"}}},
		{"mention_all", map[string]any{"message": "x", "mention_all": true}},
		{"view_once", map[string]any{"message": "x", "view_once": true}},
		{"forward_of", map[string]any{"forward_of": "7d7b1c9e-3f51-4c55-9a53-1c4b8f0e2a10"}},
		{"forward_of", map[string]any{"forward_of": got.ID, "message": "extra"}},
		{"link_preview.url", map[string]any{"message": "no link here", "link_preview": map[string]any{"url": "https://example.com"}}},
		{"link_preview", map[string]any{"message": "https://example.com", "link_preview": true}},
	} {
		tc.body["session_id"], tc.body["recipient"] = a1.ID, to
		r := alice.do("POST", "/api/v1/messages/send", tc.body).fails(t, http.StatusUnprocessableEntity, "validation_failed")
		if r.Error.Fields[tc.field] == "" {
			b, _ := json.Marshal(tc.body)
			t.Errorf("send %s: fields %v, want %s named", b, r.Error.Fields, tc.field)
		}
	}

	// Another tenant cannot forward alice's message.
	bob := register(t, base, "options-bob@example.com")
	b := scanAs(t, bob, "b", "15550004001")
	r = bob.do("POST", "/api/v1/messages/send", map[string]any{"session_id": b.ID, "recipient": to, "forward_of": got.ID}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["forward_of"] == "" {
		t.Fatalf("fields %v, want forward_of named", r.Error.Fields)
	}

	// mention_all to a group the number is not in fails the message, saying so
	// (TestGroupsBetweenSessions covers a member's).
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": "120363000000000001@g.us", "message": "all", "mention_all": true})
	waitMessageStatus(t, alice, m.ID, "failed")
	failed := getMessage[messageView](t, alice, m.ID)
	if !strings.Contains(failed.Error, "group") {
		t.Fatalf("failure reason %q, want it to say the number is not in the group", failed.Error)
	}
}
