// Package client is a Go client of the gateway's public API (/api/v1): one
// typed method per route, the {"success", "data"} envelope unwrapped, and
// error answers returned as *Error with their stable code. The CLI (wagw)
// and the end-to-end tests use it, so it is exercised against the real
// server on every test run.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one gateway. Set Token (a JWT from Login) or APIKey (wsa_…).
// A Client is safe for concurrent use if its fields are not changed meanwhile.
type Client struct {
	// BaseURL is the gateway's root, such as http://localhost:3000.
	BaseURL string
	// APIPrefix is the path of the API (default /api/v1).
	APIPrefix string
	Token     string
	APIKey    string
	// HTTP is the client requests go through (http.DefaultClient when nil).
	HTTP *http.Client
	// UserAgent is sent with every request when set.
	UserAgent string
	// RequestID, when set, is sent as X-Request-Id so the gateway's logs
	// of the request carry it.
	RequestID string
}

// New returns a client of the gateway at baseURL.
func New(baseURL string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), APIPrefix: "/api/v1"}
}

// Error is an error answer of the gateway.
type Error struct {
	// Status is the HTTP status.
	Status int `json:"-"`
	// Code is the stable snake_case code (not_found, validation_failed, …).
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Details map[string]any    `json:"details,omitempty"`
	// RetryAfter is the Retry-After of a 429, zero otherwise.
	RetryAfter time.Duration `json:"-"`
	// RequestID is the gateway's id of the request, for support.
	RequestID string `json:"-"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s (%d %s)", e.Message, e.Status, e.Code)
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k, v := range e.Fields {
			keys = append(keys, k+": "+v)
		}
		s += " [" + strings.Join(keys, "; ") + "]"
	}
	return s
}

// ErrorCode returns the gateway's error code of err, or "" when err is not
// an answer of the gateway.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Error codes clients switch on.
const (
	CodeInvalid      = "invalid_request"
	CodeValidation   = "validation_failed"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeQuota        = "quota_exceeded"
	CodeRateLimited  = "rate_limited"
	CodeUnavailable  = "unavailable"
)

func (c *Client) url(path string, q url.Values) string {
	u := c.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func (c *Client) api(path string) string {
	p := c.APIPrefix
	if p == "" {
		p = "/api/v1"
	}
	return p + path
}

// sessionPath is the API path of a session's route: rest follows its id.
func (c *Client) sessionPath(sessionID, rest string) string {
	return c.api("/sessions/" + url.PathEscape(sessionID) + rest)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// newRequest builds a request with the credentials and headers set.
func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path, q), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.APIKey != "" {
		req.Header.Set("X-API-Key", c.APIKey)
	} else if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if c.RequestID != "" {
		req.Header.Set("X-Request-Id", c.RequestID)
	}
	return req, nil
}

// do sends a request and decodes the envelope's data into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	return c.doHeaders(ctx, method, path, q, nil, body, out)
}

func (c *Client) doHeaders(ctx context.Context, method, path string, q url.Values, h http.Header, body, out any) error {
	resp, raw, err := c.fetch(ctx, method, path, q, h, body, 64<<20)
	if err != nil {
		return err
	}
	return decodeEnvelope(resp, raw, out)
}

// send sends a request with h's headers set over the defaults.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, h http.Header, body any) (*http.Response, error) {
	req, err := c.newRequest(ctx, method, path, q, body)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return c.httpClient().Do(req)
}

// fetch sends a request and reads its whole answer, up to limit bytes.
func (c *Client) fetch(ctx context.Context, method, path string, q url.Values, h http.Header, body any, limit int64) (*http.Response, []byte, error) {
	resp, err := c.send(ctx, method, path, q, h, body)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp, raw, nil
}

// field calls a route whose data is an object and answers its member
// key, decoded as T (T's zero value when the member is absent).
func field[T any](ctx context.Context, c *Client, method, path string, q url.Values, body any, key string) (T, error) {
	var v T
	data, err := c.members(ctx, method, path, q, body)
	if err != nil {
		return v, err
	}
	return v, decodeMember(data, key, &v)
}

// list calls a list route: the page of items under key and its pagination.
func list[T any](ctx context.Context, c *Client, path string, q url.Values, key string) ([]T, *Pagination, error) {
	var items []T
	var p *Pagination
	data, err := c.members(ctx, http.MethodGet, path, q, nil)
	if err == nil {
		err = decodeMember(data, key, &items)
	}
	if err == nil {
		err = decodeMember(data, "pagination", &p)
	}
	return items, p, err
}

// members calls a route and answers its data's members undecoded.
func (c *Client) members(ctx context.Context, method, path string, q url.Values, body any) (map[string]json.RawMessage, error) {
	var data map[string]json.RawMessage
	return data, c.do(ctx, method, path, q, body, &data)
}

func decodeMember(data map[string]json.RawMessage, key string, v any) error {
	raw, ok := data[key]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

func decodeEnvelope(resp *http.Response, raw []byte, out any) error {
	var env struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Error   *Error          `json:"error"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		if resp.StatusCode >= 400 {
			return &Error{Status: resp.StatusCode, Code: "http_" + strconv.Itoa(resp.StatusCode),
				Message: strings.TrimSpace(http.StatusText(resp.StatusCode)), RequestID: resp.Header.Get("X-Request-Id")}
		}
		return fmt.Errorf("answer is not the JSON envelope (status %d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode >= 400 || !env.Success {
		e := env.Error
		if e == nil {
			e = &Error{Code: "http_" + strconv.Itoa(resp.StatusCode), Message: http.StatusText(resp.StatusCode)}
		}
		e.Status = resp.StatusCode
		e.RequestID = resp.Header.Get("X-Request-Id")
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	if out != nil && len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
	}
	return nil
}

// Event is one server-sent event.
type Event struct {
	ID   string
	Type string
	Data json.RawMessage
}

// stream opens a server-sent event stream and calls fn for each event
// until the stream ends, ctx ends, or fn returns an error (returned, except
// ErrStop, which ends the stream without error).
func (c *Client) stream(ctx context.Context, path string, q url.Values, h http.Header, fn func(Event) error) error {
	sh := http.Header{"Accept": {"text/event-stream"}}
	for k, v := range h {
		sh[k] = v
	}
	resp, err := c.send(ctx, http.MethodGet, path, q, sh, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err := decodeEnvelope(resp, raw, nil); err != nil {
			return err
		}
		return fmt.Errorf("the gateway did not answer an event stream (status %d)", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	var ev Event
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 || ev.Type != "" {
				ev.Data = json.RawMessage(strings.Join(data, "\n"))
				if ev.Type == "" {
					ev.Type = "message"
				}
				if err := fn(ev); err != nil {
					if errors.Is(err, ErrStop) {
						return nil
					}
					return err
				}
			}
			ev, data = Event{}, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			ev.Type = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		case strings.HasPrefix(line, "id:"):
			ev.ID = strings.TrimSpace(strings.TrimPrefix(line, "id:"))
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return err
	}
	return ctx.Err()
}

// ErrStop, returned by a stream callback, ends the stream without error.
var ErrStop = errors.New("stop the stream")

// ListOptions page a list: Page from 1, Limit 1 to 100 (0: server default).
type ListOptions struct {
	Page  int
	Limit int
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	return q
}
