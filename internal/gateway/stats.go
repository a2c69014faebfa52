package gateway

import (
	"context"
	"time"
)

// StateCounts are the rows of every tenant counted by state: what the
// gateway's metrics expose (never per tenant, session or phone).
type StateCounts struct {
	Sessions  map[SessionStatus]int
	Instances map[InstanceStatus]int
	// Messages counts messages by direction, then status.
	Messages map[string]map[MessageStatus]int
	// Deliveries counts webhook deliveries by status.
	Deliveries map[DeliveryStatus]int
	// OldestUndelivered is when the oldest pending or failed delivery was
	// created (zero when none): how far behind the webhook queue is.
	OldestUndelivered time.Time
}

// StatsStore counts rows across tenants for metrics. It is an operator's
// view, not a tenant's: nothing tenant-facing may call it.
type StatsStore interface {
	// StateCounts counts sessions, instances, messages and deliveries by state.
	StateCounts(ctx context.Context) (*StateCounts, error)
}
