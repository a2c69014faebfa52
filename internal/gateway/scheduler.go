package gateway

import "context"

// InstanceSpec is what a scheduler needs to run one session's worker.
type InstanceSpec struct {
	InstanceID string
	SessionID  string
	UserID     string
	Engine     string
}

// Placement is where a scheduler put a worker.
type Placement struct {
	Driver  string // "local" or "nomad"
	Address string // host:port, when known
	Port    int
	JobID   string
	AllocID string
}

// InstanceReport is a scheduler's news about a worker (crashed, restarting,
// running again), which the gateway writes to the instance row.
type InstanceReport struct {
	InstanceID string
	SessionID  string
	UserID     string
	Update     InstanceUpdate
}

// Scheduler runs one worker per session: goroutines in this process
// (local) or one Nomad job per session (nomad).
type Scheduler interface {
	// Name is "local" or "nomad".
	Name() string
	// Start runs the worker of spec, or finds it already running (a retried
	// start never makes two). CodeUnavailable when there is no capacity or
	// the cluster cannot be reached.
	Start(ctx context.Context, spec InstanceSpec) (Placement, error)
	// Stop stops the session's worker; stopping a worker that is not running is not an error.
	Stop(ctx context.Context, sessionID string) error
	// Ping checks the scheduler can do its job (health).
	Ping(ctx context.Context) error
}

// Endpoint is the base URL of a session's instance API.
type Endpoint struct {
	URL string // e.g. http://127.0.0.1:4000
}

// Registry finds a session's healthy worker.
type Registry interface {
	// Endpoint returns where the session's worker answers. CodeUnavailable
	// while it has no healthy worker.
	Endpoint(ctx context.Context, sessionID string) (Endpoint, error)
}
