package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Info answers GET /: the service name, version and mode.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var out Info
	return &out, c.do(ctx, http.MethodGet, "/", nil, nil, &out)
}

// Health answers GET /health.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var out Health
	return &out, c.do(ctx, http.MethodGet, "/health", nil, nil, &out)
}

// RegisterRequest is a new account.
type RegisterRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Phone    string `json:"phone,omitempty"`
}

// Register creates an account; the client keeps the token it answers.
func (c *Client) Register(ctx context.Context, in RegisterRequest) (*Auth, error) {
	var out Auth
	if err := c.do(ctx, http.MethodPost, c.api("/auth/register"), nil, in, &out); err != nil {
		return nil, err
	}
	c.Token = out.Token
	return &out, nil
}

// Login logs in; the client keeps the token it answers.
func (c *Client) Login(ctx context.Context, email, password string) (*Auth, error) {
	var out Auth
	body := map[string]string{"email": email, "password": password}
	if err := c.do(ctx, http.MethodPost, c.api("/auth/login"), nil, body, &out); err != nil {
		return nil, err
	}
	c.Token = out.Token
	return &out, nil
}

// ChangePassword changes the account's password (with a login token, not
// an API key). Every token issued before is revoked; the client keeps the
// new one the answer carries.
func (c *Client) ChangePassword(ctx context.Context, current, next string) (*Auth, error) {
	var out Auth
	body := map[string]string{"current_password": current, "new_password": next}
	if err := c.do(ctx, http.MethodPost, c.api("/auth/password/change"), nil, body, &out); err != nil {
		return nil, err
	}
	c.Token = out.Token
	return &out, nil
}

// Me answers the account with its plan and usage.
func (c *Client) Me(ctx context.Context) (*Profile, error) {
	var out Profile
	return &out, c.do(ctx, http.MethodGet, c.api("/auth/me"), nil, nil, &out)
}

// CreateSessionRequest is a new session.
type CreateSessionRequest struct {
	SessionName string           `json:"session_name"`
	WebhookURL  string           `json:"webhook_url,omitempty"`
	Settings    *SessionSettings `json:"settings,omitempty"`
	Engine      string           `json:"engine,omitempty"`
	// Proxy is the session's own proxy (http://, https:// or socks5://,
	// credentials allowed); empty uses the gateway's WHATSAPP_PROXY.
	Proxy string `json:"proxy,omitempty"`
}

// CreateSession creates a session (start it with StartInstance).
func (c *Client) CreateSession(ctx context.Context, in CreateSessionRequest) (*Session, error) {
	var out struct {
		Session *Session `json:"session"`
	}
	return out.Session, c.do(ctx, http.MethodPost, c.api("/sessions"), nil, in, &out)
}

// ListSessions lists sessions, newest first.
func (c *Client) ListSessions(ctx context.Context, o ListOptions) ([]Session, *Pagination, error) {
	var out struct {
		Sessions   []Session   `json:"sessions"`
		Pagination *Pagination `json:"pagination"`
	}
	return out.Sessions, out.Pagination, c.do(ctx, http.MethodGet, c.api("/sessions"), o.query(), nil, &out)
}

// Session gets a session.
func (c *Client) Session(ctx context.Context, id string) (*Session, error) {
	var out struct {
		Session *Session `json:"session"`
	}
	return out.Session, c.do(ctx, http.MethodGet, c.api("/sessions/"+url.PathEscape(id)), nil, nil, &out)
}

// UpdateSessionRequest changes a session; nil fields stay as they are.
type UpdateSessionRequest struct {
	SessionName *string          `json:"session_name,omitempty"`
	WebhookURL  *string          `json:"webhook_url,omitempty"`
	Settings    *SessionSettings `json:"settings,omitempty"`
	// Proxy replaces the session's proxy from its next connection; ""
	// removes it.
	Proxy *string `json:"proxy,omitempty"`
}

// UpdateSession renames a session or changes its settings.
func (c *Client) UpdateSession(ctx context.Context, id string, in UpdateSessionRequest) (*Session, error) {
	var out struct {
		Session *Session `json:"session"`
	}
	return out.Session, c.do(ctx, http.MethodPatch, c.api("/sessions/"+url.PathEscape(id)), nil, in, &out)
}

// DeleteSession deletes a session, stopping its instance.
func (c *Client) DeleteSession(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, c.api("/sessions/"+url.PathEscape(id)), nil, nil, nil)
}

// SessionStatus answers the session's live state from its worker.
func (c *Client) SessionStatus(ctx context.Context, id string) (*WorkerStatus, error) {
	var out struct {
		Status *WorkerStatus `json:"status"`
	}
	return out.Status, c.do(ctx, http.MethodGet, c.api("/sessions/"+url.PathEscape(id)+"/status"), nil, nil, &out)
}

// QR answers the current pairing code.
func (c *Client) QR(ctx context.Context, id string) (*QR, error) {
	var out struct {
		QR *QR `json:"qr"`
	}
	return out.QR, c.do(ctx, http.MethodGet, c.api("/sessions/"+url.PathEscape(id)+"/qr"), nil, nil, &out)
}

