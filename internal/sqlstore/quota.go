package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// metricMessages names the counter of outbound messages accepted in a period.
const metricMessages = "messages"

// CreateMessagesWithinQuota stores a batch of one tenant's outbound
// messages of one period in one transaction, as many as the counter leaves
// room for, in order. The counter row is locked first (FOR UPDATE on
// PostgreSQL; SQLite's single writer already serialises), so the room it
// reads holds until commit: a batch never overshoots, and one commit
// carries many sends, which is what lifts a tenant's send rate above one
// commit per send.
func (s *Store) CreateMessagesWithinQuota(ctx context.Context, ms []*gateway.Message, period string, periodStart, periodEnd time.Time,
	limit int64) (int64, int, error) {
	if len(ms) == 0 {
		return 0, 0, nil
	}
	userID := ms[0].UserID
	args := make([][]any, len(ms))
	for i, m := range ms {
		if m.Direction != gateway.DirectionOutbound || m.UserID != userID {
			return 0, 0, gateway.ValidationError(map[string]string{"messages": "A batch holds outbound messages of one tenant."})
		}
		a, err := messageArgs(m)
		if err != nil {
			return 0, 0, err
		}
		args[i] = a
	}
	if !isUUID(userID) {
		return 0, 0, gateway.NotFound("Session")
	}
	if limit < 0 {
		limit = 1<<62 - 1
	}
	lock := "SELECT used FROM usage_counters WHERE user_id = ? AND period = ? AND metric = ?"
	if s.dialect.Name == "postgres" {
		lock += " FOR UPDATE"
	}
	if err := s.prepareWrites(ctx, createCounter, lock, addToCounter); err != nil {
		return 0, 0, s.fail(err, "create messages within quota", "Session", "")
	}
	// SQLite's rows are encoded before the single writer is taken, not
	// while every other write waits; a batch the quota cuts short is
	// encoded again, shorter, inside.
	var encoded string
	if len(args) > 1 && s.dialect.Name != "postgres" {
		var err error
		if encoded, err = jsonRows(args); err != nil {
			return 0, 0, err
		}
	}
	var before int64
	stored := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The counter row is read (and locked) first and created only when
		// missing: its creation counts the period's stored messages, a
		// scan that grows with them, so running it on every batch (where
		// ON CONFLICT DO NOTHING discards the count after computing it)
		// cost each send more the more the tenant had sent.
		row, err := s.queryRowTx(ctx, tx, lock, userID, period, metricMessages)
		if err != nil {
			return err
		}
		err = row.Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			if err := s.initCounter(ctx, tx, userID, period, periodStart, periodEnd); err != nil {
				return err
			}
			if row, err = s.queryRowTx(ctx, tx, lock, userID, period, metricMessages); err != nil {
				return err
			}
			err = row.Scan(&before)
		}
		if err != nil {
			return err
		}
		room := limit - before
		if room <= 0 {
			return nil
		}
		n := min(int64(len(ms)), room)
		if int(n) < len(args) {
			encoded = ""
		}
		if err := s.insertMessages(ctx, tx, args[:n], encoded); err != nil {
			return s.fail(err, "create message", "Session", "This message is already stored.")
		}
		if err := s.execTx(ctx, tx, addToCounter, n, userID, period, metricMessages); err != nil {
			return err
		}
		stored = int(n)
		return nil
	})
	if err != nil {
		return 0, 0, s.fail(err, "create messages within quota", "Session", "")
	}
	return before, stored, nil
}

