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
	ID        string         `json:"id" desc:"The instance's id (UUID)."`
	SessionID string         `json:"session_id" desc:"The session it runs."`
	UserID    string         `json:"user_id" desc:"The account that owns it."`
	Status    InstanceStatus `json:"status" desc:"pending, starting, running, restarting, stopped, failed or lost (its worker vanished)."`
	Driver    string         `json:"driver" desc:"What runs the worker: local (a process of this gateway) or nomad."`
	Address   string         `json:"address,omitempty" desc:"The worker's address, while running."`
	Port      int            `json:"port,omitempty" desc:"The worker's port, while running."`
	JobID     string         `json:"job_id,omitempty" desc:"The scheduler's job id (nomad)."`
	AllocID   string         `json:"alloc_id,omitempty" desc:"The scheduler's allocation id (nomad)."`
	Restarts  int            `json:"restarts" desc:"How many times the worker was restarted."`
	LastError string         `json:"last_error,omitempty" desc:"Why the worker last failed."`
	StartedAt *time.Time     `json:"started_at" desc:"When the worker last started."`
	StoppedAt *time.Time     `json:"stopped_at,omitempty" desc:"When the worker last stopped."`
	CreatedAt time.Time      `json:"created_at" desc:"When the instance was created."`
	UpdatedAt time.Time      `json:"updated_at" desc:"When it last changed."`
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
