package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// This file covers the account, billing, contact, analytics and admin
// routes. Answers whose shapes belong to the billing and admin features
// and are still growing are returned as json.RawMessage inside typed
// wrappers, so a new field never breaks a caller.

// ForgotPassword asks for a password reset link by email.
func (c *Client) ForgotPassword(ctx context.Context, email string) error {
	return c.do(ctx, http.MethodPost, c.api("/auth/password/forgot"), nil, map[string]string{"email": email}, nil)
}

// ResetPassword sets a new password with the token of a reset link.
func (c *Client) ResetPassword(ctx context.Context, token, password string) error {
	return c.do(ctx, http.MethodPost, c.api("/auth/password/reset"), nil, map[string]string{"token": token, "password": password}, nil)
}

// RequestEmailVerification sends the caller a verification link again.
func (c *Client) RequestEmailVerification(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, c.api("/auth/verify-email/request"), nil, nil, nil)
}

// VerifyEmail confirms an email address with the token of its link.
func (c *Client) VerifyEmail(ctx context.Context, token string) error {
	return c.do(ctx, http.MethodPost, c.api("/auth/verify-email"), nil, map[string]string{"token": token}, nil)
}

// VerifyEmailLink follows the link form of VerifyEmail (GET ?token=).
func (c *Client) VerifyEmailLink(ctx context.Context, token string) error {
	return c.do(ctx, http.MethodGet, c.api("/auth/verify-email"), url.Values{"token": {token}}, nil, nil)
}

// NumberCheck says whether a phone number is on WhatsApp.
type NumberCheck struct {
	Phone string `json:"phone"`
	JID   string `json:"jid,omitempty"`
	OnWA  bool   `json:"on_whatsapp"`
}

// CheckContacts asks a session's WhatsApp which phone numbers are on it.
func (c *Client) CheckContacts(ctx context.Context, sessionID string, phones []string) ([]NumberCheck, error) {
	return field[[]NumberCheck](ctx, c, http.MethodPost, c.api("/contacts/check"), nil,
		map[string]any{"session_id": sessionID, "phones": phones}, "results")
}

// ReadRequest marks received messages read: by our ids, or by WhatsApp ids
// with the chat (and the sender in groups).
type ReadRequest struct {
	SessionID    string   `json:"session_id"`
	MessageIDs   []string `json:"message_ids,omitempty"`
	WAMessageIDs []string `json:"wa_message_ids,omitempty"`
	Chat         string   `json:"chat,omitempty"`
	Sender       string   `json:"sender,omitempty"`
}

// MarkRead sends read receipts and answers how many messages were marked.
func (c *Client) MarkRead(ctx context.Context, in ReadRequest) (int, error) {
	return field[int](ctx, c, http.MethodPost, c.api("/messages/read"), nil, in, "marked")
}

// SetTyping shows or clears "typing…" (or "recording audio…") in a chat.
func (c *Client) SetTyping(ctx context.Context, sessionID, chat string, typing, audio bool) error {
	return c.do(ctx, http.MethodPost, c.sessionPath(sessionID, "/typing"), nil,
		map[string]any{"chat": chat, "typing": typing, "audio": audio}, nil)
}

// MessageMedia downloads a message's media, with its content type.
func (c *Client) MessageMedia(ctx context.Context, id string) ([]byte, string, error) {
	resp, raw, err := c.fetch(ctx, http.MethodGet, c.api("/messages/"+url.PathEscape(id)+"/media"), nil,
		http.Header{"Accept": {"*/*"}}, nil, 256<<20)
	if err != nil {
		return nil, "", err
	}
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode >= 400 {
		return nil, "", decodeEnvelope(resp, raw, nil)
	}
	return raw, ct, nil
}

// SeriesPoint is one bucket of the message time series.
type SeriesPoint struct {
	Start    time.Time        `json:"start"`
	Outbound map[string]int64 `json:"outbound"`
	Inbound  int64            `json:"inbound"`
	Total    int64            `json:"total"`
}