// insertMessages stores the rows of args (messageArgs) in tx. On
// PostgreSQL they go in multi-row INSERTs (rowsPerInsert at a time): one
// round trip for a group commit's messages where one INSERT each cost one
// per message. On SQLite they go as one JSON array through
// insertMessagesJSON, a statement compiled once: binding 28 arguments a
// row and running a statement each cost more of the single writer's time
// than the rows themselves. encoded is jsonRows(args) when the caller has
// it already ("": encoded here).
func (s *Store) insertMessages(ctx context.Context, tx *sql.Tx, args [][]any, encoded string) error {
	if len(args) > 1 && s.dialect.Name == "postgres" {
		for len(args) > 0 {
			rows := args[:min(len(args), rowsPerInsert)]
			args = args[len(rows):]
			all := make([]any, 0, len(rows)*len(rows[0]))
			for _, a := range rows {
				all = append(all, a...)
			}
			q := s.q("INSERT INTO messages (" + messageCols + ") VALUES " + rowValues(len(rows[0]), len(rows)))
			if _, err := tx.ExecContext(ctx, q, all...); err != nil {
				return err
			}
		}
		return nil
	}
	if len(args) > 1 {
		if encoded == "" {
			var err error
			if encoded, err = jsonRows(args); err != nil {
				return err
			}
		}
		return s.execTx(ctx, tx, insertMessagesJSON, encoded)
	}
	st, err := s.writeStmt(ctx, tx, insertMessage)
	if err != nil {
		return err
	}
	for _, a := range args {
		if _, err := st.ExecContext(ctx, a...); err != nil {
			return err
		}
	}
	return nil
}

// insertMessagesJSON is insertMessages' statement on SQLite: the rows of
// messageArgs as one JSON array (jsonRows), inserted in its order; the
// BLOB columns travel as hex.
var insertMessagesJSON = func() string {
	cols := splitCols(messageCols)
	vals := make([]string, len(cols))
	for i, c := range cols {
		vals[i] = "value ->> " + strconv.Itoa(i)
		if c = strings.TrimSpace(c); c == "secret" || c == "media_ref" {
			vals[i] = "unhex(" + vals[i] + ")"
		}
	}
	return "INSERT INTO messages (" + messageCols + ") SELECT " + strings.Join(vals, ", ") + " FROM jsonb_each(?) ORDER BY key"
}()

// initCounter creates the tenant's counter of period, when missing, from
// the period's stored outbound messages: the counter is derived from the
// facts and can be rebuilt by deleting its row.
func (s *Store) initCounter(ctx context.Context, tx *sql.Tx, userID, period string, periodStart, periodEnd time.Time) error {
	return s.execTx(ctx, tx, createCounter, period, metricMessages, micros(periodStart), micros(periodEnd), userID)
}

// createCounter and addToCounter are the counter's writes of a batch.
const (
	createCounter = `INSERT INTO usage_counters (user_id, period, metric, used)
		SELECT u.id, ?, ?, (SELECT COUNT(*) FROM messages WHERE user_id = u.id AND direction = 'outbound'
			AND created_at >= ? AND created_at < ? AND NOT history) FROM users u WHERE u.id = ?
		ON CONFLICT (user_id, period, metric) DO NOTHING`
	addToCounter = "UPDATE usage_counters SET used = used + ? WHERE user_id = ? AND period = ? AND metric = ?"
)

// MessageCounter returns the tenant's message counter of a period (0 when never used).
func (s *Store) MessageCounter(ctx context.Context, userID, period string) (int64, error) {
	if !isUUID(userID) {
		return 0, nil
	}
	var n int64
	err := s.reader.QueryRowContext(ctx, s.q("SELECT used FROM usage_counters WHERE user_id = ? AND period = ? AND metric = ?"),
		userID, period, metricMessages).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, s.fail(err, "message counter", "User", "")
}

// RecordThreshold records a crossed usage threshold and writes its event in
// one transaction, once per tenant, period, metric and threshold.
func (s *Store) RecordThreshold(ctx context.Context, userID, period, metric string, threshold int, event *gateway.Event) (bool, error) {
	if !isUUID(userID) {
		return false, gateway.NotFound("User")
	}
	var events []*gateway.Event
	if event != nil {
		events = []*gateway.Event{event}
	}
	if err := prepareEvents(userID, events); err != nil {
		return false, err
	}
	inserted := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ok, err := changed(tx.ExecContext(ctx, s.q(`INSERT INTO usage_thresholds (user_id, period, metric, threshold, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, period, metric, threshold) DO NOTHING`),
			userID, period, metric, threshold, micros(now())))
		if err != nil || !ok {
			return err
		}
		inserted = true
		return s.insertEvents(ctx, tx, events)
	})
	if err != nil {
		return false, s.fail(err, "record threshold", "User", "")
	}
	return inserted, nil
}
