package gateway

import (
	"context"
	"time"
)

// Webhook is a tenant's endpoint subscribed to events, optionally of one session.
type Webhook struct {
	ID        string            `json:"id"`
	UserID    string            `json:"-"`
	SessionID string            `json:"session_id,omitempty"`
	URL       string            `json:"url"`
	Events    []string          `json:"events"`
	Headers   map[string]string `json:"headers,omitempty"`
	Active    bool              `json:"active"`
	// Secret signs deliveries. It is stored, but answered only when created or rotated.
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// WebhookStore keeps webhooks.
type WebhookStore interface {
	// CreateWebhook inserts w (ID and timestamps filled when empty).
	CreateWebhook(ctx context.Context, w *Webhook) error
	// WebhookByID returns a tenant's webhook with its secret; CodeNotFound when absent.
	WebhookByID(ctx context.Context, userID, id string) (*Webhook, error)
	// ListWebhooks lists a tenant's webhooks, newest first, with the total count; secrets included.
	ListWebhooks(ctx context.Context, userID string, p Page) ([]*Webhook, int, error)
	// UpdateWebhook saves URL, events, headers, active and secret of w; CodeNotFound when absent.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook deletes a tenant's webhook; CodeNotFound when absent.
	DeleteWebhook(ctx context.Context, userID, id string) error
	// CountWebhooks counts a tenant's webhooks.
	CountWebhooks(ctx context.Context, userID string) (int, error)
}
