package linkpreview

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/imagetest"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

const postPage = `<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="The Post"><meta name="description" content="What it says">
<meta property="og:image" content="/img/p.png"></head><body><meta property="og:title" content="not this"></body></html>`

// site is a test web server with pages and pictures; hits counts its requests.
func site(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	mux := http.NewServeMux()
	html := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("/post", html(postPage))
	mux.HandleFunc("/plain", html("<html><head><title> Only a title </title></head></html>"))
	mux.HandleFunc("/untitled", html("<html><head></head><body>no title</body></html>"))
	// A page far over MaxPage whose head is at its start, as real pages are.
	mux.HandleFunc("/long", html(`<html><head><meta property="og:title" content="Long read"></head><body>`+
		strings.Repeat("x", 2*MaxPage)+"</body></html>"))
	mux.HandleFunc("/with-bomb", html(`<html><head><title>Bomb</title><meta property="og:image" content="/img/bomb.png"></head></html>`))
	mux.HandleFunc("/with-huge", html(`<html><head><title>Huge</title><meta property="og:image" content="/img/huge.png"></head></html>`))
	mux.HandleFunc("/file.pdf", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write([]byte("%PDF-1.4"))
	})
	mux.HandleFunc("/img/p.png", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(imagetest.PNG(t, 200, 600))
	})
	mux.HandleFunc("/img/bomb.png", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(pngHeader(100000, 100000)) })
	mux.HandleFunc("/img/huge.png", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(make([]byte, MaxThumbnailFetch+1)) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// open is a Maker on the product's SSRF guard with private networks
// allowed, as WEBHOOK_ALLOW_PRIVATE_NETWORKS does, so it reaches the
// loopback test server.
func open() *Maker {
	return New(ssrf.New(ssrf.Options{AllowPrivate: true}).Fetcher(time.Minute))
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	srv, _ := site(t)
	m := open()
	got := m.Generate(context.Background(), "read "+srv.URL+"/post.")
	if got == nil {
		t.Fatal("no preview of a page with og: tags")
	}
	if got.URL != srv.URL+"/post" || got.Title != "The Post" || got.Description != "What it says" || got.ThumbnailURL != srv.URL+"/img/p.png" {
		t.Fatalf("got %+v, want the og: title, the description and the absolute og:image of %s/post", got, srv.URL)
	}
	checkJPEG(t, got.Thumbnail, 106, 320)

	if got := m.Generate(context.Background(), srv.URL+"/plain"); got == nil || got.Title != "Only a title" || got.Thumbnail != nil {
		t.Fatalf("title-only page: got %+v, want its <title> and no picture", got)
	}
	// Only the page's start is read; its head is there.
	if got := m.Generate(context.Background(), srv.URL+"/long"); got == nil || got.Title != "Long read" {
		t.Fatalf("page over %d bytes: got %+v, want the title from its head", MaxPage, got)
	}
	// A picture that would decode to too many pixels, or is over the
	// fetch cap, is left out; the card stays.
	for _, path := range []string{"/with-bomb", "/with-huge"} {
		if got := m.Generate(context.Background(), srv.URL+path); got == nil || got.Title == "" || got.Thumbnail != nil {
			t.Fatalf("%s: got %+v, want the card without its picture", path, got)
		}
	}
	for _, text := range []string{"no link", srv.URL + "/file.pdf", srv.URL + "/missing", srv.URL + "/untitled", "ftp://example.com/x"} {
		if got := m.Generate(context.Background(), text); got != nil {
			t.Fatalf("%q: got %+v, want no preview", text, got)
		}
	}
}

// With the guard's default settings a link to a private address is
// refused at dial time: no preview, and the server never asked.
func TestPrivateAddressRefused(t *testing.T) {
	t.Parallel()
	srv, hits := site(t)
	strict := New(ssrf.New(ssrf.Options{}).Fetcher(time.Minute))
	for _, u := range []string{srv.URL + "/post", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/post"} {
		if got := strict.Generate(context.Background(), "see "+u); got != nil {
			t.Fatalf("%s: got %+v, want no preview of a private address", u, got)
		}
	}
	out := &gateway.OutboundMessage{Type: gateway.TypeText, Text: "see https://example.com",
		LinkPreview: &gateway.LinkPreview{URL: "https://example.com", Title: "E", ThumbnailURL: srv.URL + "/img/p.png"}}
	strict.Fill(context.Background(), out)
	if out.LinkPreview.Thumbnail != nil || out.LinkPreview.Title != "E" {
		t.Fatalf("caller's preview with a private thumbnail_url: got %+v, want it without a picture", out.LinkPreview)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server was asked %d times, want never", n)
	}
}

// A site that does not answer holds a send no longer than the Maker's
// Timeout: the request is abandoned and the text goes without a card.
func TestTimeout(t *testing.T) {
	t.Parallel()
	abandoned := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(abandoned)
		case <-time.After(time.Minute):
		}
	}))
	t.Cleanup(srv.Close)
	m := open()
	m.Timeout = 50 * time.Millisecond
	out := &gateway.OutboundMessage{Type: gateway.TypeText, Text: srv.URL + "/slow"}
	m.Fill(context.Background(), out)
	if out.LinkPreview != nil {
		t.Fatalf("got %+v, want no preview", out.LinkPreview)
	}
	select {
	case <-abandoned:
	case <-time.After(30 * time.Second):
		t.Fatal("the request to the slow site was not abandoned")
	}
}

