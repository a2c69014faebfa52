package client

import (
	"context"
	"encoding/json"
	"fmt"
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
	return c.authenticate(ctx, "/auth/register", in)
}

// authenticate posts to a route that answers a login and keeps its token.
func (c *Client) authenticate(ctx context.Context, path string, body any) (*Auth, error) {
	var out Auth
	if err := c.do(ctx, http.MethodPost, c.api(path), nil, body, &out); err != nil {
		return nil, err
	}
	c.Token = out.Token
	return &out, nil
}

// Login logs in; the client keeps the token it answers.
func (c *Client) Login(ctx context.Context, email, password string) (*Auth, error) {
	return c.authenticate(ctx, "/auth/login", map[string]string{"email": email, "password": password})
}

// ChangePassword changes the account's password (with a login token, not
// an API key). Every token issued before is revoked; the client keeps the
// new one the answer carries.
func (c *Client) ChangePassword(ctx context.Context, current, next string) (*Auth, error) {
	return c.authenticate(ctx, "/auth/password/change", map[string]string{"current_password": current, "new_password": next})
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
	return field[*Session](ctx, c, http.MethodPost, c.api("/sessions"), nil, in, "session")
}

// ListSessions lists sessions, newest first.
func (c *Client) ListSessions(ctx context.Context, o ListOptions) ([]Session, *Pagination, error) {
	return list[Session](ctx, c, c.api("/sessions"), o.query(), "sessions")
}

// Session gets a session.
func (c *Client) Session(ctx context.Context, id string) (*Session, error) {
	return field[*Session](ctx, c, http.MethodGet, c.sessionPath(id, ""), nil, nil, "session")
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
	return field[*Session](ctx, c, http.MethodPatch, c.sessionPath(id, ""), nil, in, "session")
}

// DeleteSession deletes a session, stopping its instance.
func (c *Client) DeleteSession(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, c.sessionPath(id, ""), nil, nil, nil)
}

// SessionStatus answers the session's live state from its worker.
func (c *Client) SessionStatus(ctx context.Context, id string) (*WorkerStatus, error) {
	return field[*WorkerStatus](ctx, c, http.MethodGet, c.sessionPath(id, "/status"), nil, nil, "status")
}

// QR answers the current pairing code.
func (c *Client) QR(ctx context.Context, id string) (*QR, error) {
	return field[*QR](ctx, c, http.MethodGet, c.sessionPath(id, "/qr"), nil, nil, "qr")
}

// QRPNG answers the current pairing code as a PNG image.
func (c *Client) QRPNG(ctx context.Context, id string) ([]byte, error) {
	resp, raw, err := c.fetch(ctx, http.MethodGet, c.sessionPath(id, "/qr"), nil,
		http.Header{"Accept": {"image/png"}}, nil, 8<<20)
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
	return c.stream(ctx, c.sessionPath(id, "/qr"), url.Values{"stream": {"true"}}, nil, func(e Event) error {
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
	return &out, c.do(ctx, http.MethodPost, c.sessionPath(id, "/pair-code"), nil,
		map[string]string{"phone_number": phone}, &out)
}

// LogoutSession logs the session's device out.
func (c *Client) LogoutSession(ctx context.Context, id string) (*Session, error) {
	return field[*Session](ctx, c, http.MethodPost, c.sessionPath(id, "/logout"), nil, nil, "session")
}

// ScanSandbox completes a sandbox session's pairing as a phone would (phone optional).
func (c *Client) ScanSandbox(ctx context.Context, id, phone string) (*WorkerStatus, error) {
	var body any
	if phone != "" {
		body = map[string]string{"phone": phone}
	}
	return field[*WorkerStatus](ctx, c, http.MethodPost, c.sessionPath(id, "/scan"), nil, body, "status")
}

// StartInstance starts the session's worker.
func (c *Client) StartInstance(ctx context.Context, sessionID string) (*Instance, error) {
	return field[*Instance](ctx, c, http.MethodPost, c.api("/instances"), nil, map[string]string{"session_id": sessionID}, "instance")
}

// ListInstances lists instances, newest first.
func (c *Client) ListInstances(ctx context.Context, o ListOptions) ([]Instance, *Pagination, error) {
	return list[Instance](ctx, c, c.api("/instances"), o.query(), "instances")
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
	return field[*Instance](ctx, c, method, c.api("/instances/"+url.PathEscape(id)+action), nil, nil, "instance")
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
	return list[Message](ctx, c, c.api("/messages"), q, "messages")
}

// Message gets a message.
func (c *Client) Message(ctx context.Context, id string) (*Message, error) {
	return field[*Message](ctx, c, http.MethodGet, c.api("/messages/"+url.PathEscape(id)), nil, nil, "message")
}

// CancelMessage cancels a scheduled message (sent with SendAt); a message
// that already left "scheduled" is a conflict (StatusCode 409).
func (c *Client) CancelMessage(ctx context.Context, id string) (*Message, error) {
	return field[*Message](ctx, c, http.MethodDelete, c.api("/messages/"+url.PathEscape(id)), nil, nil, "message")
}

// MessagePoll reads a poll's current tally (a sent or received poll).
func (c *Client) MessagePoll(ctx context.Context, id string) (*PollTally, error) {
	return field[*PollTally](ctx, c, http.MethodGet, c.api("/messages/"+url.PathEscape(id)+"/poll"), nil, nil, "poll")
}

// CreateWebhook adds an endpoint; its Secret is in this answer only.
func (c *Client) CreateWebhook(ctx context.Context, in CreateWebhookRequest) (*Webhook, error) {
	return field[*Webhook](ctx, c, http.MethodPost, c.api("/webhooks"), nil, in, "webhook")
}

// ListWebhooks lists endpoints.
func (c *Client) ListWebhooks(ctx context.Context, o ListOptions) ([]Webhook, *Pagination, error) {
	return list[Webhook](ctx, c, c.api("/webhooks"), o.query(), "webhooks")
}

// Webhook gets an endpoint.
func (c *Client) Webhook(ctx context.Context, id string) (*Webhook, error) {
	return field[*Webhook](ctx, c, http.MethodGet, c.api("/webhooks/"+url.PathEscape(id)), nil, nil, "webhook")
}

// DeleteWebhook deletes an endpoint.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, c.api("/webhooks/"+url.PathEscape(id)), nil, nil, nil)
}

// CreateAPIKey creates a key; its Key is in this answer only.
func (c *Client) CreateAPIKey(ctx context.Context, in CreateAPIKeyRequest) (*APIKey, error) {
	return field[*APIKey](ctx, c, http.MethodPost, c.api("/api-keys"), nil, in, "api_key")
}

// ListAPIKeys lists keys (without the keys themselves).
func (c *Client) ListAPIKeys(ctx context.Context, o ListOptions) ([]APIKey, *Pagination, error) {
	return list[APIKey](ctx, c, c.api("/api-keys"), o.query(), "api_keys")
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
