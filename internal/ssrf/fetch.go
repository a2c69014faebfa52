package ssrf

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Fetcher fetches customer URLs (media given by URL, the pages and
// pictures of link previews) with a size cap, through a client whose
// dials the guard checks. Every consumer of such URLs fetches through it,
// so there is one set of refusals and one set of sentences for them.
type Fetcher struct {
	client  *http.Client
	blocked func(error) bool
}

// Fetcher returns a Fetcher dialling through g, each fetch within timeout.
func (g *Guard) Fetcher(timeout time.Duration) *Fetcher {
	return NewFetcher(g.Client(timeout), Blocked)
}

// NewFetcher returns a Fetcher on client, whose dialer must refuse
// private addresses (a Guard's: checked on the dialled address, after
// DNS, so redirects and rebinding cannot slip past it); blocked tells its
// refusals apart. Up to five redirects are followed, each dial checked
// again. Tests pass a plain client to reach an httptest server.
func NewFetcher(client *http.Client, blocked func(error) bool) *Fetcher {
	c := *client
	c.CheckRedirect = checkRedirect
	return &Fetcher{client: &c, blocked: blocked}
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return errors.New("redirect to a scheme other than http or https")
	}
	return nil
}

// Fetch returns the body of rawURL, at most max bytes, and its content
// type. Errors are *gateway.Error: CodeValidation for a URL that may not
// be fetched (not http or https, a refused address, an answer other than
// 200), CodeTooLarge over max, CodeUnavailable when the server cannot be
// reached or read.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, max int64) ([]byte, string, error) {
	return f.fetch(ctx, rawURL, max, false)
}

// FetchPrefix is Fetch for a resource whose start is enough (a web page,
// whose head carries its title and description): at most max bytes are
// read, and a longer body is cut there rather than refused.
func (f *Fetcher) FetchPrefix(ctx context.Context, rawURL string, max int64) ([]byte, string, error) {
	return f.fetch(ctx, rawURL, max, true)
}

func (f *Fetcher) fetch(ctx context.Context, rawURL string, max int64, prefix bool) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", gateway.Errorf(gateway.CodeValidation, "The media URL must be an absolute http or https URL.")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", gateway.WrapError(err, gateway.CodeValidation, "The media URL is not valid.")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		if f.blocked != nil && f.blocked(err) {
			return nil, "", gateway.WrapError(err, gateway.CodeValidation, "The media URL points to a private address.")
		}
		return nil, "", gateway.WrapError(err, gateway.CodeUnavailable, "The media URL could not be fetched.")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", gateway.Errorf(gateway.CodeValidation, "The media URL answered HTTP %d.", resp.StatusCode)
	}
	if resp.ContentLength > max && !prefix {
		return nil, "", gateway.Errorf(gateway.CodeTooLarge, "The media is larger than %d bytes.", max)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if prefix && int64(len(data)) > max {
		data = data[:max]
	}
	if err != nil {
		return nil, "", gateway.WrapError(err, gateway.CodeUnavailable, "The media URL could not be read.")
	}
	if int64(len(data)) > max {
		return nil, "", gateway.Errorf(gateway.CodeTooLarge, "The media is larger than %d bytes.", max)
	}
	return data, resp.Header.Get("Content-Type"), nil
}
