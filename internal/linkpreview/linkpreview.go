// Package linkpreview makes the card WhatsApp shows under a link in a text
// message: the title, description and a small JPEG of the page the text's
// first link points to (Open Graph tags first), fetched through the
// product's SSRF guard, the page and its picture size- and time-bounded.
//
// The worker calls Maker.Fill once before handing a text to its engine, so both
// engines (whatsmeow and the sandbox) send the same card: generated unless
// the sender said link_preview: false, or the sender's own, whose picture
// is fetched here too.
package linkpreview

import (
	"bytes"
	"context"
	"image"
	_ "image/gif" // og:images in GIF
	"image/jpeg"
	_ "image/png" // og:images in PNG
	"mime"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Fetcher fetches customer URLs through the product's SSRF guard
// (ssrf.Fetcher): Fetch a picture, at most max bytes (an error past it),
// FetchPrefix the first max bytes of a page. Its refusals (a private
// address, an error answer, a picture too large) leave a message without
// its card or picture, never failed.
type Fetcher interface {
	Fetch(ctx context.Context, rawURL string, max int64) (data []byte, contentType string, err error)
	FetchPrefix(ctx context.Context, rawURL string, max int64) (data []byte, contentType string, err error)
}

// Bounds of a generated link preview: the page is read up to MaxPage
// (its head, where the tags are, is at the start), and the page and its
// picture together within DefaultTimeout, so a slow site delays a send by
// little.
const (
	MaxPage        = 512 << 10
	DefaultTimeout = 5 * time.Second
)

// Maker makes link previews through Fetch, each within Timeout.
type Maker struct {
	Fetch   Fetcher
	Timeout time.Duration
}

// New returns a Maker fetching through fetch, within DefaultTimeout.
func New(fetch Fetcher) *Maker { return &Maker{Fetch: fetch, Timeout: DefaultTimeout} }

// Fill sets out's link preview before it is sent, when out is a text:
// with link_preview: false (NoLinkPreview) nothing is done; a caller's
// preview is kept and its thumbnail_url fetched into its Thumbnail;
// otherwise the preview of the text's first link is generated, or none
// when the text has no link or its page gives no title. A failed fetch
// never fails the message: it goes without its card (or its picture). A
// nil Maker fills nothing.
func (m *Maker) Fill(ctx context.Context, out *gateway.OutboundMessage) {
	if m == nil || m.Fetch == nil || out.NoLinkPreview || (out.Type != gateway.TypeText && out.Type != "") {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout())
	defer cancel()
	if lp := out.LinkPreview; lp != nil {
		if len(lp.Thumbnail) == 0 && lp.ThumbnailURL != "" {
			given := *lp
			given.Thumbnail = m.Thumbnail(ctx, lp.ThumbnailURL)
			out.LinkPreview = &given
		}
		return
	}
	out.LinkPreview = m.Generate(ctx, out.Text)
}

func (m *Maker) timeout() time.Duration {
	if m.Timeout <= 0 {
		return DefaultTimeout
	}
	return m.Timeout
}

// firstURL finds the first http(s) link of a text, as WhatsApp's apps do
// to show a preview; trailing punctuation is not part of it.
var firstURL = regexp.MustCompile(`https?://[^\s<>"']+`)

// Generate makes the preview of text's first link from the page's title,
// description and image (Open Graph tags first), its Thumbnail made from
// the image, everything fetched within the Maker's Timeout. nil when
// the text has no link, the page cannot be fetched or is not HTML, or it
// gives no title: a message is never held back for a preview.
func (m *Maker) Generate(ctx context.Context, text string) *gateway.LinkPreview {
	raw := strings.TrimRight(firstURL.FindString(text), ".,;:!?)]}")
	if raw == "" || m == nil || m.Fetch == nil {
		return nil
	}
	if u, err := url.Parse(raw); err != nil || u.Host == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout())
	defer cancel()
	page, ct, err := m.Fetch.FetchPrefix(ctx, raw, MaxPage)
	if err != nil {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt != "text/html" && mt != "application/xhtml+xml" {
		return nil
	}
	meta := pageMeta(page)
	title := firstNonEmpty(meta["og:title"], meta["twitter:title"], meta["title"])
	if title == "" {
		return nil
	}
	lp := &gateway.LinkPreview{URL: raw, Title: clip(title, 256),
		Description: clip(firstNonEmpty(meta["og:description"], meta["description"], meta["twitter:description"]), 1024)}
	if img := firstNonEmpty(meta["og:image"], meta["twitter:image"]); img != "" {
		if base, err := url.Parse(raw); err == nil {
			if ref, err := base.Parse(img); err == nil && (ref.Scheme == "http" || ref.Scheme == "https") {
				lp.ThumbnailURL = ref.String()
				lp.Thumbnail = m.Thumbnail(ctx, lp.ThumbnailURL)
			}
		}
	}
	return lp
}

// pageMeta reads a page's <title> and its <meta> name/property contents,
// stopping at <body>.
func pageMeta(page []byte) map[string]string {
	out := map[string]string{}
	z := html.NewTokenizer(bytes.NewReader(page))
	inTitle := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return out
			case "title":
				inTitle = true
			case "meta":
				var key, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "property", "name":
						key = strings.ToLower(string(v))
					case "content":
						content = string(v)
					}
				}
				if key != "" && out[key] == "" {
					out[key] = strings.TrimSpace(content)
				}
			}
		case html.TextToken:
			if inTitle && out["title"] == "" {
				out["title"] = strings.TrimSpace(string(z.Text()))
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "title" {
				inTitle = false
			}
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Bounds of a preview's thumbnail: the image fetched (a page's og:image is
// often a large picture), its decoded size (against decompression bombs),
// and the small JPEG WhatsApp shows, carried inline in the message.
const (
	MaxThumbnailFetch  = 2 << 20
	MaxThumbnailPixels = 8_000_000 // at most 32 MB decoded
	ThumbnailSide      = 320
)

// Thumbnail fetches a link preview's picture through the Maker's fetcher
// (and its SSRF guard) and makes the small JPEG WhatsApp shows from a JPEG, PNG or GIF.
// A preview without its picture is still worth sending, so any failure
// gives none (nil) rather than failing the message.
func (m *Maker) Thumbnail(ctx context.Context, url string) []byte {
	if url == "" || m == nil || m.Fetch == nil {
		return nil
	}
	data, _, err := m.Fetch.Fetch(ctx, url, MaxThumbnailFetch)
	if err != nil {
		return nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxThumbnailPixels {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, shrink(img, ThumbnailSide), &jpeg.Options{Quality: 75}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// shrink scales img down (nearest neighbour, enough for a thumbnail) so
// that its longer side is at most side; a smaller image is kept as is.
func shrink(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= side && h <= side {
		return img
	}
	nw, nh := side, h*side/w
	if h > w {
		nw, nh = w*side/h, side
	}
	nw, nh = max(nw, 1), max(nh, 1)
	out := image.NewRGBA(image.Rect(0, 0, nw, nh))
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			out.Set(x, y, img.At(b.Min.X+x*w/nw, b.Min.Y+y*h/nh))
		}
	}
	return out
}
