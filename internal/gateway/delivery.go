package gateway

import (
	"context"
	"time"
)

// Event types about webhooks themselves.
const (
	// EventWebhookDisabled says an endpoint was turned off: it answered 410
	// Gone, or failed without a break for longer than allowed.
	EventWebhookDisabled = "webhook.disabled"
	// EventWebhookTest is the event of a webhook's test action. It is
	// delivered to that one endpoint only, whatever the subscriptions.
	EventWebhookTest = "webhook.test"
)

// WebhookDisabledData is the data of a webhook.disabled event.
type WebhookDisabledData struct {
	WebhookID    string     `json:"webhook_id" desc:"The endpoint turned off."`
	URL          string     `json:"url" desc:"Its URL."`
	Reason       string     `json:"reason" desc:"Why, in a sentence (it answered 410 Gone, or failed for too long)."`
	FailingSince *time.Time `json:"failing_since,omitempty" desc:"Since when its deliveries failed, when it was turned off for failing."`
}

// WebhookTestData is the data of a webhook.test event.
type WebhookTestData struct {
	WebhookID string `json:"webhook_id" desc:"The endpoint tested."`
	Message   string `json:"message" desc:"A sentence saying this is a test."`
}

// DeliveryStatus is where one event's delivery to one endpoint is.
type DeliveryStatus string

// Delivery states: pending (no attempt yet) → succeeded, or failed (the
// last attempt failed, another is due at NextAttemptAt) → … → succeeded or
// abandoned (no attempt left: schedule exhausted, endpoint disabled or gone).
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliverySucceeded DeliveryStatus = "succeeded"
	DeliveryFailed    DeliveryStatus = "failed"
	DeliveryAbandoned DeliveryStatus = "abandoned"
)

// ValidDeliveryStatus reports whether s names a delivery state.
func ValidDeliveryStatus(s string) bool {
	switch DeliveryStatus(s) {
	case DeliveryPending, DeliverySucceeded, DeliveryFailed, DeliveryAbandoned:
		return true
	}
	return false
}

// Delivery is one event owed to one webhook endpoint: the outbox row the
// dispatchers claim, retry and finally settle.
type Delivery struct {
	ID             string         `json:"id" desc:"The delivery's id (UUID)."`
	WebhookID      string         `json:"webhook_id" desc:"The endpoint it is owed to."`
	EventID        string         `json:"event_id" desc:"The event it carries (the webhook-id header)."`
	EventType      string         `json:"event_type" desc:"The event's type (message, message.status, session.status, webhook.test, …)."`
	UserID         string         `json:"-"`
	Status         DeliveryStatus `json:"status" desc:"pending (to send or retry), succeeded, failed (retries left) or abandoned (gave up)."`
	Attempts       int            `json:"attempts" desc:"How many HTTP attempts were made."`
	NextAttemptAt  *time.Time     `json:"next_attempt_at,omitempty" desc:"When the next attempt is due, while pending or failed."`
	LastStatusCode int            `json:"last_status_code,omitempty" desc:"The HTTP status the endpoint last answered."`
	LastError      string         `json:"last_error,omitempty" desc:"Why the last attempt failed."`
	LastLatencyMS  int64          `json:"last_latency_ms,omitempty" desc:"How long the last attempt took, in milliseconds."`
	CreatedAt      time.Time      `json:"created_at" desc:"When the event was owed."`
	UpdatedAt      time.Time      `json:"updated_at" desc:"When the delivery last changed."`
	DeliveredAt    *time.Time     `json:"delivered_at,omitempty" desc:"When the endpoint accepted it (2xx)."`
	// LockedUntil is the lease of the dispatcher working on it (zero when
	// none): a result is accepted only with the lease it was claimed with.
	LockedUntil time.Time `json:"-"`
}

// DeliveryAttempt is one HTTP attempt of a delivery, kept for the log.
type DeliveryAttempt struct {
	ID         string `json:"id" desc:"The attempt's id (UUID)."`
	DeliveryID string `json:"delivery_id" desc:"The delivery it belongs to."`
	StatusCode int    `json:"status_code,omitempty" desc:"The HTTP status the endpoint answered; absent when none (timeout, refused connection)."`
	Error      string `json:"error,omitempty" desc:"Why the attempt failed."`
	LatencyMS  int64  `json:"latency_ms" desc:"How long it took, in milliseconds."`
	// RequestBody and ResponseBody are bounded: the log is for reading
	// what happened, not an archive of payloads.
	RequestBody  string    `json:"request_body,omitempty" desc:"The JSON body sent (the event envelope), its first 8 KiB."`
	ResponseBody string    `json:"response_body,omitempty" desc:"The start of what the endpoint answered (its first 2 KiB, as text); absent when it answered nothing."`
	CreatedAt    time.Time `json:"created_at" desc:"When it was made."`
}

// DeliveryStats are one endpoint's deliveries by outcome over a period.
type DeliveryStats struct {
	WebhookID string `json:"webhook_id" desc:"The endpoint."`
	Succeeded int    `json:"succeeded" desc:"Deliveries the endpoint accepted (2xx)."`
	Failed    int    `json:"failed" desc:"Deliveries that failed and will be retried."`
	Abandoned int    `json:"abandoned" desc:"Deliveries given up on."`
	Pending   int    `json:"pending" desc:"Deliveries not attempted yet."`
	Total     int    `json:"total" desc:"Every delivery of the period."`
	// SuccessRate is succeeded over the settled and failing deliveries
	// (pending ones are not counted); nil when there are none.
	SuccessRate *float64 `json:"success_rate" desc:"Succeeded deliveries over succeeded, failed and abandoned ones, from 0 to 1; null when there are none."`
}