// Series is the message time series of the account.
type Series struct {
	From         time.Time       `json:"from"`
	To           time.Time       `json:"to"`
	Interval     string          `json:"interval"`
	SessionID    string          `json:"session_id,omitempty"`
	Points       []SeriesPoint   `json:"points"`
	Outbound     int64           `json:"outbound"`
	Inbound      int64           `json:"inbound"`
	Delivered    int64           `json:"delivered"`
	Failed       int64           `json:"failed"`
	DeliveryRate *float64        `json:"delivery_rate"`
	Latency      json.RawMessage `json:"delivery_latency,omitempty"`
}

// SeriesOptions select the time series: From/To (zero: the server's
// default), Interval (day or hour), one session.
type SeriesOptions struct {
	From, To  time.Time
	Interval  string
	SessionID string
}

// MessageSeries answers message counts per day or hour.
func (c *Client) MessageSeries(ctx context.Context, o SeriesOptions) (*Series, error) {
	q := url.Values{}
	if !o.From.IsZero() {
		q.Set("from", o.From.UTC().Format(time.RFC3339))
	}
	if !o.To.IsZero() {
		q.Set("to", o.To.UTC().Format(time.RFC3339))
	}
	if o.Interval != "" {
		q.Set("interval", o.Interval)
	}
	if o.SessionID != "" {
		q.Set("session_id", o.SessionID)
	}
	var out Series
	return &out, c.do(ctx, http.MethodGet, c.api("/analytics/messages"), q, nil, &out)
}

// Plans lists the plans on offer.
func (c *Client) Plans(ctx context.Context) ([]Plan, error) {
	return field[[]Plan](ctx, c, http.MethodGet, c.api("/plans"), nil, nil, "plans")
}

// Plan gets one plan.
func (c *Client) Plan(ctx context.Context, id string) (*Plan, error) {
	return field[*Plan](ctx, c, http.MethodGet, c.api("/plans/"+url.PathEscape(id)), nil, nil, "plan")
}

// Subscription answers the account's subscription (as the API shapes it).
func (c *Client) Subscription(ctx context.Context) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.do(ctx, http.MethodGet, c.api("/billing/subscription"), nil, nil, &out)
}

// BillingUsage answers the usage report of a period ("" for the current one).
func (c *Client) BillingUsage(ctx context.Context, period string) (json.RawMessage, error) {
	var out json.RawMessage
	return out, c.do(ctx, http.MethodGet, c.api("/billing/usage"), periodQuery(period), nil, &out)
}

// Statement answers the billing statement of a period (YYYY-MM; "" for the current one).
func (c *Client) Statement(ctx context.Context, period string) (json.RawMessage, error) {
	return field[json.RawMessage](ctx, c, http.MethodGet, c.api("/billing/statements"), periodQuery(period), nil, "statement")
}

// periodQuery selects a billing period; "" is the current one.
func periodQuery(period string) url.Values {
	q := url.Values{}
	if period != "" {
		q.Set("period", period)
	}
	return q
}

// Tenant is an account as the admin routes show it.
type Tenant struct {
	User         *User           `json:"user"`
	Plan         *Plan           `json:"plan"`
	Usage        Usage           `json:"usage"`
	Subscription json.RawMessage `json:"subscription,omitempty"`
	History      json.RawMessage `json:"history,omitempty"`
}

// AdminTenants lists tenants (admin): q searches email and name, status filters.
func (c *Client) AdminTenants(ctx context.Context, q, status string, o ListOptions) ([]Tenant, *Pagination, error) {
	v := o.query()
	if q != "" {
		v.Set("q", q)
	}
	if status != "" {
		v.Set("status", status)
	}
	return list[Tenant](ctx, c, c.api("/admin/tenants"), v, "tenants")
}

// AdminSession is a session as the admin search shows it: with its owner.
type AdminSession struct {
	Session *Session `json:"session"`
	Tenant  *User    `json:"tenant"`
}