// QRPNG answers the current pairing code as a PNG image.
func (c *Client) QRPNG(ctx context.Context, id string) ([]byte, error) {
	req, err := c.newRequest(ctx, http.MethodGet, c.api("/sessions/"+url.PathEscape(id)+"/qr"), nil, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "image/png")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.Header.Get("Content-Type") != "image/png" {
		if err := decodeEnvelope(resp, raw, nil); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("the gateway answered %s, not a PNG", resp.Header.Get("Content-Type"))
	}
	return raw, nil
}

// QREvent is one event of the pairing stream: a new code (Type "qr", QR
// set) or the outcome (Type "status", State set), or an error.
type QREvent struct {
	Type   string
	QR     *QR
	State  string `json:"state"`
	Reason string `json:"reason"`
	Phone  string `json:"phone"`
	Err    *Error
}

// WatchQR follows the pairing stream: fn gets each new code and then the
// outcome (the stream ends after a status event). Return ErrStop from fn
// to stop early.
func (c *Client) WatchQR(ctx context.Context, id string, fn func(QREvent) error) error {
	return c.stream(ctx, c.api("/sessions/"+url.PathEscape(id)+"/qr"), url.Values{"stream": {"true"}}, nil, func(e Event) error {
		ev := QREvent{Type: e.Type}
		switch e.Type {
		case "qr":
			ev.QR = new(QR)
			if err := json.Unmarshal(e.Data, ev.QR); err != nil {
				return fmt.Errorf("decode qr event: %w", err)
			}
		case "status":
			if err := json.Unmarshal(e.Data, &ev); err != nil {
				return fmt.Errorf("decode status event: %w", err)
			}
		case "error":
			ev.Err = new(Error)
			if err := json.Unmarshal(e.Data, ev.Err); err != nil {
				return fmt.Errorf("decode error event: %w", err)
			}
		}
		return fn(ev)
	})
}

// RequestPairCode asks for a code to pair by phone number instead of a QR.
func (c *Client) RequestPairCode(ctx context.Context, id, phone string) (*PairCode, error) {
	var out PairCode
	return &out, c.do(ctx, http.MethodPost, c.api("/sessions/"+url.PathEscape(id)+"/pair-code"), nil,
		map[string]string{"phone_number": phone}, &out)
}

// LogoutSession logs the session's device out.
func (c *Client) LogoutSession(ctx context.Context, id string) (*Session, error) {
	var out struct {
		Session *Session `json:"session"`
	}
	return out.Session, c.do(ctx, http.MethodPost, c.api("/sessions/"+url.PathEscape(id)+"/logout"), nil, nil, &out)
}

// ScanSandbox completes a sandbox session's pairing as a phone would (phone optional).
func (c *Client) ScanSandbox(ctx context.Context, id, phone string) (*WorkerStatus, error) {
	var out struct {
		Status *WorkerStatus `json:"status"`
	}
	var body any
	if phone != "" {
		body = map[string]string{"phone": phone}
	}
	return out.Status, c.do(ctx, http.MethodPost, c.api("/sessions/"+url.PathEscape(id)+"/scan"), nil, body, &out)
}

// StartInstance starts the session's worker.
func (c *Client) StartInstance(ctx context.Context, sessionID string) (*Instance, error) {
	var out struct {
		Instance *Instance `json:"instance"`
	}
	return out.Instance, c.do(ctx, http.MethodPost, c.api("/instances"), nil, map[string]string{"session_id": sessionID}, &out)
}

// ListInstances lists instances, newest first.
func (c *Client) ListInstances(ctx context.Context, o ListOptions) ([]Instance, *Pagination, error) {
	var out struct {
		Instances  []Instance  `json:"instances"`
		Pagination *Pagination `json:"pagination"`
	}
	return out.Instances, out.Pagination, c.do(ctx, http.MethodGet, c.api("/instances"), o.query(), nil, &out)
}

// Instance gets an instance.
func (c *Client) Instance(ctx context.Context, id string) (*Instance, error) {
	return c.instanceCall(ctx, http.MethodGet, id, "")
}

// StopInstance stops an instance.
func (c *Client) StopInstance(ctx context.Context, id string) (*Instance, error) {
	return c.instanceCall(ctx, http.MethodPost, id, "/stop")
}

// RestartInstance restarts an instance.
func (c *Client) RestartInstance(ctx context.Context, id string) (*Instance, error) {
	return c.instanceCall(ctx, http.MethodPost, id, "/restart")
}

// ResumeInstance starts a stopped instance again.
func (c *Client) ResumeInstance(ctx context.Context, id string) (*Instance, error) {
	return c.instanceCall(ctx, http.MethodPost, id, "/start")
}

func (c *Client) instanceCall(ctx context.Context, method, id, action string) (*Instance, error) {
	var out struct {
		Instance *Instance `json:"instance"`
	}
	return out.Instance, c.do(ctx, method, c.api("/instances/"+url.PathEscape(id)+action), nil, nil, &out)
}

