package gateway

import (
	"context"
	"time"
)

// Cache is a shared key-value cache with expiry: in memory when embedded,
// Redis in the cluster shape. It is never the only copy of anything.
type Cache interface {
	// Get returns a value; ok is false when absent or expired.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores a value for ttl (no expiry when ttl <= 0).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// SetNX stores a value only when the key is absent; it reports whether it stored.
	SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Delete removes keys; absent keys are not an error.
	Delete(ctx context.Context, keys ...string) error
	// Incr adds delta to an integer counter, creating it with ttl when absent, and returns the new value.
	Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error)
}

// RateResult is the outcome of one rate-limit check.
type RateResult struct {
	Allowed    bool
	Limit      int
	Remaining  int
	ResetAfter time.Duration // until the window frees up fully
	RetryAfter time.Duration // until the next request would be allowed (0 when allowed)
}

// RateLimiter counts requests per key in a window.
type RateLimiter interface {
	// Allow counts one request for key against limit per window.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (RateResult, error)
	// Reset forgets a key (a successful login clears its failures, say).
	Reset(ctx context.Context, key string) error
}

// Bus carries short-lived notifications between components and processes:
// wake-ups and fan-out, never the only copy of a message or event.
type Bus interface {
	// Publish sends payload to every current subscriber of topic.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe calls fn for each payload published on topic until ctx ends
	// or the returned cancel is called. fn must not block for long.
	Subscribe(ctx context.Context, topic string, fn func(payload []byte)) (cancel func(), err error)
}

// Change notices on the Bus: the payload is the id of what changed, so every
// gateway drops its cached copy at once instead of within the cache's TTL.
const (
	// TopicSessionsChanged carries the id of a session whose live status
	// (GET /sessions/{id}/status) changed: its worker's state, QR code or
	// queue, or its instance.
	TopicSessionsChanged = "sessions.changed"
	// TopicSessionQueueChanged carries the id of a session whose worker's
	// queue went from empty to not empty or back: its live status changed,
	// nothing that decides whether it can send did, so gateways drop the
	// status only (sessions.changed also drops the ready-to-send check).
	TopicSessionQueueChanged = "sessions.queue"
	// TopicInstancesChanged carries the id of an instance that changed.
	TopicInstancesChanged = "instances.changed"
	// TopicPlansChanged carries the id of a plan an admin created, edited
	// or deleted: every gateway drops the plans it cached.
	TopicPlansChanged = "plans.changed"
)
