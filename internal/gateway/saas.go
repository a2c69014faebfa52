package gateway

import (
	"context"
	"encoding/json"
	"time"
)

// EventUsageThreshold is written once per billing period when a tenant's
// usage of a metered limit crosses 80 % and 100 % of what its plan includes.
const EventUsageThreshold = "usage.threshold"

// UsageThresholdData is the data of a usage.threshold event.
type UsageThresholdData struct {
	Metric    string `json:"metric" desc:"What is counted: messages."`
	Period    string `json:"period" desc:"The billing period, as YYYY-MM."`
	Threshold int    `json:"threshold" desc:"The share of the plan's amount reached, in percent: 80 or 100."`
	Used      int64  `json:"used" desc:"How much was used in the period so far."`
	Included  int64  `json:"included" desc:"How much the plan includes per period."`
	PlanID    string `json:"plan_id" desc:"The account's plan."`
}

// PlanOverage is what a plan charges past its included amounts. A plan
// without a message price refuses sends at its monthly limit; with one, it
// lets them through (up to MaxExtraMessages beyond the limit, negative:
// no cap) and bills them.
type PlanOverage struct {
	MessagesPer1000Cents int64 `json:"messages_per_1000_cents" desc:"The price of 1000 messages past the monthly limit, in cents."`
	MaxExtraMessages     int   `json:"max_extra_messages" desc:"At most this many messages past the limit per month. Negative: no cap."`
}

// Subscription states.
const (
	SubscriptionActive    = "active"
	SubscriptionSuspended = "suspended"
)

// Subscription is a tenant's plan over its current billing period. Periods
// are calendar months in UTC, so a statement's period is a month name.
type Subscription struct {
	UserID             string    `json:"user_id" desc:"The account."`
	PlanID             string    `json:"plan_id" desc:"The plan it is on."`
	Status             string    `json:"status" desc:"The subscription's state."`
	CurrentPeriodStart time.Time `json:"current_period_start" desc:"Start of the billing period (UTC month)."`
	CurrentPeriodEnd   time.Time `json:"current_period_end" desc:"End of the billing period, exclusive."`
	CreatedAt          time.Time `json:"created_at" desc:"When the subscription began."`
	UpdatedAt          time.Time `json:"updated_at" desc:"When it last changed."`
}

// SubscriptionChange is one recorded plan change of a tenant.
type SubscriptionChange struct {
	ID         string    `json:"id" desc:"The change's id (UUID)."`
	UserID     string    `json:"user_id" desc:"The account."`
	FromPlanID string    `json:"from_plan_id" desc:"The plan before."`
	ToPlanID   string    `json:"to_plan_id" desc:"The plan after."`
	ActorID    string    `json:"actor_id,omitempty" desc:"The admin who made the change; absent for the account's own."` // the admin, empty for the system
	Reason     string    `json:"reason,omitempty" desc:"Why, as given."`
	CreatedAt  time.Time `json:"created_at" desc:"When."`
}

// AuditEntry is one admin action, kept for accountability.
type AuditEntry struct {
	ID         string          `json:"id" desc:"The entry's id (UUID)."`
	ActorID    string          `json:"actor_id" desc:"The admin who acted."`
	ActorEmail string          `json:"actor_email" desc:"The admin's address."`
	Action     string          `json:"action" desc:"What was done (tenant.suspend, plan.update, …)."` // "tenant.suspend", "plan.update", …
	TargetType string          `json:"target_type" desc:"What it was done to: tenant or plan."`
	TargetID   string          `json:"target_id" desc:"The tenant's or plan's id."`
	Details    json.RawMessage `json:"details,omitempty" desc:"The action's parameters (reason, plan ids, stopped instances)."`
	IP         string          `json:"ip,omitempty" desc:"The admin's client address."`
	CreatedAt  time.Time       `json:"created_at" desc:"When."`
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	ActorID  string
	TargetID string
	Action   string
	Page
}

// IdempotencyRecord is the first answer to a request sent with an
// Idempotency-Key, kept so a retry gets the same answer. Status 0 means the
// first request is still running.
type IdempotencyRecord struct {
	UserID      string
	Key         string
	Fingerprint string // hash of method, path and body
	Status      int
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// RequestID is the X-Request-Id of the request holding the claim: what
	// it stored carries the same id (messages.request_id).
	RequestID string
	// LeaseUntil is how long the claim's owner is known to be running; the
	// owner renews it while the request runs. A claim still running past its
	// lease lost its owner (a crash, a kill).
	LeaseUntil time.Time
}