// AdminSessions finds any tenant's sessions (admin): q is a phone number or
// part of one, written any way, or a session id.
func (c *Client) AdminSessions(ctx context.Context, q string, o ListOptions) ([]AdminSession, *Pagination, error) {
	v := o.query()
	v.Set("q", q)
	return list[AdminSession](ctx, c, c.api("/admin/sessions"), v, "sessions")
}

func (c *Client) tenantCall(ctx context.Context, method, id, action string, body any) (*Tenant, error) {
	return field[*Tenant](ctx, c, method, c.api("/admin/tenants/"+url.PathEscape(id)+action), nil, body, "tenant")
}

// AdminTenant gets one tenant (admin).
func (c *Client) AdminTenant(ctx context.Context, id string) (*Tenant, error) {
	return c.tenantCall(ctx, http.MethodGet, id, "", nil)
}

// AdminSuspend suspends a tenant (admin).
func (c *Client) AdminSuspend(ctx context.Context, id, reason string) (*Tenant, error) {
	return c.tenantCall(ctx, http.MethodPost, id, "/suspend", map[string]string{"reason": reason})
}

// AdminResume lifts a tenant's suspension (admin); reason goes to the audit log.
func (c *Client) AdminResume(ctx context.Context, id, reason string) (*Tenant, error) {
	return c.tenantCall(ctx, http.MethodPost, id, "/resume", map[string]string{"reason": reason})
}

// AdminChangePlan moves a tenant to another plan (admin).
func (c *Client) AdminChangePlan(ctx context.Context, id, planID, reason string) (*Tenant, error) {
	return c.tenantCall(ctx, http.MethodPatch, id, "/plan", map[string]string{"plan_id": planID, "reason": reason})
}

// AdminTenantStatement answers a tenant's billing statement (admin).
func (c *Client) AdminTenantStatement(ctx context.Context, id, period string) (json.RawMessage, error) {
	return field[json.RawMessage](ctx, c, http.MethodGet, c.api("/admin/tenants/"+url.PathEscape(id)+"/statements"), periodQuery(period), nil, "statement")
}

// AdminStats answers the gateway-wide counts (admin).
func (c *Client) AdminStats(ctx context.Context) (json.RawMessage, error) {
	return field[json.RawMessage](ctx, c, http.MethodGet, c.api("/admin/stats"), nil, nil, "stats")
}

// AdminAudit lists the audit log (admin), filtered by actor, target or action when set.
func (c *Client) AdminAudit(ctx context.Context, actorID, targetID, action string, o ListOptions) ([]json.RawMessage, *Pagination, error) {
	q := o.query()
	for k, v := range map[string]string{"actor_id": actorID, "target_id": targetID, "action": action} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return list[json.RawMessage](ctx, c, c.api("/admin/audit"), q, "entries")
}

// AdminPlans lists every plan (admin).
func (c *Client) AdminPlans(ctx context.Context) ([]Plan, error) {
	return field[[]Plan](ctx, c, http.MethodGet, c.api("/admin/plans"), nil, nil, "plans")
}

// AdminPlan gets one plan (admin).
func (c *Client) AdminPlan(ctx context.Context, id string) (*Plan, error) {
	return field[*Plan](ctx, c, http.MethodGet, c.api("/admin/plans/"+url.PathEscape(id)), nil, nil, "plan")
}

// AdminCreatePlan creates a plan (admin); body is the plan as the API
// takes it (id, name, price_cents, currency, limits, features, overage).
func (c *Client) AdminCreatePlan(ctx context.Context, body any) (*Plan, error) {
	return field[*Plan](ctx, c, http.MethodPost, c.api("/admin/plans"), nil, body, "plan")
}

// AdminUpdatePlan replaces a plan (admin).
func (c *Client) AdminUpdatePlan(ctx context.Context, id string, body any) (*Plan, error) {
	return field[*Plan](ctx, c, http.MethodPut, c.api("/admin/plans/"+url.PathEscape(id)), nil, body, "plan")
}

// AdminDeletePlan deletes a plan nobody is on (admin).
func (c *Client) AdminDeletePlan(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, c.api("/admin/plans/"+url.PathEscape(id)), nil, nil, nil)
}
