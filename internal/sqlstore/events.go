package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const eventCols = "seq, id, user_id, session_id, type, data, created_at, request_id"

const insertEvent = `INSERT INTO events (id, user_id, session_id, type, data, created_at, request_id)
	VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`

// insertEventsJSON is insertEventsAtOnce's statement on SQLite: the rows,
// each [id, user_id, session_id, type, data, created_at, request_id], are
// one JSON array, inserted in its order.
const insertEventsJSON = `INSERT INTO events (id, user_id, session_id, type, data, created_at, request_id)
	SELECT value ->> 0, value ->> 1, NULLIF(value ->> 2, ''), value ->> 3, value ->> 4, value ->> 5, value ->> 6
	FROM jsonb_each(?) ORDER BY key
	RETURNING id, seq`

// prepareEvents fills the events' ID, Timestamp and (when empty) UserID, and
// checks their data is JSON, before a transaction starts.
func prepareEvents(userID string, events []*gateway.Event) error {
	for _, e := range events {
		if e == nil {
			continue
		}
		e.ID = newRowID(e.ID)
		e.Timestamp = stamp(e.Timestamp)
		if e.UserID == "" {
			e.UserID = userID
		}
		if len(e.Data) == 0 {
			e.Data = json.RawMessage("null")
		}
		if !json.Valid(e.Data) {
			return gateway.Errorf(gateway.CodeInvalid, "The data of a %s event is not valid JSON.", e.Type)
		}
	}
	return nil
}

// insertEvents writes prepared events in tx, fills their Seq (and their
// RequestID from ctx when empty), and fans them out to the matching
// webhooks' deliveries in the same transaction.
// insertNewEvents prepares events made inside a transaction (ids, time,
// the tenant userID when they name none) and stores them in tx.
func (s *Store) insertNewEvents(ctx context.Context, tx *sql.Tx, userID string, events []*gateway.Event) error {
	if err := prepareEvents(userID, events); err != nil {
		return err
	}
	return s.insertEvents(ctx, tx, events)
}

func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, events []*gateway.Event) error {
	for _, e := range events {
		if e != nil && e.RequestID == "" {
			e.RequestID = gateway.RequestID(ctx)
		}
	}
	oneByOne := events
	if len(events) > 1 {
		if err := s.insertEventsAtOnce(ctx, tx, events); err != nil {
			return s.fail(err, "insert event", "Tenant", "This event is already stored.")
		}
		oneByOne = nil // inserted: only the fan-out below is left
	}
	for _, e := range oneByOne {
		if e == nil {
			continue
		}
		st, err := s.writeStmt(ctx, tx, insertEvent)
		if err == nil {
			err = st.QueryRowContext(ctx, e.ID, e.UserID, nullString(e.SessionID), e.Type, string(e.Data),
				micros(e.Timestamp), e.RequestID).Scan(&e.Seq)
		}
		if err != nil {
			return s.fail(err, "insert event", "Tenant", "This event is already stored.")
		}
	}
	n, err := s.fanOut(ctx, tx, events)
	if err != nil {
		return s.fail(err, "fan out event", "Tenant", "")
	}
	s.commits.record(tx, events, n)
	return nil
}

