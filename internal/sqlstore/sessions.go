package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const sessionCols = `id, user_id, name, engine, status, status_reason, webhook_url, settings, phone, push_name,
	device_jid, banned_until, connected_at, created_at, updated_at, proxy`

// sessionReadCols are sessionCols and the history sync progress, which
// only StoreHistory writes.
const sessionReadCols = sessionCols + ", history_status, history_chats, history_messages, history_progress"

// CreateSession inserts s (ID and timestamps filled when empty, status
// "created" when empty) and the events in one transaction. CodeNotFound when
// the user does not exist.
func (s *Store) CreateSession(ctx context.Context, sess *gateway.Session, events ...*gateway.Event) error {
	return s.CreateSessionWithin(ctx, sess, -1, events...)
}

// countSessions counts a tenant's sessions.
const countSessions = "SELECT COUNT(*) FROM sessions WHERE user_id = ?"

// CreateSessionWithin is CreateSession capped at max sessions per tenant.
func (s *Store) CreateSessionWithin(ctx context.Context, sess *gateway.Session, max int, events ...*gateway.Event) error {
	settings, err := marshal(sess.Settings)
	if err != nil {
		return err
	}
	newRow(&sess.ID, &sess.CreatedAt, &sess.UpdatedAt)
	sess.BannedUntil, sess.ConnectedAt = stampPtr(sess.BannedUntil), stampPtr(sess.ConnectedAt)
	if sess.Status == "" {
		sess.Status = gateway.SessionCreated
	}
	return s.insertWithin(ctx, sess.UserID, countSessions, max, "INSERT INTO sessions ("+sessionCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		[]any{sess.ID, sess.UserID, sess.Name, sess.Engine, string(sess.Status), sess.StatusReason, sess.WebhookURL,
			settings, sess.Phone, sess.PushName, sess.DeviceJID, nullMicros(sess.BannedUntil),
			nullMicros(sess.ConnectedAt), micros(sess.CreatedAt), micros(sess.UpdatedAt), sess.ProxyURL},
		events, "create session", "User", "A session with this id already exists.")
}

// SessionByID returns a tenant's session; CodeNotFound when absent or another tenant's.
func (s *Store) SessionByID(ctx context.Context, userID, id string) (*gateway.Session, error) {
	return readOne(ctx, s, scanSession, "session by id", "Session",
		"SELECT "+sessionReadCols+" FROM sessions WHERE id = ? AND user_id = ?", id, userID)
}

// ListSessions lists a tenant's sessions, newest first, with the total count.
func (s *Store) ListSessions(ctx context.Context, userID string, p gateway.Page) ([]*gateway.Session, int, error) {
	list, total, err := listPage(ctx, s, sessionReadCols, "sessions", "user_id = ?", []any{userID},
		"created_at DESC, id DESC", p, scanSession)
	return list, total, s.fail(err, "list sessions", "Session", "")
}

// CountSessions counts a tenant's sessions.
func (s *Store) CountSessions(ctx context.Context, userID string) (int, error) {
	n, err := s.count(ctx, countSessions, userID)
	return n, s.fail(err, "count sessions", "Session", "")
}

// UpdateSession saves name, webhook URL, settings and proxy of s and sets its
// UpdatedAt; CodeNotFound when absent or another tenant's.
func (s *Store) UpdateSession(ctx context.Context, sess *gateway.Session) error {
	settings, err := marshal(sess.Settings)
	if err != nil {
		return err
	}
	sess.UpdatedAt = now()
	err = exactlyOne(s.writer.ExecContext(ctx, s.q(`UPDATE sessions SET name = ?, webhook_url = ?, settings = ?,
		proxy = ?, updated_at = ? WHERE id = ? AND user_id = ?`),
		sess.Name, sess.WebhookURL, settings, sess.ProxyURL, micros(sess.UpdatedAt), sess.ID, sess.UserID))
	return s.fail(err, "update session", "Session", "")
}

// SetSessionState applies a worker's report (see gateway.SessionState) and
// writes the events in the same transaction; it returns the session as
// stored. CodeNotFound when absent or another tenant's.
func (s *Store) SetSessionState(ctx context.Context, userID, id string, st gateway.SessionState,
	events ...*gateway.Event) (*gateway.Session, error) {
	up := &partialUpdate{sets: []string{"status_reason = ?", "updated_at = ?"}, args: []any{st.StatusReason, micros(now())}}
	if st.Status != "" {
		up.set("status", string(st.Status))
	}
	for _, f := range []struct {
		col, v string
	}{{"phone", st.Phone}, {"push_name", st.PushName}, {"device_jid", st.DeviceJID}} {
		if f.v != "" || st.ClearDevice {
			up.set(f.col, f.v)
		}
	}
	if st.BannedUntil != nil {
		up.set("banned_until", micros(*st.BannedUntil))
	}
	if st.ConnectedAt != nil {
		up.set("connected_at", micros(*st.ConnectedAt))
	}
	return updateReturning(ctx, s, "sessions", sessionReadCols, userID, id, up, scanSession, events,
		"set session state", "Session", "")
}

