package whatsmeow

import (
	"bytes"
	"context"
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
