package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The webhook outbox. Every write that stores events fans them out, in the
// same transaction, to a delivery row per matching active webhook of the
// tenant (the tenant's own, and those bound to the event's session), so an
// event is never committed without its deliveries. Dispatchers lease due
// rows with ClaimDeliveries (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's
// single writer serialises claims) and settle them with CompleteDeliveries.

const deliveryCols = `id, webhook_id, event_id, event_type, user_id, status, attempts, next_attempt_at, locked_until,
	last_status_code, last_error, last_latency_ms, created_at, updated_at, delivered_at`

const selectFanout = "SELECT id, session_id, events FROM webhooks WHERE user_id = ? AND active = ?"

const insertDelivery = `INSERT INTO deliveries (id, webhook_id, event_id, event_type, user_id, status, attempts,
	next_attempt_at, locked_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, ?, ?)`

func init() {
	// Prepared before the first transaction, like the other hot writes.
	txStatements = append(txStatements, selectFanout, insertDelivery)
}

// Committed is what one committed write stored: its events, and how many
// deliveries they fanned out to.
type Committed struct {
	Events     []*gateway.Event
	Deliveries int
}

// commitHooks collects, per open transaction, what OnCommit will be told
// once the transaction commits.
type commitHooks struct {
	fn      atomic.Pointer[func(Committed)]
	pending sync.Map // *sql.Tx -> *Committed
}

// OnCommit sets fn to be called after every commit that stored events, on
// the committing goroutine: wake the dispatchers and event streams there.
// fn must not block.
func (s *Store) OnCommit(fn func(Committed)) { s.commits.fn.Store(&fn) }

// record notes what tx stored, for OnCommit.
func (h *commitHooks) record(tx *sql.Tx, events []*gateway.Event, deliveries int) {
	if h.fn.Load() == nil {
		return
	}
	v, _ := h.pending.LoadOrStore(tx, &Committed{})
	c := v.(*Committed)
	c.Events = append(c.Events, events...)
	c.Deliveries += deliveries
}

// done forgets tx and, when it committed, tells the hook what it stored.
func (h *commitHooks) done(tx *sql.Tx, committed bool) {
	v, ok := h.pending.LoadAndDelete(tx)
	if !ok || !committed {
		return
	}
	if fn := h.fn.Load(); fn != nil {
		(*fn)(*v.(*Committed))
	}
}

