package gateway

import (
	"context"
	"time"
)

// Webhook is a tenant's endpoint subscribed to events, optionally of one session.
type Webhook struct {
	ID        string            `json:"id" desc:"The endpoint's id (UUID)."`
	UserID    string            `json:"-"`
	SessionID string            `json:"session_id,omitempty" desc:"The only session whose events it receives; absent: every session of the account."`
	URL       string            `json:"url" desc:"Where events are POSTed (https, public address)."`
	Events    []string          `json:"events" desc:"The events it subscribes to (message, status, qr, session, instance, *, …)."`
	Headers   map[string]string `json:"headers,omitempty"`
	Active    bool              `json:"active" desc:"false: the endpoint receives nothing (turned off by the owner, or by the gateway after a long run of failures)."`
	// Secret signs deliveries. It is stored, but answered only when created or rotated.
	Secret string `json:"secret,omitempty" desc:"The signing secret (whsec_…), answered only on creation and rotation."`
	// PreviousSecret still signs deliveries, beside Secret, until
	// PreviousSecretExpiresAt: the grace period of a rotation.
	PreviousSecret          string     `json:"-"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty" desc:"Until when the secret before the last rotation still signs deliveries beside the new one."`
	// FailingSince is when the endpoint's current run of failed attempts
	// began (nil after a success); a long run disables the endpoint.
	FailingSince *time.Time `json:"failing_since,omitempty" desc:"When the endpoint's current run of failed deliveries began; absent after a success."`
	// DisabledReason says why the gateway turned the endpoint off.
	DisabledReason string    `json:"disabled_reason,omitempty" desc:"Why the gateway turned the endpoint off."`
	CreatedAt      time.Time `json:"created_at" desc:"When the endpoint was added."`
	UpdatedAt      time.Time `json:"updated_at" desc:"When it last changed."`
}

// WebhookStore keeps webhooks.
type WebhookStore interface {
	// CreateWebhook inserts w (ID and timestamps filled when empty).
	CreateWebhook(ctx context.Context, w *Webhook) error
	// CreateWebhookWithin is CreateWebhook refused with CodeQuotaExceeded
	// when the tenant already has max webhooks (max < 0: no cap), counted
	// in the insert's own transaction.
	CreateWebhookWithin(ctx context.Context, w *Webhook, max int) error
	// WebhookByID returns a tenant's webhook with its secret; CodeNotFound when absent.
	WebhookByID(ctx context.Context, userID, id string) (*Webhook, error)
	// ListWebhooks lists a tenant's webhooks, newest first, with the total
	// count; secrets included. When sessionID is not "", only the endpoints
	// of that session (not the tenant-wide ones).
	ListWebhooks(ctx context.Context, userID, sessionID string, p Page) ([]*Webhook, int, error)
	// UpdateWebhook saves URL, events, headers, active, secrets and the
	// disabled reason of w (a re-enabled endpoint starts a new failing
	// streak); CodeNotFound when absent.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook deletes a tenant's webhook; CodeNotFound when absent.
	DeleteWebhook(ctx context.Context, userID, id string) error
	// CountWebhooks counts a tenant's webhooks.
	CountWebhooks(ctx context.Context, userID string) (int, error)
}