// Send queues a message; follow it with Message until it is delivered.
func (c *Client) Send(ctx context.Context, in SendRequest) (*Message, error) {
	var out struct {
		Message *Message `json:"message"`
	}
	var h http.Header
	if in.IdempotencyKey != "" {
		h = http.Header{"Idempotency-Key": {in.IdempotencyKey}}
	}
	return out.Message, c.doHeaders(ctx, http.MethodPost, c.api("/messages/send"), nil, h, in, &out)
}

// ListMessages reads the message log, newest first.
func (c *Client) ListMessages(ctx context.Context, f MessageFilter) ([]Message, *Pagination, error) {
	q := f.query()
	for k, v := range map[string]string{"session_id": f.SessionID, "direction": f.Direction, "status": f.Status,
		"recipient": f.Recipient, "message_type": f.MessageType} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.From.IsZero() {
		q.Set("from", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.UTC().Format(time.RFC3339Nano))
	}
	var out struct {
		Messages   []Message   `json:"messages"`
		Pagination *Pagination `json:"pagination"`
	}
	return out.Messages, out.Pagination, c.do(ctx, http.MethodGet, c.api("/messages"), q, nil, &out)
}

// Message gets a message.
func (c *Client) Message(ctx context.Context, id string) (*Message, error) {
	var out struct {
		Message *Message `json:"message"`
	}
	return out.Message, c.do(ctx, http.MethodGet, c.api("/messages/"+url.PathEscape(id)), nil, nil, &out)
}

// CancelMessage cancels a scheduled message (sent with SendAt); a message
// that already left "scheduled" is a conflict (StatusCode 409).
func (c *Client) CancelMessage(ctx context.Context, id string) (*Message, error) {
	var out struct {
		Message *Message `json:"message"`
	}
	return out.Message, c.do(ctx, http.MethodDelete, c.api("/messages/"+url.PathEscape(id)), nil, nil, &out)
}

// MessagePoll reads a poll's current tally (a sent or received poll).
func (c *Client) MessagePoll(ctx context.Context, id string) (*PollTally, error) {
	var out struct {
		Poll *PollTally `json:"poll"`
	}
	return out.Poll, c.do(ctx, http.MethodGet, c.api("/messages/"+url.PathEscape(id)+"/poll"), nil, nil, &out)
}

// CreateWebhook adds an endpoint; its Secret is in this answer only.
func (c *Client) CreateWebhook(ctx context.Context, in CreateWebhookRequest) (*Webhook, error) {
	var out struct {
		Webhook *Webhook `json:"webhook"`
	}
	return out.Webhook, c.do(ctx, http.MethodPost, c.api("/webhooks"), nil, in, &out)
}

// ListWebhooks lists endpoints.
func (c *Client) ListWebhooks(ctx context.Context, o ListOptions) ([]Webhook, *Pagination, error) {
	var out struct {
		Webhooks   []Webhook   `json:"webhooks"`
		Pagination *Pagination `json:"pagination"`
	}
	return out.Webhooks, out.Pagination, c.do(ctx, http.MethodGet, c.api("/webhooks"), o.query(), nil, &out)
}

// Webhook gets an endpoint.
func (c *Client) Webhook(ctx context.Context, id string) (*Webhook, error) {
	var out struct {
		Webhook *Webhook `json:"webhook"`
	}
	return out.Webhook, c.do(ctx, http.MethodGet, c.api("/webhooks/"+url.PathEscape(id)), nil, nil, &out)
}

// DeleteWebhook deletes an endpoint.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, c.api("/webhooks/"+url.PathEscape(id)), nil, nil, nil)
}

// CreateAPIKey creates a key; its Key is in this answer only.
func (c *Client) CreateAPIKey(ctx context.Context, in CreateAPIKeyRequest) (*APIKey, error) {
	var out struct {
		APIKey *APIKey `json:"api_key"`
	}
	return out.APIKey, c.do(ctx, http.MethodPost, c.api("/api-keys"), nil, in, &out)
}

// ListAPIKeys lists keys (without the keys themselves).
func (c *Client) ListAPIKeys(ctx context.Context, o ListOptions) ([]APIKey, *Pagination, error) {
	var out struct {
		APIKeys    []APIKey    `json:"api_keys"`
		Pagination *Pagination `json:"pagination"`
	}
	return out.APIKeys, out.Pagination, c.do(ctx, http.MethodGet, c.api("/api-keys"), o.query(), nil, &out)
}

// RevokeAPIKey revokes a key.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, c.api("/api-keys/"+url.PathEscape(id)), nil, nil, nil)
}

// Overview answers the account's usage and health.
func (c *Client) Overview(ctx context.Context) (*Overview, error) {
	var out Overview
	return &out, c.do(ctx, http.MethodGet, c.api("/analytics/overview"), nil, nil, &out)
}

// Raw calls any route and decodes the envelope's data into out: for routes
// newer than this package.
func (c *Client) Raw(ctx context.Context, method, path string, query url.Values, body, out any) error {
	return c.do(ctx, method, path, query, body, out)
}