// fanOut writes a delivery per matching active webhook of each event, in
// tx, and returns how many. Test events go to their one endpoint only
// (CreateTestDelivery), so they are skipped here.
func (s *Store) fanOut(ctx context.Context, tx *sql.Tx, events []*gateway.Event) (int, error) {
	type hook struct {
		id, session string
		events      []string
	}
	byUser := map[string][]hook{}
	n := 0
	now := micros(now())
	for _, e := range events {
		if e == nil || e.Type == gateway.EventWebhookTest {
			continue
		}
		hooks, ok := byUser[e.UserID]
		if !ok {
			st, err := s.writeStmt(ctx, tx, selectFanout)
			if err != nil {
				return 0, err
			}
			rows, err := st.QueryContext(ctx, e.UserID, true)
			if err != nil {
				return 0, err
			}
			for rows.Next() {
				var (
					h       hook
					session sql.NullString
					names   string
				)
				if err := rows.Scan(&h.id, &session, &names); err != nil {
					rows.Close()
					return 0, err
				}
				if err := unmarshal(names, &h.events); err != nil {
					rows.Close()
					return 0, err
				}
				h.session = session.String
				hooks = append(hooks, h)
			}
			if err := rows.Close(); err != nil {
				return 0, err
			}
			if err := rows.Err(); err != nil {
				return 0, err
			}
			byUser[e.UserID] = hooks
		}
		for _, h := range hooks {
			if h.session != "" && h.session != e.SessionID {
				continue
			}
			if !gateway.Matches(h.events, e.Type) {
				continue
			}
			st, err := s.writeStmt(ctx, tx, insertDelivery)
			if err == nil {
				_, err = st.ExecContext(ctx, gateway.NewRowID(), h.id, e.ID, e.Type, e.UserID,
					string(gateway.DeliveryPending), now, now, now)
			}
			if err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, nil
}

// claimWindow is how many of the oldest due deliveries a claim bounded
// per tenant looks at, per delivery it may lease: the tenants' turns are
// worked out among those, so a large backlog costs no more than a small one.
const claimWindow = 8

// ClaimDeliveries leases due deliveries as c says until c.Now+c.Lease and
// returns them with their event and webhook. With c.PerUser set, the
// tenants found among the oldest due deliveries take turns.
func (s *Store) ClaimDeliveries(ctx context.Context, c gateway.DeliveryClaim) ([]*gateway.ClaimedDelivery, error) {
	if c.Limit <= 0 {
		return nil, nil
	}
	nowUS := micros(c.Now)
	until := micros(c.Now.Add(c.Lease))
	where := "status IN ('pending', 'failed') AND next_attempt_at <= ? AND locked_until <= ?"
	args := []any{until, nowUS, nowUS}
	for _, skip := range []struct {
		col string
		ids []string
	}{{"webhook_id", c.SkipWebhooks}, {"user_id", c.SkipUsers}} {
		var ids []any
		for _, id := range skip.ids {
			if isUUID(id) {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			where += " AND " + skip.col + " NOT IN (" + placeholders(len(ids)) + ")"
			args = append(args, ids...)
		}
	}
	lock := ""
	if s.dialect.Name == "postgres" {
		// Claimers on other gateways skip rows being claimed instead of
		// waiting for them.
		lock = " FOR UPDATE SKIP LOCKED"
	}
	pick := "SELECT id FROM deliveries WHERE " + where + " ORDER BY next_attempt_at LIMIT ?" + lock
	if c.PerUser > 0 {
		// Each tenant's deliveries numbered oldest first; the claim takes
		// every tenant's first, then every tenant's second, and so on.
		pick = "SELECT id FROM (SELECT id, next_attempt_at, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY next_attempt_at, id) AS turn" +
			" FROM (SELECT id, user_id, next_attempt_at FROM deliveries WHERE " + where + " ORDER BY next_attempt_at LIMIT ?" + lock + ") AS due" +
			") AS turns WHERE turn <= ? ORDER BY turn, next_attempt_at LIMIT ?"
		args = append(args, claimWindow*c.Limit, c.PerUser)
	}
	args = append(args, c.Limit)
	query := "UPDATE deliveries SET locked_until = ? WHERE id IN (" + pick + ") RETURNING id"
	var ids []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, s.fail(err, "claim deliveries", "Delivery", "")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := s.loadClaimed(ctx, ids)
	return list, s.fail(err, "load claimed deliveries", "Delivery", "")
}

// loadClaimed reads claimed deliveries with their events and webhooks.
func (s *Store) loadClaimed(ctx context.Context, ids []string) ([]*gateway.ClaimedDelivery, error) {
	query := "SELECT " + prefixed("d.", deliveryCols) + ", " + prefixed("e.", eventCols) + ", " + prefixed("w.", webhookCols) +
		" FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id" +
		" WHERE d.id IN (" + placeholders(len(ids)) + ") ORDER BY d.next_attempt_at"
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	// Read after the claim committed: a reader sees it, and leaves
	// SQLite's one writer connection to the writes.
	rows, err := s.reader.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*gateway.ClaimedDelivery
	for rows.Next() {
		var (
			d    deliveryRow
			ev   eventRow
			w    webhookRow
			dest []any
		)
		dest = append(dest, d.dest()...)
		dest = append(dest, ev.dest()...)
		dest = append(dest, w.dest()...)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		wh, err := w.webhook()
		if err != nil {
			return nil, err
		}
		list = append(list, &gateway.ClaimedDelivery{Delivery: d.delivery(), Event: ev.event(), Webhook: wh})
	}
	return list, rows.Err()
}

// prefixed qualifies each column of a list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// CompleteDeliveries records results in one transaction: each delivery's
// new state (only while the lease it was claimed with still holds) and its
// attempt in the log; then it reads the stored streak of each endpoint with
// an applied attempt and applies what policy decides about it (the streak,
// and endpoints turned off, with a webhook.disabled event each). The
// decisions are the policy's (internal/webhook); this only stores them.
func (s *Store) CompleteDeliveries(ctx context.Context, results []gateway.DeliveryResult, policy gateway.StreakPolicy) error {
	if len(results) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		applied, err := s.settleDeliveries(ctx, tx, results)
		if err != nil {
			return err
		}
		if policy == nil {
			return nil
		}
		var attempts []gateway.DeliveryResult
		for _, r := range results {
			// Not applied: another dispatcher took the lease over, and its
			// result counts.
			if applied[r.DeliveryID] && r.Attempted {
				r.At = stamp(r.At)
				attempts = append(attempts, r)
			}
		}
		if len(attempts) == 0 {
			return nil
		}
		stored, err := s.streaks(ctx, tx, attempts)
		if err != nil {
			return err
		}
		var disabled []*gateway.Event
		for _, d := range policy(stored, attempts) {
			was := stored[d.WebhookID]
			if !sameTime(was.FailingSince, d.FailingSince) {
				if _, err := tx.ExecContext(ctx, s.q("UPDATE webhooks SET failing_since = ? WHERE id = ?"),
					nullMicros(d.FailingSince), d.WebhookID); err != nil {
					return err
				}
			}
			if d.Disable == "" {
				continue
			}
			ev, err := s.disableWebhook(ctx, tx, d.WebhookID, d.Disable)
			if err != nil {
				return err
			}
			if ev != nil {
				disabled = append(disabled, ev)
			}
		}
		if len(disabled) == 0 {
			return nil
		}
		return s.insertNewEvents(ctx, tx, "", disabled)
	})
	return s.fail(err, "complete deliveries", "Delivery", "")
}

// streaks reads the stored streak of the endpoints of results. On
// PostgreSQL the rows stay locked until the transaction ends (in id order,
// so two dispatchers cannot deadlock), so two batches of one endpoint
// decide one after the other; SQLite has one writer anyway.
func (s *Store) streaks(ctx context.Context, tx *sql.Tx, results []gateway.DeliveryResult) (map[string]gateway.EndpointStreak, error) {
	var ids []any
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.WebhookID] && isUUID(r.WebhookID) {
			seen[r.WebhookID] = true
			ids = append(ids, r.WebhookID)
		}
	}
	out := make(map[string]gateway.EndpointStreak, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	query := "SELECT id, active, failing_since FROM webhooks WHERE id IN (" + placeholders(len(ids)) + ") ORDER BY id"
	if s.dialect.Name == "postgres" {
		query += " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, s.q(query), ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id     string
			active bool
			since  sql.NullInt64
		)
		if err := rows.Scan(&id, &active, &since); err != nil {
			return nil, err
		}
		out[id] = gateway.EndpointStreak{Active: active, FailingSince: fromNullMicros(since)}
	}
	return out, rows.Err()
}

