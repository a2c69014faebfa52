package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// insertHistoryMessage stores a message of history sync, marked history
// (the rollup triggers skip it, the chat trigger counts it in no unread
// count); one already stored (received live meanwhile) is skipped.
var insertHistoryMessage = "INSERT INTO messages (" + messageCols + ", history) VALUES (" +
	placeholders(len(splitCols(messageCols))+1) + ") ON CONFLICT DO NOTHING"

// StoreHistory stores one history sync batch with the session's progress
// in one transaction.
func (s *Store) StoreHistory(ctx context.Context, userID, sessionID string, b gateway.HistoryBatch,
	events func(gateway.HistorySync) []*gateway.Event) (gateway.HistorySync, error) {
	var (
		h        gateway.HistorySync
		prev     string
		prevProg int
	)
	if !isUUID(sessionID) {
		return h, gateway.NotFound("Session")
	}
	msgArgs := make([][]any, 0, len(b.Messages))
	for _, m := range b.Messages {
		if m.UserID != userID || m.SessionID != sessionID {
			return h, gateway.Errorf(gateway.CodeInvalid, "A message of another session cannot be stored in this history.")
		}
		m.History = true
		a, err := messageArgs(m)
		if err != nil {
			return h, err
		}
		msgArgs = append(msgArgs, append(a, true))
	}
	greatest := "MAX"
	if s.dialect.Name == "postgres" {
		greatest = "GREATEST"
	}
	upsertChat := s.q(`INSERT INTO chats (user_id, session_id, jid, name, is_group, unread_count, archived, pinned_at, muted_until, last_message_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, jid) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE chats.name END,
			unread_count = ` + greatest + `(chats.unread_count, excluded.unread_count),
			archived = excluded.archived, pinned_at = excluded.pinned_at, muted_until = excluded.muted_until,
			last_message_at = ` + greatest + `(chats.last_message_at, excluded.last_message_at)`)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`SELECT history_status, history_chats, history_messages, history_progress FROM sessions
			WHERE id = ? AND user_id = ?`), sessionID, userID).Scan(&prev, &h.Chats, &h.Messages, &prevProg)
		if err != nil {
			return err
		}
		for _, c := range b.Chats {
			var pinned, muted any
			if c.Pinned {
				pinned = micros(stamp(c.LastMessageAt))
			}
			if c.Muted {
				muted = int64(gateway.MutedForever)
				if c.MuteUntil != nil {
					muted = micros(*c.MuteUntil)
				}
			}
			var last int64
			if !c.LastMessageAt.IsZero() {
				last = micros(stamp(c.LastMessageAt))
			}
			isGroup := len(c.JID) > 5 && c.JID[len(c.JID)-5:] == "@"+gateway.ServerGroup
			if _, err := tx.ExecContext(ctx, upsertChat, userID, sessionID, c.JID, c.Name, isGroup, c.UnreadCount, c.Archived,
				pinned, muted, last); err != nil {
				return err
			}
		}
		h.Chats += len(b.Chats)
		st, err := tx.PrepareContext(ctx, s.q(insertHistoryMessage))
		if err != nil {
			return err
		}
		defer st.Close()
		for _, a := range msgArgs {
			res, err := st.ExecContext(ctx, a...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			h.Messages += int(n)
		}
		// Progress never goes back (a push-name blob carries none).
		h.Status, h.Progress = gateway.HistorySyncing, min(max(b.Progress, prevProg, 0), 100)
		switch {
		case b.Off:
			h.Status = gateway.HistoryOff
		case b.Done, prev == gateway.HistoryDone:
			// A batch offered again after the last one keeps it done.
			h.Status, h.Progress = gateway.HistoryDone, 100
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE sessions SET history_status = ?, history_chats = ?, history_messages = ?,
			history_progress = ? WHERE id = ? AND user_id = ?`), h.Status, h.Chats, h.Messages, h.Progress, sessionID, userID); err != nil {
			return err
		}
		if events == nil {
			return nil
		}
		evs := events(h)
		if err := prepareEvents(userID, evs); err != nil {
			return err
		}
		return s.insertEvents(ctx, tx, evs)
	})
	return h, s.fail(err, "store history", "Session", "")
}

// splitCols splits a column list on its commas.
func splitCols(cols string) []string { return strings.Split(cols, ",") }