// ClaimedDelivery is a delivery leased to one dispatcher, with what it
// needs to send it.
type ClaimedDelivery struct {
	Delivery *Delivery
	Event    *Event
	Webhook  *Webhook
}

// DeliveryResult is the outcome of one attempt, as a dispatcher reports it.
type DeliveryResult struct {
	DeliveryID string
	WebhookID  string
	UserID     string
	// Lease is the LockedUntil the delivery was claimed with; a result
	// whose lease was taken over by another dispatcher is dropped.
	Lease time.Time
	// Status is the new state: succeeded, failed (retry at NextAttemptAt)
	// or abandoned.
	Status        DeliveryStatus
	NextAttemptAt *time.Time
	// Attempted is false when no HTTP request was made (the endpoint was
	// disabled meanwhile): no attempt is counted or logged.
	Attempted  bool
	StatusCode int
	Error      string
	// RequestBody and ResponseBody go to the attempt log, already bounded.
	RequestBody, ResponseBody string
	Latency                   time.Duration
	At                        time.Time
	// Disable, when set, turns the endpoint off with this reason (410 Gone).
	Disable string
}

// EndpointStreak is an endpoint's failing streak as stored, read in the
// transaction that records a batch of results.
type EndpointStreak struct {
	Active bool
	// FailingSince is when its current run of failed attempts began; nil
	// when its latest attempt succeeded.
	FailingSince *time.Time
}

// StreakDecision is what the webhook policy decides for one endpoint after
// a batch of results.
type StreakDecision struct {
	WebhookID string
	// FailingSince is the endpoint's streak start from now on; nil when it
	// is not failing.
	FailingSince *time.Time
	// Disable, when set, turns the endpoint off with this reason.
	Disable string
}

// StreakPolicy decides, from the stored streaks of the endpoints (by
// webhook id) and the results the store applied (those whose lease held,
// with an attempt made), each endpoint's streak and whether it is turned
// off. internal/webhook holds the product's policy; the store only applies
// what it returns.
type StreakPolicy func(stored map[string]EndpointStreak, applied []DeliveryResult) []StreakDecision

// DeliveryClaim says which due deliveries a dispatcher leases at once.
type DeliveryClaim struct {
	Now   time.Time
	Lease time.Duration
	// Limit is the most deliveries leased in all.
	Limit int
	// PerUser, when above 0, is the most deliveries of one tenant: the
	// tenants with work due take turns (each one's oldest, then each one's
	// second, …), so one tenant's backlog cannot fill a claim.
	PerUser int
	// SkipWebhooks and SkipUsers are endpoints and tenants whose share of
	// the dispatcher is taken: none of their deliveries are leased.
	SkipWebhooks []string
	SkipUsers    []string
}

// DeliveryFilter selects a webhook's deliveries.
type DeliveryFilter struct {
	Status DeliveryStatus // any when empty
	Since  time.Time      // created at or after; any when zero
}

// DeliveryStore is the webhook outbox. Deliveries are created by the
// event writes themselves (every write that stores events fans them out
// to the tenant's matching active webhooks in the same transaction).
type DeliveryStore interface {
	// ClaimDeliveries leases due deliveries (pending or failed, next
	// attempt at or before c.Now, no live lease) as c says, until
	// c.Now+c.Lease, and returns them with their event and webhook. Safe
	// with several dispatchers on one database.
	ClaimDeliveries(ctx context.Context, c DeliveryClaim) ([]*ClaimedDelivery, error)
	// CompleteDeliveries records results in one transaction and logs the
	// attempts; then, still in it, it reads the stored streak of every
	// endpoint with an applied attempt, asks policy what follows (nil: no
	// streak is kept), and applies its decisions: the new failing_since,
	// and endpoints turned off with a webhook.disabled event each.
	CompleteDeliveries(ctx context.Context, results []DeliveryResult, policy StreakPolicy) error
	// ReleaseDelivery gives a claimed delivery back without an attempt, due at next.
	ReleaseDelivery(ctx context.Context, id string, lease, next time.Time) error
	// ListDeliveries lists a webhook's deliveries, newest first, with the total count.
	ListDeliveries(ctx context.Context, userID, webhookID string, f DeliveryFilter, p Page) ([]*Delivery, int, error)
	// DeliveryByID returns one delivery of a tenant's webhook; CodeNotFound when absent.
	DeliveryByID(ctx context.Context, userID, webhookID, id string) (*Delivery, error)
	// DeliveryAttempts lists a delivery's attempts, oldest first.
	DeliveryAttempts(ctx context.Context, userID, deliveryID string) ([]*DeliveryAttempt, error)
	// RetryDeliveries makes a webhook's failed or abandoned deliveries (one
	// when id is set; else all created at or after since) due at now with a
	// fresh schedule, and returns how many.
	RetryDeliveries(ctx context.Context, userID, webhookID, id string, since, now time.Time) (int, error)
	// CreateTestDelivery stores e (a webhook.test event) with one delivery to w only.
	CreateTestDelivery(ctx context.Context, w *Webhook, e *Event) (*Delivery, error)
	// LastEventSeq returns the sequence number of a tenant's latest event (0 when none).
	LastEventSeq(ctx context.Context, userID string) (int64, error)
	// CountDeliveries counts a tenant's deliveries by status created at or after since.
	CountDeliveries(ctx context.Context, userID string, since time.Time) (map[DeliveryStatus]int, error)
	// DeliveryStatsByWebhook counts a tenant's deliveries created at or
	// after since by endpoint and outcome; endpoints without any are absent.
	DeliveryStatsByWebhook(ctx context.Context, userID string, since time.Time) ([]DeliveryStats, error)
}