// sameTime reports whether two optional times are both nil or equal.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// settleChunk is how many results one statement settles (a few thousand
// parameters, well under both databases' limits).
const settleChunk = 200

// settleDeliveries applies results whose lease still holds, a chunk per
// statement, logs their attempts, and returns the ids it applied.
func (s *Store) settleDeliveries(ctx context.Context, tx *sql.Tx, results []gateway.DeliveryResult) (map[string]bool, error) {
	applied := make(map[string]bool, len(results))
	// PostgreSQL types VALUES from the first row; SQLite needs no casts.
	cast := func(typ string) string {
		if s.dialect.Name == "postgres" {
			return "CAST(? AS " + typ + ")"
		}
		return "?"
	}
	row := "(" + strings.Join([]string{cast("uuid"), cast("bigint"), cast("text"), cast("integer"), cast("bigint"),
		cast("integer"), cast("text"), cast("bigint"), cast("bigint"), cast("bigint")}, ", ") + ")"
	for lo := 0; lo < len(results); lo += settleChunk {
		chunk := results[lo:min(lo+settleChunk, len(results))]
		rows := make([]string, len(chunk))
		args := make([]any, 0, 10*len(chunk))
		for i, r := range chunk {
			rows[i] = row
			at := stamp(r.At)
			attempted := 0
			if r.Attempted {
				attempted = 1
			}
			var delivered any
			if r.Status == gateway.DeliverySucceeded {
				delivered = micros(at)
			}
			args = append(args, r.DeliveryID, micros(r.Lease), string(r.Status), attempted,
				nullMicros(stampPtr(r.NextAttemptAt)), r.StatusCode, truncate(r.Error, 1000), r.Latency.Milliseconds(),
				micros(at), delivered)
		}
		query := "WITH v (id, lease, status, inc, next_at, code, err, latency, at, delivered) AS (VALUES " +
			strings.Join(rows, ", ") + `)
			UPDATE deliveries SET status = v.status, attempts = deliveries.attempts + v.inc, next_attempt_at = v.next_at,
				locked_until = 0, last_status_code = v.code, last_error = v.err, last_latency_ms = v.latency,
				updated_at = v.at, delivered_at = COALESCE(deliveries.delivered_at, v.delivered)
			FROM v WHERE deliveries.id = v.id AND deliveries.locked_until = v.lease
			RETURNING deliveries.id`
		res, err := tx.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return nil, err
		}
		for res.Next() {
			var id string
			if err := res.Scan(&id); err != nil {
				res.Close()
				return nil, err
			}
			applied[id] = true
		}
		if err := res.Close(); err != nil {
			return nil, err
		}
		if err := res.Err(); err != nil {
			return nil, err
		}
		// The attempt log, for the results applied.
		var (
			vals []string
			ins  []any
		)
		for _, r := range chunk {
			if !applied[r.DeliveryID] || !r.Attempted {
				continue
			}
			vals = append(vals, "(?, ?, ?, ?, ?, ?, ?, ?)")
			ins = append(ins, gateway.NewRowID(), r.DeliveryID, r.StatusCode, truncate(r.Error, 1000),
				r.Latency.Milliseconds(), micros(stamp(r.At)), truncate(r.RequestBody, 8<<10), truncate(r.ResponseBody, 2<<10))
		}
		if len(vals) > 0 {
			_, err := tx.ExecContext(ctx, s.q("INSERT INTO delivery_attempts (id, delivery_id, status_code, error, latency_ms, created_at, request_body, response_body) VALUES "+
				strings.Join(vals, ", ")), ins...)
			if err != nil {
				return nil, err
			}
		}
	}
	return applied, nil
}

