package whatsmeow

import (
	"bytes"
	"context"
	stdimage "image" // "image" is a test helper of this package
	_ "image/gif"    // og:images in GIF
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

// Bounds of a generated link preview: the page is read up to
// maxPreviewPage (its head is at the start), and the page and its image
// together within previewTimeout, so a slow site delays a send by little.
const (
	maxPreviewPage = 512 << 10
	previewTimeout = 5 * time.Second
)

// firstURL finds the first http(s) link of a text, as WhatsApp's apps do
// to show a preview; trailing punctuation is not part of it.
var firstURL = regexp.MustCompile(`https?://[^\s<>"']+`)

// generatePreview makes the preview of text's first link from the page's
// title, description and image (Open Graph tags first), fetched through
// the engine's fetcher and its SSRF guard. nil when the text has no link
// or the page gives no title: a message is never held back for a preview.
func generatePreview(ctx context.Context, fetch MediaFetcher, text string) (*gateway.LinkPreview, []byte) {
	raw := strings.TrimRight(firstURL.FindString(text), ".,;:!?)]}")
	if raw == "" || fetch == nil {
		return nil, nil
	}
	if u, err := url.Parse(raw); err != nil || u.Host == "" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	page, ct, err := fetch.Fetch(ctx, raw, maxPreviewPage)
	if err != nil {
		return nil, nil
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt != "text/html" && mt != "application/xhtml+xml" {
		return nil, nil
	}
	m := pageMeta(page)
	title := firstNonEmpty(m["og:title"], m["twitter:title"], m["title"])
	if title == "" {
		return nil, nil
	}
	lp := &gateway.LinkPreview{URL: raw, Title: clip(title, 256),
		Description: clip(firstNonEmpty(m["og:description"], m["description"], m["twitter:description"]), 1024)}
	var thumb []byte
	if img := firstNonEmpty(m["og:image"], m["twitter:image"]); img != "" {
		if base, err := url.Parse(raw); err == nil {
			if ref, err := base.Parse(img); err == nil && (ref.Scheme == "http" || ref.Scheme == "https") {
				lp.ThumbnailURL = ref.String()
				thumb = thumbnail(ctx, fetch, lp.ThumbnailURL)
			}
		}
	}
	return lp, thumb
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
	maxThumbnailFetch  = 2 << 20
	maxThumbnailPixels = 8_000_000 // at most 32 MB decoded
	thumbnailSide      = 320
)

// thumbnail fetches a link preview's picture through the media fetcher
// (and its SSRF guard) and makes the small JPEG WhatsApp shows from a
// JPEG, PNG or GIF. A preview without its picture is still worth sending,
// so any failure gives none rather than failing the message.
func thumbnail(ctx context.Context, fetch MediaFetcher, url string) []byte {
	if url == "" || fetch == nil {
		return nil
	}
	data, _, err := fetch.Fetch(ctx, url, maxThumbnailFetch)
	if err != nil {
		return nil
	}
	cfg, _, err := stdimage.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxThumbnailPixels {
		return nil
	}
	img, _, err := stdimage.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, shrink(img, thumbnailSide), &jpeg.Options{Quality: 75}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// shrink scales img down (nearest neighbour, enough for a thumbnail) so
// that its longer side is at most side; a smaller image is kept as is.
func shrink(img stdimage.Image, side int) stdimage.Image {
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
	out := stdimage.NewRGBA(stdimage.Rect(0, 0, nw, nh))
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			out.Set(x, y, img.At(b.Min.X+x*w/nw, b.Min.Y+y*h/nh))
		}
	}
	return out
}
