package sqlstore

import (
	"context"
	"database/sql"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const instanceCols = `id, session_id, user_id, status, driver, address, port, job_id, alloc_id, restarts, last_error,
	started_at, stopped_at, created_at, updated_at`

// liveStatuses is the SQL list of live instance states; it must match the
// partial unique index instances_one_live of both schemas.
const liveStatuses = "('pending', 'starting', 'running', 'restarting')"

// CreateInstance inserts i (ID and timestamps filled when empty, status
// pending when empty) and the events in one transaction. CodeConflict when
// the session already has a live instance; CodeNotFound when the session is
// absent or another tenant's.
func (s *Store) CreateInstance(ctx context.Context, i *gateway.Instance, events ...*gateway.Event) error {
	return s.CreateInstanceWithin(ctx, i, -1, events...)
}

// countLiveInstances counts a tenant's live instances.
const countLiveInstances = "SELECT COUNT(*) FROM instances WHERE user_id = ? AND status IN " + liveStatuses

// CreateInstanceWithin is CreateInstance capped at max live instances per tenant.
func (s *Store) CreateInstanceWithin(ctx context.Context, i *gateway.Instance, max int, events ...*gateway.Event) error {
	newRow(&i.ID, &i.CreatedAt, &i.UpdatedAt)
	i.StartedAt, i.StoppedAt = stampPtr(i.StartedAt), stampPtr(i.StoppedAt)
	if i.Status == "" {
		i.Status = gateway.InstancePending
	}
	return s.insertWithin(ctx, i.UserID, countLiveInstances, max, "INSERT INTO instances ("+instanceCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		[]any{i.ID, i.SessionID, i.UserID, string(i.Status), i.Driver, i.Address, i.Port, i.JobID, i.AllocID, i.Restarts,
			i.LastError, nullMicros(i.StartedAt), nullMicros(i.StoppedAt), micros(i.CreatedAt), micros(i.UpdatedAt)},
		events, "create instance", "Session", "This session already has a running instance.")
}

// InstanceByID returns a tenant's instance; CodeNotFound when absent or another tenant's.
func (s *Store) InstanceByID(ctx context.Context, userID, id string) (*gateway.Instance, error) {
	return readOne(ctx, s, scanInstance, "instance by id", "Instance",
		"SELECT "+instanceCols+" FROM instances WHERE id = ? AND user_id = ?", id, userID)
}

// LiveInstance returns the session's live instance; CodeNotFound when none.
func (s *Store) LiveInstance(ctx context.Context, userID, sessionID string) (*gateway.Instance, error) {
	return readOne(ctx, s, scanInstance, "live instance", "Instance",
		"SELECT "+instanceCols+" FROM instances WHERE session_id = ? AND user_id = ? AND status IN "+
			liveStatuses, sessionID, userID)
}

// ListInstances lists a tenant's instances, newest first, with the total count.
func (s *Store) ListInstances(ctx context.Context, userID, sessionID string, p gateway.Page) ([]*gateway.Instance, int, error) {
	where, args := bySession(userID, sessionID)
	list, total, err := listPage(ctx, s, instanceCols, "instances", where, args, "created_at DESC, id DESC", p, scanInstance)
	return list, total, s.fail(err, "list instances", "Instance", "")
}

// ListLiveInstances lists every live instance of every tenant, oldest first.
func (s *Store) ListLiveInstances(ctx context.Context) ([]*gateway.Instance, error) {
	list, err := queryAll(ctx, s, "SELECT "+instanceCols+" FROM instances WHERE status IN "+liveStatuses+
		" ORDER BY created_at, id", nil, func(sc scanner) (*gateway.Instance, error) { return scanInstance(sc) })
	return list, s.fail(err, "list live instances", "Instance", "")
}

// CountLiveInstances counts a tenant's live instances.
func (s *Store) CountLiveInstances(ctx context.Context, userID string) (int, error) {
	n, err := s.count(ctx, countLiveInstances, userID)
	return n, s.fail(err, "count live instances", "Instance", "")
}

// UpdateInstance applies u (see gateway.InstanceUpdate) and writes the events
// in one transaction, and returns the instance as stored. CodeNotFound when
// absent or another tenant's; CodeConflict when u makes it live while the
// session has another live instance.
func (s *Store) UpdateInstance(ctx context.Context, userID, id string, u gateway.InstanceUpdate,
	events ...*gateway.Event) (*gateway.Instance, error) {
	up := &partialUpdate{sets: []string{"last_error = ?", "updated_at = ?"}, args: []any{u.LastError, micros(now())}}
	if u.Status != "" {
		up.set("status", string(u.Status))
	}
	if u.Address != "" {
		up.set("address", u.Address)
	}
	if u.Port != 0 {
		up.set("port", u.Port)
	}
	if u.JobID != "" {
		up.set("job_id", u.JobID)
	}
	if u.AllocID != "" {
		up.set("alloc_id", u.AllocID)
	}
	if u.Restarts >= 0 {
		up.set("restarts", u.Restarts)
	}
	if u.StartedAt != nil {
		up.set("started_at", micros(*u.StartedAt))
	}
	if u.StoppedAt != nil {
		up.set("stopped_at", micros(*u.StoppedAt))
	}
	return updateReturning(ctx, s, "instances", instanceCols, userID, id, up, scanInstance, events,
		"update instance", "Instance", "This session already has a running instance.")
}

func scanInstance(sc scanner, extra ...any) (*gateway.Instance, error) {
	var (
		i                gateway.Instance
		status           string
		started, stopped sql.NullInt64
		created, updated int64
	)
	dest := []any{&i.ID, &i.SessionID, &i.UserID, &status, &i.Driver, &i.Address, &i.Port, &i.JobID, &i.AllocID,
		&i.Restarts, &i.LastError, &started, &stopped, &created, &updated}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	i.Status = gateway.InstanceStatus(status)
	i.StartedAt, i.StoppedAt = fromNullMicros(started), fromNullMicros(stopped)
	i.CreatedAt, i.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &i, nil
}