// disableWebhook turns an active endpoint off and returns the event that
// says so, or nil when it was off already.
func (s *Store) disableWebhook(ctx context.Context, tx *sql.Tx, id, reason string) (*gateway.Event, error) {
	query := "UPDATE webhooks SET active = ?, disabled_reason = ?, updated_at = ? WHERE id = ? AND active = ?" +
		" RETURNING user_id, session_id, url, failing_since"
	args := []any{false, reason, micros(now()), id, true}
	var (
		userID, url string
		session     sql.NullString
		since       sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, s.q(query), args...).Scan(&userID, &session, &url, &since)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.log.Warn("webhook disabled", "webhook_id", id, "reason", reason)
	return gateway.NewEvent(userID, session.String, gateway.EventWebhookDisabled, gateway.WebhookDisabledData{
		WebhookID: id, URL: url, Reason: reason, FailingSince: fromNullMicros(since),
	}), nil
}

// ReleaseDelivery gives a claimed delivery back without an attempt, due at next.
func (s *Store) ReleaseDelivery(ctx context.Context, id string, lease, next time.Time) error {
	_, err := s.writer.ExecContext(ctx, s.q("UPDATE deliveries SET locked_until = 0, next_attempt_at = ? WHERE id = ? AND locked_until = ?"),
		micros(next), id, micros(lease))
	return s.fail(err, "release delivery", "Delivery", "")
}