func TestFill(t *testing.T) {
	t.Parallel()
	srv, hits := site(t)
	m := open()
	post := srv.URL + "/post"

	out := &gateway.OutboundMessage{Text: "see " + post}
	m.Fill(context.Background(), out)
	if out.LinkPreview == nil || out.LinkPreview.Title != "The Post" || out.LinkPreview.Thumbnail == nil {
		t.Fatalf("text without a type: got %+v, want the generated card", out.LinkPreview)
	}

	// The caller's preview wins; its picture is fetched for it.
	given := &gateway.LinkPreview{URL: post, Title: "Mine", ThumbnailURL: srv.URL + "/img/p.png"}
	out = &gateway.OutboundMessage{Type: gateway.TypeText, Text: "see " + post, LinkPreview: given}
	m.Fill(context.Background(), out)
	if out.LinkPreview.Title != "Mine" || out.LinkPreview.Description != "" {
		t.Fatalf("caller's preview: got %+v, want it kept", out.LinkPreview)
	}
	checkJPEG(t, out.LinkPreview.Thumbnail, 106, 320)
	if given.Thumbnail != nil {
		t.Fatal("the caller's preview was changed in place")
	}

	before := hits.Load()
	for name, out := range map[string]*gateway.OutboundMessage{
		"link_preview false": {Type: gateway.TypeText, Text: post, NoLinkPreview: true},
		"an image's caption": {Type: gateway.TypeImage, Text: post, Media: &gateway.Media{Caption: post}},
		"a reaction":         {Type: gateway.TypeReaction, Text: post},
	} {
		m.Fill(context.Background(), out)
		if out.LinkPreview != nil {
			t.Errorf("%s: got %+v, want no preview", name, out.LinkPreview)
		}
	}
	if n := hits.Load() - before; n != 0 {
		t.Fatalf("%d fetches for messages that get no preview, want none", n)
	}
	var none *Maker
	out = &gateway.OutboundMessage{Type: gateway.TypeText, Text: post}
	none.Fill(context.Background(), out)
	if out.LinkPreview != nil {
		t.Fatal("a nil Maker made a preview")
	}
}

func checkJPEG(t *testing.T, data []byte, w, h int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != "jpeg" || cfg.Width != w || cfg.Height != h {
		t.Fatalf("thumbnail: %s %dx%d (%v), want a %dx%d JPEG", format, cfg.Width, cfg.Height, err, w, h)
	}
}

// pngHeader is the start of a PNG declaring w×h pixels (its signature and
// IHDR chunk): enough for DecodeConfig, a decompression bomb for Decode.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}
