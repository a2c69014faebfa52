package gateway

import (
	"context"
	"time"
)

// InstanceStatus is the state of one worker of one session.
type InstanceStatus string

// Instance states. Pending, starting, running and restarting are "live": a
// session has at most one live instance.
const (
	InstancePending    InstanceStatus = "pending"
	InstanceStarting   InstanceStatus = "starting"
	InstanceRunning    InstanceStatus = "running"
	InstanceRestarting InstanceStatus = "restarting"
	InstanceStopped    InstanceStatus = "stopped"
	InstanceFailed     InstanceStatus = "failed"
	InstanceLost       InstanceStatus = "lost"
)

// Live reports whether the state counts as the session's one live instance.
func (s InstanceStatus) Live() bool {
	switch s {
	case InstancePending, InstanceStarting, InstanceRunning, InstanceRestarting:
		return true
	}
	return false
}

// LiveInstanceStatuses lists the live states, for queries.
var LiveInstanceStatuses = []InstanceStatus{InstancePending, InstanceStarting, InstanceRunning, InstanceRestarting}

// Instance is one running worker for one session.
type Instance struct {
	ID        string         `json:"id"`
	SessionID string         `json:"session_id"`
	UserID    string         `json:"user_id"`
	Status    InstanceStatus `json:"status"`
	Driver    string         `json:"driver"`
	Address   string         `json:"address,omitempty"`
	Port      int            `json:"port,omitempty"`
	JobID     string         `json:"job_id,omitempty"`
	AllocID   string         `json:"alloc_id,omitempty"`
	Restarts  int            `json:"restarts"`
	LastError string         `json:"last_error,omitempty"`
	StartedAt *time.Time     `json:"started_at"`
	StoppedAt *time.Time     `json:"stopped_at,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// InstanceUpdate changes an instance's state. Empty strings, zero ports and
// nil pointers leave stored values alone; LastError is always replaced;
// Restarts replaces the count when not negative.
type InstanceUpdate struct {
	Status    InstanceStatus
	Address   string
	Port      int
	JobID     string
	AllocID   string
	Restarts  int
	LastError string
	StartedAt *time.Time
	StoppedAt *time.Time
}

// InstanceStore keeps instances.
type InstanceStore interface {
	// CreateInstance inserts i and the events in one transaction. CodeConflict
	// when the session already has a live instance.
	CreateInstance(ctx context.Context, i *Instance, events ...*Event) error
	// CreateInstanceWithin is CreateInstance refused with
	// CodeQuotaExceeded when the tenant already has max live instances
	// (max < 0: no cap), counted in the insert's own transaction.
	CreateInstanceWithin(ctx context.Context, i *Instance, max int, events ...*Event) error
	// InstanceByID returns a tenant's instance; CodeNotFound when absent.
	InstanceByID(ctx context.Context, userID, id string) (*Instance, error)
	// LiveInstance returns the session's live instance; CodeNotFound when none.
	LiveInstance(ctx context.Context, userID, sessionID string) (*Instance, error)
	// ListInstances lists a tenant's instances, newest first, with the total
	// count; only session sessionID's when it is not "".
	ListInstances(ctx context.Context, userID, sessionID string, p Page) ([]*Instance, int, error)
	// ListLiveInstances lists every live instance of every tenant (boot recovery, reconciliation).
	ListLiveInstances(ctx context.Context) ([]*Instance, error)
	// CountLiveInstances counts a tenant's live instances.
	CountLiveInstances(ctx context.Context, userID string) (int, error)
	// UpdateInstance applies u and writes the events in one transaction and
	// returns the instance as stored; CodeNotFound when absent.
	UpdateInstance(ctx context.Context, userID, id string, u InstanceUpdate, events ...*Event) (*Instance, error)
}