// ListDeliveries lists a webhook's deliveries, newest first, with the total count.
func (s *Store) ListDeliveries(ctx context.Context, userID, webhookID string, f gateway.DeliveryFilter, p gateway.Page) ([]*gateway.Delivery, int, error) {
	if !isUUID(webhookID) {
		return nil, 0, nil
	}
	where := "user_id = ? AND webhook_id = ?"
	args := []any{userID, webhookID}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, string(f.Status))
	}
	if !f.Since.IsZero() {
		where += " AND created_at >= ?"
		args = append(args, micros(f.Since))
	}
	list, total, err := listPage(ctx, s, deliveryCols, "deliveries", where, args, "created_at DESC, id DESC", p,
		func(sc scanner, extra ...any) (*gateway.Delivery, error) {
			var d deliveryRow
			if err := sc.Scan(append(d.dest(), extra...)...); err != nil {
				return nil, err
			}
			return d.delivery(), nil
		})
	return list, total, s.fail(err, "list deliveries", "Delivery", "")
}

// DeliveryByID returns one delivery of a tenant's webhook; CodeNotFound when absent.
func (s *Store) DeliveryByID(ctx context.Context, userID, webhookID, id string) (*gateway.Delivery, error) {
	var d deliveryRow
	err := s.reader.QueryRowContext(ctx, s.q("SELECT "+deliveryCols+" FROM deliveries WHERE id = ? AND webhook_id = ? AND user_id = ?"),
		id, webhookID, userID).Scan(d.dest()...)
	if err != nil {
		return nil, s.fail(err, "delivery by id", "Delivery", "")
	}
	return d.delivery(), nil
}

// DeliveryAttempts lists a tenant's delivery's attempts, oldest first.
func (s *Store) DeliveryAttempts(ctx context.Context, userID, deliveryID string) ([]*gateway.DeliveryAttempt, error) {
	if !isUUID(deliveryID) {
		return nil, nil
	}
	list, err := queryAll(ctx, s, `SELECT a.id, a.delivery_id, a.status_code, a.error, a.latency_ms, a.created_at, a.request_body, a.response_body
		FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
		WHERE a.delivery_id = ? AND d.user_id = ? ORDER BY a.created_at, a.id`, []any{deliveryID, userID},
		func(sc scanner) (*gateway.DeliveryAttempt, error) {
			var (
				a       gateway.DeliveryAttempt
				created int64
			)
			if err := sc.Scan(&a.ID, &a.DeliveryID, &a.StatusCode, &a.Error, &a.LatencyMS, &created, &a.RequestBody, &a.ResponseBody); err != nil {
				return nil, err
			}
			a.CreatedAt = fromMicros(created)
			return &a, nil
		})
	return list, s.fail(err, "delivery attempts", "Delivery", "")
}

// RetryDeliveries makes deliveries of a tenant's webhook due at now with a
// fresh schedule: the one named by id (any state), or else every failed or
// abandoned one created at or after since. It returns how many.
func (s *Store) RetryDeliveries(ctx context.Context, userID, webhookID, id string, since, now time.Time) (int, error) {
	if !isUUID(webhookID) || (id != "" && !isUUID(id)) {
		return 0, nil
	}
	query := "UPDATE deliveries SET status = ?, attempts = 0, next_attempt_at = ?, updated_at = ? WHERE user_id = ? AND webhook_id = ?"
	args := []any{string(gateway.DeliveryPending), micros(now), micros(now), userID, webhookID}
	if id != "" {
		query += " AND id = ?"
		args = append(args, id)
	} else {
		query += " AND status IN ('failed', 'abandoned') AND created_at >= ?"
		args = append(args, sinceMicros(since))
	}
	res, err := s.writer.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return 0, s.fail(err, "retry deliveries", "Delivery", "")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(err, "retry deliveries", "Delivery", "")
	}
	if n > 0 {
		s.commits.notify(Committed{Deliveries: int(n)})
	}
	return int(n), nil
}

