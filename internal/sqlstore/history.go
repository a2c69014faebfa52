package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// historyCols are the columns of a history message: a message's and its
// history mark (the rollup triggers skip it, the chat trigger counts it in
// no unread count).
var historyCols = len(splitCols(messageCols)) + 1

// insertHistoryMessages stores n messages of history sync and returns
// what their chats need of those it inserted; one already stored (received
// live meanwhile) is skipped. A sync brings thousands: one statement per
// message cost a round trip each (10,000 messages took about 20 s on
// PostgreSQL), so they go rowsPerInsert at a time.
func insertHistoryMessages(n int) string {
	return "INSERT INTO messages (" + messageCols + ", history) VALUES " + rowValues(historyCols, n) +
		" ON CONFLICT DO NOTHING RETURNING id, chat, type, is_group, created_at"
}

// historyLast is the newest message a history batch inserted in a chat.
type historyLast struct {
	id      string
	isGroup bool
	at      int64
}

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
		last := map[string]historyLast{}
		for len(msgArgs) > 0 {
			rows := msgArgs[:min(len(msgArgs), rowsPerInsert)]
			msgArgs = msgArgs[len(rows):]
			args := make([]any, 0, len(rows)*historyCols)
			for _, a := range rows {
				args = append(args, a...)
			}
			n, err := insertHistory(ctx, tx, s.q(insertHistoryMessages(len(rows))), args, last)
			if err != nil {
				return err
			}
			h.Messages += n
		}
		// Each chat's last message, once per chat: what the messages_chat
		// trigger does for a live message, which it leaves to this for
		// history (migrations 0100 and 0101). History adds no unread count.
		upsertLast := s.q(`INSERT INTO chats AS c (user_id, session_id, jid, is_group, last_message_id, last_message_at, unread_count)
			VALUES (?, ?, ?, ?, ?, ?, 0)
			ON CONFLICT (session_id, jid) DO UPDATE SET
				last_message_id = CASE WHEN excluded.last_message_at >= c.last_message_at
					THEN excluded.last_message_id ELSE c.last_message_id END,
				last_message_at = ` + greatest + `(c.last_message_at, excluded.last_message_at)`)
		for jid, l := range last {
			if _, err := tx.ExecContext(ctx, upsertLast, userID, sessionID, jid, l.isGroup, l.id, l.at); err != nil {
				return err
			}
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
		return s.insertNewEvents(ctx, tx, userID, evs)
	})
	return h, s.fail(err, "store history", "Session", "")
}

// insertHistory runs one insertHistoryMessages statement, keeps the newest
// inserted message of each chat in last (as the trigger would: reactions,
// edits and revokes are no chat's last message; the later of two at one
// instant wins) and returns how many it inserted.
func insertHistory(ctx context.Context, tx *sql.Tx, query string, args []any, last map[string]historyLast) (int, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			id, chat, typ string
			l             historyLast
		)
		if err := rows.Scan(&id, &chat, &typ, &l.isGroup, &l.at); err != nil {
			return n, err
		}
		n++
		switch typ {
		case string(gateway.TypeReaction), string(gateway.TypeEdit), string(gateway.TypeRevoke):
			continue
		}
		if chat == "" {
			continue
		}
		if prev, ok := last[chat]; ok && prev.at > l.at {
			continue
		}
		l.id = id
		last[chat] = l
	}
	return n, rows.Err()
}

// splitCols splits a column list on its commas.
func splitCols(cols string) []string { return strings.Split(cols, ",") }
