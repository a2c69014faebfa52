package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// ListLabels lists a session's labels by id (numerically: WhatsApp's ids
// are small numbers), with how many chats and messages carry each.
func (s *Store) ListLabels(ctx context.Context, userID, sessionID string) ([]*gateway.Label, error) {
	if err := s.sessionExists(ctx, userID, sessionID); err != nil {
		return nil, err
	}
	list, err := queryAll(ctx, s, `SELECT l.label_id, l.name, l.color,
		(SELECT COUNT(*) FROM label_chats lc WHERE lc.session_id = l.session_id AND lc.label_id = l.label_id),
		(SELECT COUNT(*) FROM label_messages lm WHERE lm.session_id = l.session_id AND lm.label_id = l.label_id)
		FROM labels l WHERE l.user_id = ? AND l.session_id = ? ORDER BY LENGTH(l.label_id), l.label_id`,
		[]any{userID, sessionID}, func(sc scanner) (*gateway.Label, error) {
			var l gateway.Label
			return &l, sc.Scan(&l.ID, &l.Name, &l.Color, &l.Chats, &l.Messages)
		})
	if list == nil && err == nil {
		list = []*gateway.Label{}
	}
	return list, s.fail(err, "list labels", "Session", "")
}

// NextLabelID hands out the id of a new label of the session: one past
// the larger of the last id handed out and the highest numeric id stored
// (the phone numbers its own labels the same way). It is one statement
// that reads and raises the session's counter, so callers at the same
// time get different ids on either database: SQLite has one writer, and
// PostgreSQL's upsert waits on the counter row and raises what the other
// left. CodeNotFound when the session is absent or another tenant's.
func (s *Store) NextLabelID(ctx context.Context, userID, sessionID string) (string, error) {
	if !isUUID(sessionID) {
		return "", gateway.NotFound("Session")
	}
	numeric, greatest, integer := "l.label_id <> '' AND LENGTH(l.label_id) <= 15 AND l.label_id NOT GLOB '*[^0-9]*'", "MAX", "INTEGER"
	if s.dialect.Name == "postgres" {
		numeric, greatest, integer = "l.label_id ~ '^[0-9]{1,15}$'", "GREATEST", "BIGINT"
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, s.q(`INSERT INTO label_ids (session_id, user_id, last_id)
			SELECT s.id, s.user_id, 1 + COALESCE((SELECT MAX(CAST(l.label_id AS `+integer+`)) FROM labels l
				WHERE l.session_id = s.id AND `+numeric+`), 0)
			FROM sessions s WHERE s.id = ? AND s.user_id = ?
			ON CONFLICT (session_id) DO UPDATE SET last_id = `+greatest+`(label_ids.last_id + 1, excluded.last_id)
			RETURNING last_id`), sessionID, userID).Scan(&id)
	})
	if err != nil {
		return "", s.fail(err, "next label id", "Session", "")
	}
	return strconv.FormatInt(id, 10), nil
}

// ApplyLabelChange applies a change seen on another device, with events
// only when it changed something.
func (s *Store) ApplyLabelChange(ctx context.Context, userID, sessionID string, c gateway.LabelChange, events ...*gateway.Event) (bool, error) {
	changed, err := s.applySessionChange(ctx, userID, sessionID, events, func(tx *sql.Tx) (bool, error) {
		return s.applyLabelChange(ctx, tx, userID, sessionID, c)
	})
	return changed, s.fail(err, "apply label change", "Session", "")
}

// applyLabelChange changes the stored labels in tx and reports whether a
// row changed. The session is the tenant's (checked by the caller). An
// association naming a label not stored yet stores the label nameless: the
// phone's sync can send a chat's label before the label itself.
func (s *Store) applyLabelChange(ctx context.Context, tx *sql.Tx, userID, sessionID string, c gateway.LabelChange) (bool, error) {
	at := micros(stamp(c.At))
	exec := func(query string, args ...any) (bool, error) {
		return changed(tx.ExecContext(ctx, s.q(query), args...))
	}
	ensureLabel := func() error {
		_, err := exec(`INSERT INTO labels (user_id, session_id, label_id, name, color, updated_at) VALUES (?, ?, ?, '', 0, ?)
			ON CONFLICT (session_id, label_id) DO NOTHING`, userID, sessionID, c.Label, at)
		return err
	}
	switch {
	case c.Kind == gateway.LabelKindEdit && c.Deleted:
		// Its chats and messages go with it (foreign keys cascade).
		return exec("DELETE FROM labels WHERE user_id = ? AND session_id = ? AND label_id = ?", userID, sessionID, c.Label)
	case c.Kind == gateway.LabelKindEdit:
		return exec(`INSERT INTO labels (user_id, session_id, label_id, name, color, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (session_id, label_id) DO UPDATE SET name = excluded.name, color = excluded.color, updated_at = excluded.updated_at
			WHERE labels.name <> excluded.name OR labels.color <> excluded.color`,
			userID, sessionID, c.Label, c.Name, c.Color, at)
	case c.Kind == gateway.LabelKindChat && c.Labeled:
		if err := ensureLabel(); err != nil {
			return false, err
		}
		return exec(`INSERT INTO label_chats (session_id, label_id, chat, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (session_id, label_id, chat) DO NOTHING`, sessionID, c.Label, c.Chat, at)
	case c.Kind == gateway.LabelKindChat:
		return exec("DELETE FROM label_chats WHERE session_id = ? AND label_id = ? AND chat = ?", sessionID, c.Label, c.Chat)
	case c.Kind == gateway.LabelKindMessage && c.Labeled:
		if err := ensureLabel(); err != nil {
			return false, err
		}
		return exec(`INSERT INTO label_messages (session_id, label_id, chat, wa_message_id, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (session_id, label_id, chat, wa_message_id) DO NOTHING`, sessionID, c.Label, c.Chat, c.WAMessageID, at)
	case c.Kind == gateway.LabelKindMessage:
		return exec("DELETE FROM label_messages WHERE session_id = ? AND label_id = ? AND chat = ? AND wa_message_id = ?",
			sessionID, c.Label, c.Chat, c.WAMessageID)
	}
	return false, gateway.ValidationError(map[string]string{"kind": "Unknown label change."})
}

// chatLabelFilter keeps the chats carrying one label.
const chatLabelFilter = " AND EXISTS (SELECT 1 FROM label_chats lc WHERE lc.session_id = c.session_id AND lc.chat = c.jid AND lc.label_id = ?)"

// attachLabels reads the labels of one session's chats in one query.
func (s *Store) attachLabels(ctx context.Context, sessionID string, chats []*gateway.Chat) error {
	byJID := make(map[string]*gateway.Chat, len(chats))
	args := []any{sessionID}
	for _, c := range chats {
		c.Labels = []string{}
		byJID[c.JID] = c
		args = append(args, c.JID)
	}
	if len(chats) == 0 {
		return nil
	}
	type pair struct{ chat, label string }
	list, err := queryAll(ctx, s, "SELECT chat, label_id FROM label_chats WHERE session_id = ? AND chat IN ("+placeholders(len(chats))+
		") ORDER BY chat, LENGTH(label_id), label_id", args, func(sc scanner) (pair, error) {
		var p pair
		return p, sc.Scan(&p.chat, &p.label)
	})
	for _, p := range list {
		if c := byJID[p.chat]; c != nil {
			c.Labels = append(c.Labels, p.label)
		}
	}
	return err
}