// notify tells the hook about a write outside inTx.
func (h *commitHooks) notify(c Committed) {
	if fn := h.fn.Load(); fn != nil {
		(*fn)(c)
	}
}

// CreateTestDelivery stores e (a webhook.test event) and one delivery of
// it to w, in one transaction.
func (s *Store) CreateTestDelivery(ctx context.Context, w *gateway.Webhook, e *gateway.Event) (*gateway.Delivery, error) {
	e.Type = gateway.EventWebhookTest
	if err := prepareEvents(w.UserID, []*gateway.Event{e}); err != nil {
		return nil, err
	}
	t := now()
	d := &gateway.Delivery{ID: gateway.NewRowID(), WebhookID: w.ID, EventID: e.ID, EventType: e.Type, UserID: w.UserID,
		Status: gateway.DeliveryPending, NextAttemptAt: &t, CreatedAt: t, UpdatedAt: t}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertEvents(ctx, tx, []*gateway.Event{e}); err != nil {
			return err
		}
		st, err := s.writeStmt(ctx, tx, insertDelivery)
		if err == nil {
			_, err = st.ExecContext(ctx, d.ID, d.WebhookID, d.EventID, d.EventType, d.UserID, string(d.Status),
				micros(t), micros(t), micros(t))
		}
		if err != nil {
			return err
		}
		s.commits.record(tx, nil, 1)
		return nil
	})
	if err != nil {
		return nil, s.fail(err, "create test delivery", "Webhook", "")
	}
	return d, nil
}

// LastEventSeq returns the sequence number of a tenant's latest event (0 when none).
func (s *Store) LastEventSeq(ctx context.Context, userID string) (int64, error) {
	var seq int64
	err := s.reader.QueryRowContext(ctx, s.q("SELECT COALESCE(MAX(seq), 0) FROM events WHERE user_id = ?"), userID).Scan(&seq)
	return seq, s.fail(err, "last event seq", "Tenant", "")
}

// CountDeliveries counts a tenant's deliveries by status created at or after since.
func (s *Store) CountDeliveries(ctx context.Context, userID string, since time.Time) (map[gateway.DeliveryStatus]int, error) {
	m := map[gateway.DeliveryStatus]int{}
	err := s.eachRow(ctx, "SELECT status, COUNT(*) FROM deliveries WHERE user_id = ? AND created_at >= ? GROUP BY status",
		[]any{userID, sinceMicros(since)}, func(sc scanner) error {
			var (
				status string
				n      int
			)
			err := sc.Scan(&status, &n)
			m[gateway.DeliveryStatus(status)] = n
			return err
		})
	if err != nil {
		return nil, s.fail(err, "count deliveries", "Delivery", "")
	}
	return m, nil
}