// DeleteSession deletes a tenant's session with its instances, messages and
// the webhooks bound to it (foreign keys cascade), and writes the events in
// the same transaction; CodeNotFound when absent or another tenant's.
func (s *Store) DeleteSession(ctx context.Context, userID, id string, events ...*gateway.Event) error {
	if err := prepareEvents(userID, events); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := exactlyOne(tx.ExecContext(ctx, s.q("DELETE FROM sessions WHERE id = ? AND user_id = ?"), id, userID))
		if err != nil {
			return s.fail(err, "delete session", "Session", "")
		}
		return s.insertEvents(ctx, tx, events)
	})
	return s.fail(err, "delete session", "Session", "")
}

// SessionByPhone finds a tenant's session paired to a phone number on an
// engine (the most recently updated when several were); CodeNotFound when none.
func (s *Store) SessionByPhone(ctx context.Context, userID, engine, phone string) (*gateway.Session, error) {
	if phone == "" {
		return nil, gateway.NotFound("Session")
	}
	return readOne(ctx, s, scanSession, "session by phone", "Session",
		"SELECT "+sessionReadCols+
			" FROM sessions WHERE user_id = ? AND engine = ? AND phone = ? ORDER BY updated_at DESC, id LIMIT 1",
		userID, engine, phone)
}

// SearchSessions lists every tenant's sessions whose id is the query (a
// UUID), or whose phone contains the query's digits, newest first.
func (s *Store) SearchSessions(ctx context.Context, f gateway.SessionSearch) ([]*gateway.Session, int, error) {
	var where, arg string
	if id, ok := canonicalUUID(f.Query); ok {
		where, arg = "id = ?", id
	} else {
		var digits strings.Builder
		for _, r := range f.Query {
			if r >= '0' && r <= '9' {
				digits.WriteRune(r)
			}
		}
		if digits.Len() == 0 {
			return []*gateway.Session{}, 0, nil
		}
		// Phones are stored as digits, so LIKE's wildcards cannot be in them.
		where, arg = "phone LIKE ?", "%"+digits.String()+"%"
	}
	list, total, err := listPage(ctx, s, sessionReadCols, "sessions", where, []any{arg},
		"created_at DESC, id DESC", f.Page, scanSession)
	return list, total, s.fail(err, "search sessions", "Session", "")
}

// PhoneHeldByOthers reports whether a session of a tenant other than
// userID, on any engine, is paired to phone.
func (s *Store) PhoneHeldByOthers(ctx context.Context, userID, phone string) (bool, error) {
	if phone == "" {
		return false, nil
	}
	row, err := s.readRow(ctx, "SELECT 1 FROM sessions WHERE phone = ? AND user_id <> ? LIMIT 1", phone, userID)
	if err != nil {
		return false, s.fail(err, "phone held by others", "Session", "")
	}
	var one int
	switch err := row.Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, s.fail(err, "phone held by others", "Session", "")
	}
	return true, nil
}

func scanSession(sc scanner, extra ...any) (*gateway.Session, error) {
	var (
		sess              gateway.Session
		status, settings  string
		banned, connected sql.NullInt64
		created, updated  int64
		h                 gateway.HistorySync
	)
	dest := []any{&sess.ID, &sess.UserID, &sess.Name, &sess.Engine, &status, &sess.StatusReason, &sess.WebhookURL,
		&settings, &sess.Phone, &sess.PushName, &sess.DeviceJID, &banned, &connected, &created, &updated, &sess.ProxyURL,
		&h.Status, &h.Chats, &h.Messages, &h.Progress}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := unmarshal(settings, &sess.Settings); err != nil {
		return nil, err
	}
	sess.Status = gateway.SessionStatus(status)
	sess.BannedUntil, sess.ConnectedAt = fromNullMicros(banned), fromNullMicros(connected)
	sess.CreatedAt, sess.UpdatedAt = fromMicros(created), fromMicros(updated)
	if h.Status != "" {
		sess.HistorySync = &h
	}
	return &sess, nil
}
