package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// previewSite is a web page with Open Graph tags and its picture; hits
// counts the requests it got.
func previewSite(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 320))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	return testSite(t, map[string]siteFile{
		"/post": {"text/html; charset=utf-8", []byte(`<html><head><title>Fallback</title><meta property="og:title" content="The Post">` +
			`<meta property="og:description" content="What it says"><meta property="og:image" content="/pic.png"></head><body></body></html>`)},
		"/pic.png": {"image/png", pic.Bytes()},
	})
}

// siteFile is a file a testSite serves.
type siteFile struct {
	contentType string
	body        []byte
}

// testSite serves files by path (404 for any other) and counts the
// requests it gets; it closes with the test.
func testSite(t *testing.T, files map[string]siteFile) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		_, _ = w.Write(f.body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestLinkPreviewSandbox sends texts with a link between two sandbox
// sessions: the gateway makes the card from the page (title, description,
// a JPEG thumbnail of its og:image), the receiving session stores it and
// its webhook carries it, and the sender's message shows it once sent;
// link_preview false sends and stores none and fetches nothing; a
// caller's card wins, its picture fetched, and is stored as given; a link to a private
// address is not fetched unless WEBHOOK_ALLOW_PRIVATE_NETWORKS. On SQLite
// and, when TEST_DATABASE_URL is set, on PostgreSQL.
func TestLinkPreviewSandbox(t *testing.T) {
	eachStore(t, nil, 0, linkPreviewsBetweenSessions)
	t.Run("private address refused", func(t *testing.T) {
		site, hits := previewSite(t)
		base := instantSandbox(t)
		alice := register(t, base, "preview-private@example.com")
		a1 := scanAs(t, alice, "a1", "15550005101")
		a2 := scanAs(t, alice, "a2", "15550005102")
		m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": "+" + a2.Phone, "message": "see " + site.URL + "/post"})
		if got := receivedAs(t, alice, a2.ID, m.WAMessageID); got.Payload.LinkPreview != nil {
			t.Fatalf("received preview %+v of a private address, want none", got.Payload.LinkPreview)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the private site got %d requests, want none", n)
		}
	})
}

func linkPreviewsBetweenSessions(t *testing.T, extra map[string]string) {
	extra["SANDBOX_PAIR_DELAY"] = "0"
	extra["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true" // the test site is on loopback
	extra["WEBHOOK_RETRY_SCHEDULE"], extra["WEBHOOK_POLL_INTERVAL"] = "20ms,20ms,20ms", "100ms"
	site, hits := previewSite(t)
	base := startGateway(t, testEnv(t, extra))
	alice := register(t, base, "preview-alice@example.com")
	a1 := scanAs(t, alice, "a1", "15550005001")
	a2 := scanAs(t, alice, "a2", "15550005002")
	to := "+" + a2.Phone
	hook := newReceiver(t)
	hook.setSecrets(createWebhook(t, alice, hook.URL(), "message").Secret)

	post := site.URL + "/post"
	m := sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "read " + post + "."})
	got := receivedAs(t, alice, a2.ID, m.WAMessageID)
	lp := got.Payload.LinkPreview
	if lp == nil || lp.URL != post || lp.Title != "The Post" || lp.Description != "What it says" || lp.ThumbnailURL != site.URL+"/pic.png" {
		t.Fatalf("received preview %+v, want the page's og: title, description and image", lp)
	}
	checkThumbnail(t, lp.Thumbnail, 320, 160)

	// The sender's own message shows the card it sent, once sent.
	mine := sentAs(t, alice, m.ID).Payload.LinkPreview
	if mine == nil || mine.URL != post || mine.Title != "The Post" || mine.Description != "What it says" ||
		mine.ThumbnailURL != site.URL+"/pic.png" || !bytes.Equal(mine.Thumbnail, lp.Thumbnail) {
		t.Fatalf("sender's stored preview %+v, want the card received", mine)
	}

	// The webhook of the received message carries the same card.
	var card struct {
		Title     string `json:"title"`
		Thumbnail []byte `json:"thumbnail"`
	}
	polltest.Eventually(t, patience, "message webhook with the preview", func() bool {
		for _, body := range hook.acceptedOf("message") {
			var ev struct {
				Data struct {
					ID      string `json:"id"`
					Payload struct {
						LinkPreview *json.RawMessage `json:"link_preview"`
					} `json:"payload"`
				} `json:"data"`
			}
			if json.Unmarshal(body, &ev) == nil && ev.Data.ID == got.ID && ev.Data.Payload.LinkPreview != nil {
				return json.Unmarshal(*ev.Data.Payload.LinkPreview, &card) == nil
			}
		}
		return false
	})
	if card.Title != "The Post" || !bytes.Equal(card.Thumbnail, lp.Thumbnail) {
		t.Fatalf("webhook card %q with a %d-byte picture, want the stored card", card.Title, len(card.Thumbnail))
	}

	// link_preview false: none, and the page is not fetched.
	before := hits.Load()
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": post, "link_preview": false})
	if np := receivedAs(t, alice, a2.ID, m.WAMessageID); np.Payload.LinkPreview != nil {
		t.Fatalf("link_preview false: received %+v, want none", np.Payload.LinkPreview)
	}
	if sp := sentAs(t, alice, m.ID).Payload.LinkPreview; sp != nil {
		t.Fatalf("link_preview false: the sender's message has %+v, want none", sp)
	}
	if n := hits.Load() - before; n != 0 {
		t.Fatalf("link_preview false: the site got %d requests, want none", n)
	}

	// The caller's card wins; its thumbnail_url is fetched for it.
	m = sendWith(t, alice, map[string]any{"session_id": a1.ID, "recipient": to, "message": "mine " + post,
		"link_preview": map[string]any{"url": post, "title": "Mine", "thumbnail_url": site.URL + "/pic.png"}})
	own := receivedAs(t, alice, a2.ID, m.WAMessageID).Payload.LinkPreview
	if own == nil || own.Title != "Mine" || own.Description != "" {
		t.Fatalf("caller's preview: received %+v, want it as given", own)
	}
	checkThumbnail(t, own.Thumbnail, 320, 160)
	// The sender's copy keeps the card as the caller gave it.
	if sp := sentAs(t, alice, m.ID).Payload.LinkPreview; sp == nil || sp.Title != "Mine" || sp.Description != "" ||
		sp.ThumbnailURL != site.URL+"/pic.png" || len(sp.Thumbnail) != 0 {
		t.Fatalf("caller's preview: the sender's message has %+v, want it as given", sp)
	}

	// The picture's bytes are the gateway's to make, not the caller's.
	r := alice.do("POST", "/api/v1/messages/send", map[string]any{"session_id": a1.ID, "recipient": to, "message": post,
		"link_preview": map[string]any{"url": post, "title": "T", "thumbnail": "/9j/4AAQ"}}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	if r.Error.Fields["link_preview.thumbnail"] == "" {
		t.Fatalf("fields %v, want link_preview.thumbnail named", r.Error.Fields)
	}
}

// sentAs waits until the outbound message id has left the queue (sent, or
// past it) and returns it as GET /messages/{id} shows it.
func sentAs(t *testing.T, c *client, id string) storedMessage {
	t.Helper()
	var m storedMessage
	polltest.Eventually(t, patience, "message "+id+" sent", func() bool {
		var got struct {
			Message storedMessage `json:"message"`
		}
		c.do("GET", "/api/v1/messages/"+id, nil).must(t, http.StatusOK, &got)
		m = got.Message
		switch m.Status {
		case "sent", "delivered", "read":
			return true
		case "failed":
			t.Fatalf("message %s failed: %s", id, m.Error)
		}
		return false
	})
	return m
}

// checkThumbnail checks that data is a w×h JPEG.
func checkThumbnail(t *testing.T, data []byte, w, h int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != "jpeg" || cfg.Width != w || cfg.Height != h {
		t.Fatalf("thumbnail: %s %dx%d (%v), want a %dx%d JPEG", format, cfg.Width, cfg.Height, err, w, h)
	}
}