// DeliveryStatsByWebhook counts a tenant's deliveries since a time by
// endpoint and status, ordered by endpoint id.
func (s *Store) DeliveryStatsByWebhook(ctx context.Context, userID string, since time.Time) ([]gateway.DeliveryStats, error) {
	var out []gateway.DeliveryStats
	err := s.eachRow(ctx, "SELECT webhook_id, status, COUNT(*) FROM deliveries WHERE user_id = ? AND created_at >= ?"+
		" GROUP BY webhook_id, status ORDER BY webhook_id", []any{userID, sinceMicros(since)}, func(sc scanner) error {
		var (
			id, status string
			n          int
		)
		if err := sc.Scan(&id, &status, &n); err != nil {
			return err
		}
		if len(out) == 0 || out[len(out)-1].WebhookID != id {
			out = append(out, gateway.DeliveryStats{WebhookID: id})
		}
		st := &out[len(out)-1]
		switch gateway.DeliveryStatus(status) {
		case gateway.DeliverySucceeded:
			st.Succeeded += n
		case gateway.DeliveryFailed:
			st.Failed += n
		case gateway.DeliveryAbandoned:
			st.Abandoned += n
		default:
			st.Pending += n
		}
		st.Total += n
		return nil
	})
	if err != nil {
		return nil, s.fail(err, "delivery stats", "Delivery", "")
	}
	for i := range out {
		if settled := out[i].Succeeded + out[i].Failed + out[i].Abandoned; settled > 0 {
			rate := float64(out[i].Succeeded) / float64(settled)
			out[i].SuccessRate = &rate
		}
	}
	return out, nil
}

// deliveryRow is a deliveries row as scanned.
type deliveryRow struct {
	d                        gateway.Delivery
	status                   string
	next, delivered          sql.NullInt64
	locked, created, updated int64
}

func (r *deliveryRow) dest() []any {
	return []any{&r.d.ID, &r.d.WebhookID, &r.d.EventID, &r.d.EventType, &r.d.UserID, &r.status, &r.d.Attempts,
		&r.next, &r.locked, &r.d.LastStatusCode, &r.d.LastError, &r.d.LastLatencyMS, &r.created, &r.updated, &r.delivered}
}

func (r *deliveryRow) delivery() *gateway.Delivery {
	d := r.d
	d.Status = gateway.DeliveryStatus(r.status)
	d.NextAttemptAt = fromNullMicros(r.next)
	if d.Status == gateway.DeliverySucceeded || d.Status == gateway.DeliveryAbandoned {
		d.NextAttemptAt = nil
	}
	if r.locked > 0 {
		d.LockedUntil = fromMicros(r.locked)
	}
	d.CreatedAt, d.UpdatedAt = fromMicros(r.created), fromMicros(r.updated)
	d.DeliveredAt = fromNullMicros(r.delivered)
	return &d
}

// eventRow is an events row as scanned (eventCols).
type eventRow struct {
	e       gateway.Event
	session sql.NullString
	data    string
	created int64
}

func (r *eventRow) dest() []any {
	return []any{&r.e.Seq, &r.e.ID, &r.e.UserID, &r.session, &r.e.Type, &r.data, &r.created, &r.e.RequestID}
}

func (r *eventRow) event() *gateway.Event {
	e := r.e
	e.SessionID = r.session.String
	e.Data = []byte(r.data)
	e.Timestamp = fromMicros(r.created)
	return &e
}

// webhookRow is a webhooks row as scanned (webhookCols).
type webhookRow struct {
	w                    gateway.Webhook
	session              sql.NullString
	events, headers      string
	prevExpires, failing sql.NullInt64
	created, updated     int64
}

func (r *webhookRow) dest() []any {
	return []any{&r.w.ID, &r.w.UserID, &r.session, &r.w.URL, &r.events, &r.headers, &r.w.Active, &r.w.Secret,
		&r.w.PreviousSecret, &r.prevExpires, &r.failing, &r.w.DisabledReason, &r.created, &r.updated}
}

func (r *webhookRow) webhook() (*gateway.Webhook, error) {
	w := r.w
	if err := unmarshal(r.events, &w.Events); err != nil {
		return nil, err
	}
	if err := unmarshal(r.headers, &w.Headers); err != nil {
		return nil, err
	}
	w.SessionID = r.session.String
	w.PreviousSecretExpiresAt = fromNullMicros(r.prevExpires)
	w.FailingSince = fromNullMicros(r.failing)
	w.CreatedAt, w.UpdatedAt = fromMicros(r.created), fromMicros(r.updated)
	return &w, nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