// UsageDay is one tenant's metered usage on one UTC day, derived from the
// stored messages and instances.
type UsageDay struct {
	Day              time.Time `json:"day" desc:"The UTC day."`
	MessagesAccepted int64     `json:"messages_accepted" desc:"Outbound messages accepted."`      // outbound messages taken by the API
	MessagesSent     int64     `json:"messages_sent" desc:"Outbound messages WhatsApp accepted."` // outbound that reached WhatsApp (sent or further)
	MessagesDeliver  int64     `json:"messages_delivered" desc:"Outbound messages delivered."`
	MessagesFailed   int64     `json:"messages_failed" desc:"Outbound messages that failed."`
	MessagesReceived int64     `json:"messages_received" desc:"Inbound messages."`
	MediaBytes       int64     `json:"media_bytes" desc:"Bytes of media sent and received."`
	SessionSeconds   int64     `json:"session_seconds" desc:"Seconds instances ran."`                                 // instance running time
	WebhookAttempted int64     `json:"webhook_deliveries" desc:"Webhook delivery attempts."`                          // deliveries of events to endpoints
	WebhookSucceeded int64     `json:"webhook_deliveries_succeeded" desc:"Webhook delivery attempts that succeeded."` // of which succeeded
}

// SeriesFilter selects a tenant's messages for a time series.
type SeriesFilter struct {
	From, To  time.Time // [From, To)
	Bucket    time.Duration
	SessionID string
}

// SeriesRow is the count of one bucket, direction and status.
type SeriesRow struct {
	Bucket    time.Time
	Direction string
	Status    MessageStatus
	Count     int64
}

// LatencyBucket counts delivered messages whose delivery latency
// (delivered_at - sent_at) fell below UpperMillis (and above the previous
// bucket's bound).
type LatencyBucket struct {
	UpperMillis int64
	Count       int64
}

// GlobalStats are the whole installation's numbers, for admins.
type GlobalStats struct {
	Users       map[string]int `json:"users_by_status" desc:"Accounts by status."`
	UsersByPlan map[string]int `json:"users_by_plan" desc:"Accounts by plan."`
	Sessions    int            `json:"sessions" desc:"Sessions of every account."`
	// SessionsByStatus and WebhooksFailing are what an operator looks at
	// first: how many sessions are connected, and how many endpoints fail.
	SessionsByStatus map[string]int `json:"sessions_by_status" desc:"Sessions by state (created, connected, qr_pending, stopped, …)."`
	LiveInstances    int            `json:"live_instances" desc:"Instances running now."`
	MessagesToday    MessageCounts  `json:"messages_today" desc:"Messages of the UTC day, by status."`
	MessagesMonth    MessageCounts  `json:"messages_this_month" desc:"Messages of the UTC month, by status."`
	MessagesAll      int            `json:"messages_total" desc:"Every message stored."`
	Webhooks         int            `json:"webhooks" desc:"Webhook endpoints."`
	WebhooksFailing  int            `json:"webhooks_failing" desc:"Webhook endpoints whose deliveries fail now (a run of failures no success has ended yet), or that the gateway turned off after one."`
	ActiveAPIKeys    int            `json:"active_api_keys" desc:"API keys neither revoked nor expired."`
	ComputedAt       time.Time      `json:"computed_at" desc:"When these numbers were counted."`
	RegisteredLast   int            `json:"registered_last_30_days" desc:"Accounts made in the last 30 days."`
}

// Purposes of one-time user tokens.
const (
	TokenVerifyEmail   = "verify_email"
	TokenResetPassword = "reset_password"
)

