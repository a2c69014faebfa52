package sqlstore

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const dayMicros = int64(24 * time.Hour / time.Microsecond)

// mediaSizeExpr is the media size stored in a message's payload, 0 when none.
func (s *Store) mediaSizeExpr() string {
	if s.dialect.Name == "postgres" {
		return "COALESCE((payload->'media'->>'size')::BIGINT, 0)"
	}
	return "COALESCE(json_extract(payload, '$.media.size'), 0)"
}

// UsageDays meters a tenant's usage per UTC day of [from, to) from the
// stored facts: messages (by creation day), instances (running time split
// across days; an instance started again keeps only its last run) and
// webhook deliveries (by creation day).
func (s *Store) UsageDays(ctx context.Context, userID string, from, to time.Time) ([]gateway.UsageDay, error) {
	if !isUUID(userID) {
		return nil, nil
	}
	days := map[int64]*gateway.UsageDay{}
	day := func(d int64) *gateway.UsageDay {
		u := days[d]
		if u == nil {
			u = &gateway.UsageDay{Day: fromMicros(d * dayMicros)}
			days[d] = u
		}
		return u
	}
	fromUS, toUS := micros(from), micros(to)
	err := s.eachRow(ctx, `SELECT created_at / `+strconv.FormatInt(dayMicros, 10)+` AS d,
		COALESCE(SUM(CASE WHEN direction = 'outbound' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'outbound' AND status IN ('sent', 'delivered', 'read', 'played') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'outbound' AND status IN ('delivered', 'read', 'played') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'outbound' AND status = 'failed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END), 0),
		CAST(COALESCE(SUM(`+s.mediaSizeExpr()+`), 0) AS BIGINT)
		FROM messages WHERE user_id = ? AND created_at >= ? AND created_at < ? AND NOT history GROUP BY d`, []any{userID, fromUS, toUS},
		func(sc scanner) error {
			var d int64
			var u gateway.UsageDay
			if err := sc.Scan(&d, &u.MessagesAccepted, &u.MessagesSent, &u.MessagesDeliver, &u.MessagesFailed, &u.MessagesReceived, &u.MediaBytes); err != nil {
				return err
			}
			u.Day = day(d).Day
			*day(d) = u
			return nil
		})
	if err != nil {
		return nil, s.fail(err, "usage days", "User", "")
	}

	// Session time: each instance's last run, clipped to [from, to).
	nowUS := micros(now())
	err = s.eachRow(ctx, `SELECT started_at, stopped_at, status FROM instances
		WHERE user_id = ? AND started_at IS NOT NULL AND started_at < ?`, []any{userID, toUS}, func(sc scanner) error {
		var (
			start  int64
			stop   *int64
			status string
		)
		if err := sc.Scan(&start, &stop, &status); err != nil {
			return err
		}
		end := nowUS
		if !gateway.InstanceStatus(status).Live() {
			if stop == nil || *stop <= start {
				return nil
			}
			end = *stop
		}
		start, end = max(start, fromUS), min(end, toUS)
		for start < end {
			d := start / dayMicros
			next := min((d+1)*dayMicros, end)
			day(d).SessionSeconds += (next - start) / int64(time.Second/time.Microsecond)
			start = next
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(err, "usage days", "User", "")
	}

	// Webhook deliveries (issue 5's outbox).
	err = s.eachRow(ctx, `SELECT created_at / `+strconv.FormatInt(dayMicros, 10)+` AS d, COUNT(*),
		COALESCE(SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), 0)
		FROM deliveries WHERE user_id = ? AND created_at >= ? AND created_at < ? GROUP BY d`, []any{userID, fromUS, toUS},
		func(sc scanner) error {
			var d, n, ok int64
			if err := sc.Scan(&d, &n, &ok); err != nil {
				return err
			}
			day(d).WebhookAttempted, day(d).WebhookSucceeded = n, ok
			return nil
		})
	if err != nil {
		return nil, s.fail(err, "usage days", "User", "")
	}

	out := make([]gateway.UsageDay, 0, len(days))
	for _, u := range days {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out, nil
}

const hourMicros = int64(time.Hour / time.Microsecond)

// MessageSeries counts a tenant's messages per bucket, direction and
// status. Buckets of whole hours over an hour-aligned range read the
// message_hourly rollup (kept exact by triggers on messages, see migration
// 0003); anything finer reads the messages.
func (s *Store) MessageSeries(ctx context.Context, userID string, f gateway.SeriesFilter) ([]gateway.SeriesRow, error) {
	if !isUUID(userID) || (f.SessionID != "" && !isUUID(f.SessionID)) {
		return nil, nil
	}
	bucket := int64(f.Bucket / time.Microsecond)
	if bucket <= 0 {
		bucket = dayMicros
	}
	var (
		query string
		args  []any
	)
	from, to := micros(f.From), micros(f.To)
	if bucket%hourMicros == 0 && from%hourMicros == 0 && to%hourMicros == 0 {
		where := "user_id = ? AND hour >= ? AND hour < ?"
		args = []any{userID, from / hourMicros, to / hourMicros}
		if f.SessionID != "" {
			where += " AND session_id = ?"
			args = append(args, f.SessionID)
		}
		query = `SELECT hour / ` + strconv.FormatInt(bucket/hourMicros, 10) + ` AS b, direction, status, SUM(n)
			FROM message_hourly WHERE ` + where + ` GROUP BY b, direction, status HAVING SUM(n) > 0 ORDER BY b`
	} else {
		var where string
		where, args = seriesWhere(userID, f)
		query = `SELECT created_at / ` + strconv.FormatInt(bucket, 10) + ` AS b, direction, status, COUNT(*)
			FROM messages WHERE ` + where + ` GROUP BY b, direction, status ORDER BY b`
	}
	out, err := queryAll(ctx, s, query, args, func(sc scanner) (gateway.SeriesRow, error) {
		var (
			r      gateway.SeriesRow
			b      int64
			status string
		)
		err := sc.Scan(&b, &r.Direction, &status, &r.Count)
		r.Bucket, r.Status = fromMicros(b*bucket), gateway.MessageStatus(status)
		return r, err
	})
	return out, s.fail(err, "message series", "User", "")
}

func seriesWhere(userID string, f gateway.SeriesFilter) (string, []any) {
	if f.SessionID != "" {
		// The session index starts with session_id; user_id still guards the tenant.
		return "session_id = ? AND created_at >= ? AND created_at < ? AND user_id = ? AND NOT history",
			[]any{f.SessionID, micros(f.From), micros(f.To), userID}
	}
	return "user_id = ? AND created_at >= ? AND created_at < ? AND NOT history", []any{userID, micros(f.From), micros(f.To)}
}

// latencyBucketExpr maps a latency in microseconds (d) to the upper bound,
// in milliseconds, of its histogram bucket: 10 ms steps below 1 s, 100 ms
// below 10 s, 1 s below 2 min, 10 s below 1 h, 1 min beyond. Integer
// arithmetic only, so one SQL text serves both databases. The triggers of
// migration 0003 compute the same buckets: change both together.
const latencyBucketExpr = `CASE
	WHEN d < 1000000 THEN (d / 10000 + 1) * 10
	WHEN d < 10000000 THEN (d / 100000 + 1) * 100
	WHEN d < 120000000 THEN (d / 1000000 + 1) * 1000
	WHEN d < 3600000000 THEN (d / 10000000 + 1) * 10000
	ELSE (d / 60000000 + 1) * 60000 END`

// DeliveryLatency returns a histogram of delivered_at - sent_at of the
// tenant's outbound messages created in [f.From, f.To), in ascending bucket
// order. A day-aligned range reads the message_latency_daily rollup; any
// other reads the messages.
func (s *Store) DeliveryLatency(ctx context.Context, userID string, f gateway.SeriesFilter) ([]gateway.LatencyBucket, error) {
	if !isUUID(userID) || (f.SessionID != "" && !isUUID(f.SessionID)) {
		return nil, nil
	}
	var (
		query string
		args  []any
	)
	from, to := micros(f.From), micros(f.To)
	if from%dayMicros == 0 && to%dayMicros == 0 {
		where := "user_id = ? AND day >= ? AND day < ?"
		args = []any{userID, from / dayMicros, to / dayMicros}
		if f.SessionID != "" {
			where += " AND session_id = ?"
			args = append(args, f.SessionID)
		}
		query = `SELECT bucket_ms, SUM(n) FROM message_latency_daily WHERE ` + where +
			` GROUP BY bucket_ms HAVING SUM(n) > 0 ORDER BY bucket_ms`
	} else {
		var where string
		where, args = seriesWhere(userID, f)
		query = `SELECT ` + latencyBucketExpr + ` AS ub, COUNT(*) FROM (
			SELECT CASE WHEN delivered_at > sent_at THEN delivered_at - sent_at ELSE 0 END AS d FROM messages
			WHERE ` + where + ` AND direction = 'outbound' AND sent_at IS NOT NULL AND delivered_at IS NOT NULL) x
			GROUP BY ub ORDER BY ub`
	}
	out, err := queryAll(ctx, s, query, args, func(sc scanner) (gateway.LatencyBucket, error) {
		var b gateway.LatencyBucket
		err := sc.Scan(&b.UpperMillis, &b.Count)
		return b, err
	})
	return out, s.fail(err, "delivery latency", "User", "")
}

// GlobalStats computes the installation's numbers for admins.
func (s *Store) GlobalStats(ctx context.Context, day, month time.Time) (*gateway.GlobalStats, error) {
	g := &gateway.GlobalStats{Users: map[string]int{}, UsersByPlan: map[string]int{}, SessionsByStatus: map[string]int{}, ComputedAt: now()}
	fail := func(err error) (*gateway.GlobalStats, error) { return nil, s.fail(err, "global stats", "Tenant", "") }
	for _, q := range []struct {
		sql string
		m   map[string]int
	}{{"SELECT status, COUNT(*) FROM users GROUP BY status", g.Users}, {"SELECT plan_id, COUNT(*) FROM users GROUP BY plan_id", g.UsersByPlan},
		{"SELECT status, COUNT(*) FROM sessions GROUP BY status", g.SessionsByStatus}} {
		err := s.eachRow(ctx, q.sql, nil, func(sc scanner) error {
			var k string
			var n int
			err := sc.Scan(&k, &n)
			q.m[k] = n
			return err
		})
		if err != nil {
			return fail(err)
		}
	}
	var err error
	if g.Sessions, err = s.count(ctx, "SELECT COUNT(*) FROM sessions"); err != nil {
		return fail(err)
	}
	if g.LiveInstances, err = s.count(ctx, "SELECT COUNT(*) FROM instances WHERE status IN ('pending', 'starting', 'running', 'restarting')"); err != nil {
		return fail(err)
	}
	if g.MessagesAll, err = s.count(ctx, "SELECT COUNT(*) FROM messages WHERE NOT history"); err != nil {
		return fail(err)
	}
	if g.Webhooks, err = s.count(ctx, "SELECT COUNT(*) FROM webhooks"); err != nil {
		return fail(err)
	}
	if g.WebhooksFailing, err = s.count(ctx, "SELECT COUNT(*) FROM webhooks WHERE failing_since IS NOT NULL OR disabled_reason <> ''"); err != nil {
		return fail(err)
	}
	if g.ActiveAPIKeys, err = s.count(ctx, "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", micros(now())); err != nil {
		return fail(err)
	}
	if g.RegisteredLast, err = s.count(ctx, "SELECT COUNT(*) FROM users WHERE created_at >= ?", micros(now().Add(-30*24*time.Hour))); err != nil {
		return fail(err)
	}
	for _, p := range []struct {
		since time.Time
		c     *gateway.MessageCounts
	}{{day, &g.MessagesToday}, {month, &g.MessagesMonth}} {
		if *p.c, err = s.countMessagesWhere(ctx, "created_at >= ? AND NOT history", micros(p.since)); err != nil {
			return fail(err)
		}
	}
	return g, nil
}

// CreateUserToken stores a one-time token by hash.
func (s *Store) CreateUserToken(ctx context.Context, t *gateway.UserToken) error {
	if !isUUID(t.UserID) {
		return gateway.NotFound("User")
	}
	t.CreatedAt = stamp(t.CreatedAt)
	_, err := s.writer.ExecContext(ctx, s.q("INSERT INTO user_tokens (hash, user_id, purpose, expires_at, created_at) VALUES (?, ?, ?, ?, ?)"),
		t.Hash, t.UserID, t.Purpose, micros(t.ExpiresAt), micros(t.CreatedAt))
	return s.fail(err, "create user token", "User", "")
}

// ConsumeUserToken deletes and returns an unexpired token of a purpose, so
// it works once; CodeNotFound when absent, expired or used.
func (s *Store) ConsumeUserToken(ctx context.Context, hash, purpose string, at time.Time) (*gateway.UserToken, error) {
	var (
		t                gateway.UserToken
		expires, created int64
	)
	err := s.writer.QueryRowContext(ctx, s.q(`DELETE FROM user_tokens WHERE hash = ? AND purpose = ? AND expires_at > ?
		RETURNING hash, user_id, purpose, expires_at, created_at`), hash, purpose, micros(at)).
		Scan(&t.Hash, &t.UserID, &t.Purpose, &expires, &created)
	if err != nil {
		return nil, s.fail(err, "consume user token", "Token", "")
	}
	t.ExpiresAt, t.CreatedAt = fromMicros(expires), fromMicros(created)
	return &t, nil
}

// countMessagesRollup is CountMessages from an hour boundary, from the rollup.
func (s *Store) countMessagesRollup(ctx context.Context, userID string, since time.Time) (gateway.MessageCounts, error) {
	var c gateway.MessageCounts
	if !isUUID(userID) {
		return c, nil
	}
	from := int64(-1 << 62)
	if !since.IsZero() {
		from = micros(since) / hourMicros
	}
	err := s.eachRow(ctx, `SELECT direction, status, SUM(n) FROM message_hourly
		WHERE user_id = ? AND hour >= ? GROUP BY direction, status`, []any{userID, from}, func(sc scanner) error {
		var (
			dir, status string
			n           int
		)
		if err := sc.Scan(&dir, &status, &n); err != nil {
			return err
		}
		c.Total += n
		if dir == gateway.DirectionInbound {
			c.Received += n
			return nil
		}
		switch gateway.MessageStatus(status) {
		case gateway.MessageSent:
			c.Sent += n
		case gateway.MessageDelivered:
			c.Sent, c.Delivered = c.Sent+n, c.Delivered+n
		case gateway.MessageRead, gateway.MessagePlayed:
			c.Sent, c.Delivered, c.Read = c.Sent+n, c.Delivered+n, c.Read+n
		case gateway.MessageFailed:
			c.Failed += n
		case gateway.MessageQueued:
			c.Queued += n
		}
		return nil
	})
	return c, s.fail(err, "count messages", "Tenant", "")
}
