package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Delivery is one event owed to one webhook endpoint.
type Delivery struct {
	ID             string     `json:"id"`
	WebhookID      string     `json:"webhook_id"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"` // pending, succeeded, failed, abandoned
	Attempts       int        `json:"attempts"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"`
	LastStatusCode int        `json:"last_status_code,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	LastLatencyMS  int64      `json:"last_latency_ms,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
}

// DeliveryAttempt is one HTTP attempt of a delivery.
type DeliveryAttempt struct {
	ID         string `json:"id"`
	DeliveryID string `json:"delivery_id"`
	StatusCode int    `json:"status_code,omitempty"`
	Error      string `json:"error,omitempty"`
	LatencyMS  int64  `json:"latency_ms"`
	// RequestBody is the body sent (its first 8 KiB); ResponseBody the
	// start of the endpoint's answer (2 KiB).
	RequestBody  string    `json:"request_body,omitempty"`
	ResponseBody string    `json:"response_body,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// WebhookStats is one endpoint's deliveries by outcome over a period.
type WebhookStats struct {
	WebhookID string `json:"webhook_id"`
	Succeeded int    `json:"succeeded"`
	Failed    int    `json:"failed"`
	Abandoned int    `json:"abandoned"`
	Pending   int    `json:"pending"`
	Total     int    `json:"total"`
	// SuccessRate is from 0 to 1; nil when no delivery was attempted.
	SuccessRate *float64 `json:"success_rate"`
}

// UpdateWebhookRequest changes an endpoint; nil fields stay as they are.
type UpdateWebhookRequest struct {
	URL     *string            `json:"url,omitempty"`
	Events  *[]string          `json:"events,omitempty"`
	Headers *map[string]string `json:"headers,omitempty"`
	Active  *bool              `json:"active,omitempty"`
}

func webhookPath(id string) string { return "/webhooks/" + url.PathEscape(id) }

// UpdateWebhook changes an endpoint (Active true turns a disabled one back on).
func (c *Client) UpdateWebhook(ctx context.Context, id string, in UpdateWebhookRequest) (*Webhook, error) {
	return field[*Webhook](ctx, c, http.MethodPatch, c.api(webhookPath(id)), nil, in, "webhook")
}

// TestWebhook sends a webhook.test event to this endpoint only.
func (c *Client) TestWebhook(ctx context.Context, id string) (*Delivery, error) {
	return field[*Delivery](ctx, c, http.MethodPost, c.api(webhookPath(id)+"/test"), nil, nil, "delivery")
}

// RotateWebhookSecret gives the endpoint a new secret (in this answer only).
func (c *Client) RotateWebhookSecret(ctx context.Context, id string) (*Webhook, error) {
	return field[*Webhook](ctx, c, http.MethodPost, c.api(webhookPath(id)+"/rotate-secret"), nil, nil, "webhook")
}

// RetryWebhookDeliveries sends again every failed or abandoned delivery
// since a time, and answers how many.
func (c *Client) RetryWebhookDeliveries(ctx context.Context, id string, since time.Time) (int, error) {
	return field[int](ctx, c, http.MethodPost, c.api(webhookPath(id)+"/retry"), nil, map[string]any{"since": since.UTC()}, "retried")
}

// ListWebhookDeliveries reads an endpoint's delivery log, newest first;
// status filters (pending, succeeded, failed, abandoned) when set.
func (c *Client) ListWebhookDeliveries(ctx context.Context, id, status string, o ListOptions) ([]Delivery, *Pagination, error) {
	q := o.query()
	if status != "" {
		q.Set("status", status)
	}
	return list[Delivery](ctx, c, c.api(webhookPath(id)+"/deliveries"), q, "deliveries")
}

// WebhookStats counts each endpoint's deliveries of the last days (1 to
// 90; 0 for the server's default, 7) by outcome, with its success rate.
func (c *Client) WebhookStats(ctx context.Context, days int) ([]WebhookStats, error) {
	q := url.Values{}
	if days > 0 {
		q.Set("days", strconv.Itoa(days))
	}
	return field[[]WebhookStats](ctx, c, http.MethodGet, c.api("/webhooks/stats"), q, nil, "stats")
}

// WebhookDelivery gets one delivery with its attempts.
func (c *Client) WebhookDelivery(ctx context.Context, webhookID, deliveryID string) (*Delivery, []DeliveryAttempt, error) {
	var out struct {
		Delivery *Delivery         `json:"delivery"`
		Attempts []DeliveryAttempt `json:"attempts"`
	}
	err := c.do(ctx, http.MethodGet, c.api(webhookPath(webhookID)+"/deliveries/"+url.PathEscape(deliveryID)), nil, nil, &out)
	return out.Delivery, out.Attempts, err
}

// RetryWebhookDelivery sends one delivery again now.
func (c *Client) RetryWebhookDelivery(ctx context.Context, webhookID, deliveryID string) (*Delivery, error) {
	return field[*Delivery](ctx, c, http.MethodPost, c.api(webhookPath(webhookID)+"/deliveries/"+url.PathEscape(deliveryID)+"/retry"), nil, nil, "delivery")
}

// GatewayEvent is one event of the live stream, in the webhook envelope.
type GatewayEvent struct {
	// Seq is the stream's event id: pass it as EventsOptions.LastEventID to resume.
	Seq       string          `json:"-"`
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	SessionID string          `json:"session_id,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// EventsOptions select the live stream's events.
type EventsOptions struct {
	SessionID string
	// Types are subscription names (message, status, qr, *, …); all when empty.
	Types []string
	// LastEventID resumes after this event.
	LastEventID string
}

// Events follows the caller's live event stream until ctx ends or fn
// returns an error (ErrStop ends it without error).
func (c *Client) Events(ctx context.Context, o EventsOptions, fn func(GatewayEvent) error) error {
	q := url.Values{}
	if o.SessionID != "" {
		q.Set("session_id", o.SessionID)
	}
	if len(o.Types) > 0 {
		q.Set("types", strings.Join(o.Types, ","))
	}
	var h http.Header
	if o.LastEventID != "" {
		h = http.Header{"Last-Event-Id": {o.LastEventID}}
	}
	return c.stream(ctx, c.api("/events"), q, h, func(e Event) error {
		var ge GatewayEvent
		if err := json.Unmarshal(e.Data, &ge); err != nil {
			return nil // not an event envelope (a keep-alive or a notice)
		}
		ge.Seq = e.ID
		return fn(ge)
	})
}