// UserToken is a one-time token mailed to a user (email verification,
// password reset). Only its SHA-256 hash is stored.
type UserToken struct {
	Hash      string
	UserID    string
	Purpose   string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// SaaSStore keeps what the SaaS layer needs: subscriptions, plan history,
// the audit log, quota counters, idempotency records, usage, analytics and
// one-time tokens.
type SaaSStore interface {
	// EnsureSubscription returns the tenant's subscription, creating it on
	// planID for [start, end) when absent.
	EnsureSubscription(ctx context.Context, userID, planID string, start, end time.Time) (*Subscription, error)
	// RenewSubscription moves the subscription's period forward to [start, end).
	RenewSubscription(ctx context.Context, userID string, start, end time.Time) error
	// ChangePlan sets the tenant's plan (users.plan_id and its subscription)
	// and records the change and the audit entry (when not nil) in one
	// transaction. CodeNotFound when the user or the plan is absent.
	ChangePlan(ctx context.Context, c *SubscriptionChange, audit *AuditEntry) error
	// SubscriptionHistory lists a tenant's plan changes, newest first.
	SubscriptionHistory(ctx context.Context, userID string, limit int) ([]*SubscriptionChange, error)
	// SetUserStatus sets a user's status (and its subscription's) with the
	// audit entry in one transaction; a suspension also raises the user's
	// token version, revoking every token issued before it. CodeNotFound
	// when absent.
	SetUserStatus(ctx context.Context, userID, status string, audit *AuditEntry) error
	// DeletePlan deletes a plan; CodeConflict while a user is on it.
	DeletePlan(ctx context.Context, id string) error
	// CountUsersOnPlan counts the users on a plan.
	CountUsersOnPlan(ctx context.Context, planID string) (int, error)

	// AddAudit records an admin action.
	AddAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit lists audit entries, newest first, with the total count.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, int, error)

	// CreateMessagesWithinQuota stores outbound messages of one tenant and
	// period in one transaction (a group commit of concurrent sends; a lone
	// send is a batch of one), counted in the tenant's counter of period
	// (initialised from the stored messages of [periodStart, periodEnd) on
	// first use): the first of them as far as the counter leaves room under
	// limit (negative: no limit), in order. It returns the counter before them
	// and how many were stored; the rest were not stored at all.
	CreateMessagesWithinQuota(ctx context.Context, ms []*Message, period string, periodStart, periodEnd time.Time, limit int64) (before int64, stored int, err error)
	// MessageCounter returns the tenant's counter of a period (0 when never used).
	MessageCounter(ctx context.Context, userID, period string) (int64, error)
	// RecordThreshold records that a tenant crossed a usage threshold in a
	// period and writes the event, once: it reports false when it was recorded before.
	RecordThreshold(ctx context.Context, userID, period, metric string, threshold int, event *Event) (bool, error)

	// BeginIdempotent claims a key for a first request. When the key is
	// claimed already (and not expired) it returns the stored record and
	// false; otherwise it stores rec (Status 0) and returns nil and true.
	BeginIdempotent(ctx context.Context, rec *IdempotencyRecord) (*IdempotencyRecord, bool, error)
	// IdempotentRecord returns the record of a key; CodeNotFound when absent.
	IdempotentRecord(ctx context.Context, userID, key string) (*IdempotencyRecord, error)
	// FinishIdempotent stores the first request's answer.
	FinishIdempotent(ctx context.Context, userID, key string, status int, body []byte) error
	// ReleaseIdempotent forgets a claim whose request did not complete, so a retry runs again.
	ReleaseIdempotent(ctx context.Context, userID, key string) error
	// RenewIdempotent moves the lease of a running claim held by requestID
	// to until; CodeNotFound when the claim is finished, gone or held by
	// another request.
	RenewIdempotent(ctx context.Context, userID, key, requestID string, until time.Time) error
	// TakeOverIdempotent hands a running claim whose lease ended before
	// rec.CreatedAt, held by request prevRequestID, to rec (its request id,
	// lease and times); false when the claim is no longer that one (finished,
	// renewed, or taken by another).
	TakeOverIdempotent(ctx context.Context, rec *IdempotencyRecord, prevRequestID string) (bool, error)
	// PurgeIdempotent deletes records expired before t and returns how many.
	PurgeIdempotent(ctx context.Context, before time.Time) (int, error)

	// UsageDays meters a tenant's usage per UTC day of [from, to), from the
	// stored messages and instances; days without usage are absent.
	UsageDays(ctx context.Context, userID string, from, to time.Time) ([]UsageDay, error)
	// MessageSeries counts a tenant's messages per bucket, direction and status.
	MessageSeries(ctx context.Context, userID string, f SeriesFilter) ([]SeriesRow, error)
	// DeliveryLatency returns a histogram of delivery latencies of the
	// tenant's outbound messages created in [f.From, f.To), by bucket bound.
	DeliveryLatency(ctx context.Context, userID string, f SeriesFilter) ([]LatencyBucket, error)
	// GlobalStats computes the installation's numbers; day and month are the starts of today and this month.
	GlobalStats(ctx context.Context, day, month time.Time) (*GlobalStats, error)

	// CreateUserToken stores a one-time token (by hash).
	CreateUserToken(ctx context.Context, t *UserToken) error
	// ConsumeUserToken deletes and returns an unexpired token of a purpose;
	// CodeNotFound when absent, expired or used.
	ConsumeUserToken(ctx context.Context, hash, purpose string, now time.Time) (*UserToken, error)
}