// insertEventsAtOnce writes events in one INSERT … SELECT, in their order
// (seq follows it), and fills their Seq: a status batch's events cost one
// statement, where one INSERT each cost a round trip per event on
// PostgreSQL and, on SQLite's single writer, the per-statement work of
// each. PostgreSQL reads the rows from unnest(…) of one array per column,
// SQLite from jsonb_each(?) of one array of rows (insertEventsJSON, a
// statement compiled once).
func (s *Store) insertEventsAtOnce(ctx context.Context, tx *sql.Tx, events []*gateway.Event) error {
	live := make([]*gateway.Event, 0, len(events))
	for _, e := range events {
		if e != nil {
			live = append(live, e)
		}
	}
	if len(live) == 0 {
		return nil
	}
	var (
		rows *sql.Rows
		err  error
	)
	if s.dialect.Name == "postgres" {
		var ids, users, sessions, types, data, requests []string
		var times []int64
		for _, e := range live {
			ids, users, sessions = append(ids, e.ID), append(users, e.UserID), append(sessions, e.SessionID)
			types, data, requests = append(types, e.Type), append(data, string(e.Data)), append(requests, e.RequestID)
			times = append(times, micros(e.Timestamp))
		}
		rows, err = tx.QueryContext(ctx, `INSERT INTO events (id, user_id, session_id, type, data, created_at, request_id)
		SELECT id::uuid, user_id::uuid, NULLIF(session_id, '')::uuid, type, data::jsonb, created_at, request_id
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
			WITH ORDINALITY AS v(id, user_id, session_id, type, data, created_at, request_id, ord)
		ORDER BY ord
		RETURNING id::text, seq`, ids, users, sessions, types, data, times, requests)
	} else {
		all := make([][]any, len(live))
		for i, e := range live {
			all[i] = []any{e.ID, e.UserID, e.SessionID, e.Type, string(e.Data), micros(e.Timestamp), e.RequestID}
		}
		var raw string
		if raw, err = jsonRows(all); err != nil {
			return err
		}
		var st *sql.Stmt
		if st, err = s.writeStmt(ctx, tx, insertEventsJSON); err == nil {
			rows, err = st.QueryContext(ctx, raw)
		}
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	seqs := make(map[string]int64, len(live))
	for rows.Next() {
		var (
			id  string
			seq int64
		)
		if err := rows.Scan(&id, &seq); err != nil {
			return err
		}
		seqs[id] = seq
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range live {
		if e.Seq = seqs[e.ID]; e.Seq == 0 {
			return fmt.Errorf("insert events: no seq returned for event %s", e.ID)
		}
	}
	return nil
}

// ListEvents returns a tenant's events after f.AfterSeq, oldest first, of one
// session when f.SessionID is set and of the types f.Types subscribes to (see
// gateway.Matches); no types is "*", every type but the opt-in ones. At most f.Limit events (100 when zero).
func (s *Store) ListEvents(ctx context.Context, userID string, f gateway.EventFilter) ([]*gateway.Event, error) {
	where := []string{"user_id = ?", "seq > ?"}
	args := []any{userID, f.AfterSeq}
	if f.SessionID != "" {
		if !isUUID(f.SessionID) {
			return nil, nil
		}
		where = append(where, "session_id = ?")
		args = append(args, f.SessionID)
	}
	subs := f.Types
	if len(subs) == 0 {
		subs = []string{gateway.EventAll} // everything but the opt-in types
	}
	var types, excluded []string
	for _, t := range gateway.EventTypes {
		if gateway.Matches(subs, t) {
			types = append(types, t)
		} else {
			excluded = append(excluded, t)
		}
	}
	switch {
	case len(types) == 0:
		return nil, nil
	case len(excluded) == 0:
	case slices.Contains(subs, gateway.EventAll):
		// "*" leaves out only opt-in types; types outside the list
		// (webhook.test) still pass.
		where = append(where, "type NOT IN ("+placeholders(len(excluded))+")")
		for _, t := range excluded {
			args = append(args, t)
		}
	default:
		where = append(where, "type IN ("+placeholders(len(types))+")")
		for _, t := range types {
			args = append(args, t)
		}
	}
	args = append(args, gateway.BatchLimit(f.Limit))
	list, err := queryAll(ctx, s, "SELECT "+eventCols+" FROM events WHERE "+
		strings.Join(where, " AND ")+" ORDER BY seq LIMIT ?", args, scanEvent)
	return list, s.fail(err, "list events", "Tenant", "")
}

// CountEvents counts a tenant's events created at or after since (all when zero).
func (s *Store) CountEvents(ctx context.Context, userID string, since time.Time) (int, error) {
	n, err := s.count(ctx, "SELECT COUNT(*) FROM events WHERE user_id = ? AND created_at >= ?", userID, sinceMicros(since))
	return n, s.fail(err, "count events", "Tenant", "")
}

// PurgeEvents deletes at most limit events created before t, oldest first,
// that no delivery still owes; their deliveries and attempts go with them
// (ON DELETE CASCADE). Batches keep each write transaction short.
func (s *Store) PurgeEvents(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.writer.ExecContext(ctx, s.q(`DELETE FROM events WHERE seq IN (
		SELECT e.seq FROM events e WHERE e.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status IN (?, ?))
		ORDER BY e.seq LIMIT ?)`), micros(before), string(gateway.DeliveryPending), string(gateway.DeliveryFailed), limit)
	if err != nil {
		return 0, s.fail(err, "purge events", "Event", "")
	}
	n, err := res.RowsAffected()
	return int(n), s.fail(err, "purge events", "Event", "")
}

func scanEvent(sc scanner) (*gateway.Event, error) {
	var r eventRow
	if err := sc.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.event(), nil
}
