package instanceapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Client calls workers' instance APIs.
type Client struct {
	http   *http.Client
	secret func(ctx context.Context) ([]byte, error)
}

// NewClient returns a client that authenticates with the internal secret
// that secret returns (read per call, so a rotation needs no restart).
func NewClient(httpClient *http.Client, secret func(ctx context.Context) ([]byte, error)) *Client {
	if httpClient == nil {
		httpClient = &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				MaxIdleConnsPerHost: 64,
				IdleConnTimeout:     90 * time.Second,
			},
		}
	}
	return &Client{http: httpClient, secret: secret}
}

// Status returns the worker's status.
func (c *Client) Status(ctx context.Context, ep gateway.Endpoint) (*Status, error) {
	var st Status
	return &st, c.do(ctx, ep, http.MethodGet, PathStatus, nil, &st)
}

// QR returns the current pairing code; CodeConflict when not pairing.
func (c *Client) QR(ctx context.Context, ep gateway.Endpoint) (*QR, error) {
	var qr QR
	return &qr, c.do(ctx, ep, http.MethodGet, PathQR, nil, &qr)
}

// PairCode asks for a phone pairing code.
func (c *Client) PairCode(ctx context.Context, ep gateway.Endpoint, phone string) (string, error) {
	var res PairCodeResponse
	err := c.do(ctx, ep, http.MethodPost, PathPairCode, PairCodeRequest{Phone: phone}, &res)
	return res.Code, err
}

// Scan completes a sandbox pairing.
func (c *Client) Scan(ctx context.Context, ep gateway.Endpoint, phone string) (*Status, error) {
	var st Status
	return &st, c.do(ctx, ep, http.MethodPost, PathScan, ScanRequest{Phone: phone}, &st)
}

// Send tells the worker a message is queued.
func (c *Client) Send(ctx context.Context, ep gateway.Endpoint, messageID string) error {
	return c.do(ctx, ep, http.MethodPost, PathSend, SendRequest{MessageID: messageID}, nil)
}

// Logout logs the session's device out of WhatsApp.
func (c *Client) Logout(ctx context.Context, ep gateway.Endpoint) (*Status, error) {
	var st Status
	return &st, c.do(ctx, ep, http.MethodPost, PathLogout, struct{}{}, &st)
}

// MarkRead sends read receipts.
func (c *Client) MarkRead(ctx context.Context, ep gateway.Endpoint, r gateway.ReadReceipt) error {
	return c.do(ctx, ep, http.MethodPost, PathRead, r, nil)
}

// Typing shows or clears the typing indicator.
func (c *Client) Typing(ctx context.Context, ep gateway.Endpoint, r TypingRequest) error {
	return c.do(ctx, ep, http.MethodPost, PathTyping, r, nil)
}

// Check asks which numbers are on WhatsApp.
func (c *Client) Check(ctx context.Context, ep gateway.Endpoint, phones []string) ([]gateway.NumberCheck, error) {
	var res CheckResponse
	err := c.do(ctx, ep, http.MethodPost, PathCheck, CheckRequest{Phones: phones}, &res)
	return res.Results, err
}

// Account runs one account operation on the worker: req is the
// operation's request type, out points at its response type.
func (c *Client) Account(ctx context.Context, ep gateway.Endpoint, op string, req, out any) error {
	return c.do(ctx, ep, http.MethodPost, strings.Replace(PathAccount, "{op}", url.PathEscape(op), 1), req, out)
}

// Health reports whether the worker answers its health check.
func (c *Client) Health(ctx context.Context, ep gateway.Endpoint) error {
	return c.do(ctx, ep, http.MethodGet, PathHealth, nil, nil)
}

// MediaBody is a media file a worker streams; the caller closes Body.
type MediaBody struct {
	Body    io.ReadCloser
	Size    int64 // -1 when unknown
	ModTime time.Time
}

// Media opens a received media file the worker stored under its
// MEDIA_STORAGE_PATH (in a cluster, files live on the worker's node).
// CodeNotFound when the worker has no such file.
func (c *Client) Media(ctx context.Context, ep gateway.Endpoint, rel string) (*MediaBody, error) {
	resp, err := c.send(ctx, ep, http.MethodGet, PathMedia+"?path="+url.QueryEscape(rel), nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, answer(resp, http.MethodGet, PathMedia, nil)
	}
	mt, _ := http.ParseTime(resp.Header.Get("Last-Modified"))
	return &MediaBody{Body: resp.Body, Size: resp.ContentLength, ModTime: mt}, nil
}

// FetchMedia has the worker download a history message's media into its
// media storage (then Media, or the shared MEDIA_STORAGE_PATH, serves it).
func (c *Client) FetchMedia(ctx context.Context, ep gateway.Endpoint, messageID string) error {
	return c.do(ctx, ep, http.MethodPost, PathMediaFetch, MediaFetchRequest{MessageID: messageID}, nil)
}

func (c *Client) do(ctx context.Context, ep gateway.Endpoint, method, path string, body, out any) error {
	resp, err := c.send(ctx, ep, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return answer(resp, method, path, out)
}

// send makes one authenticated call to a worker.
func (c *Client) send(ctx context.Context, ep gateway.Endpoint, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, ep.URL+path, rd)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The session's worker address is invalid.")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	secret, err := c.secret(ctx)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The internal secret is unavailable.")
	}
	req.Header.Set(SecretHeader, string(secret))
	if id := gateway.RequestID(ctx); id != "" {
		req.Header.Set(RequestIDHeader, id)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The session's worker did not answer in time.")
		}
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The session's worker cannot be reached; it may be starting or restarting.")
	}
	return resp, nil
}

// answer reads a worker's enveloped answer into out, or its error.
func answer(resp *http.Response, method, path string, out any) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return gateway.WrapError(err, gateway.CodeUnavailable, "The session's worker answer was cut short.")
	}
	var env struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Error   *ErrorBody      `json:"error"`
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &env); err != nil {
			return gateway.WrapError(fmt.Errorf("decode %s (status %d): %w", path, resp.StatusCode, err),
				gateway.CodeUnavailable, "The session's worker gave an unreadable answer.")
		}
	}
	if resp.StatusCode >= 300 || (len(raw) > 0 && !env.Success) {
		if env.Error != nil && env.Error.Code != "" {
			return &gateway.Error{Code: env.Error.Code, Message: env.Error.Message, Details: env.Error.Details}
		}
		return gateway.WrapError(fmt.Errorf("%s %s: status %d", method, path, resp.StatusCode),
			gateway.CodeUnavailable, "The session's worker answered with an error.")
	}
	if out != nil && len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return gateway.WrapError(fmt.Errorf("decode %s data: %w", path, err), gateway.CodeInternal, "The session's worker gave an unreadable answer.")
		}
	}
	return nil
}

// CheckSecret reports whether a request carries the internal secret,
// comparing in constant time. An empty expected secret refuses everything.
func CheckSecret(r *http.Request, want []byte) bool {
	got := r.Header.Get(SecretHeader)
	return len(want) > 0 && subtle.ConstantTimeCompare([]byte(got), want) == 1
}
