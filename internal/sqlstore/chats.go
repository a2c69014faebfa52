package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The session's chats (migration 0013 on SQLite, 0014 on PostgreSQL): the
// messages trigger keeps each chat's last message and unread count; the
// methods here read them and apply chat actions.

const chatCols = "c.jid, c.name, c.is_group, c.unread_count, c.marked_unread, c.archived, c.pinned_at, c.muted_until, c.last_message_at, c.last_message_id"

// chatVisible keeps the chats listed: those with a message after their
// deletion (cleared_at is 0 for a chat never deleted).
const chatVisible = "(c.cleared_at = 0 OR c.last_message_at > c.cleared_at)"

// ListChats lists a session's chats, pinned first, then newest first.
func (s *Store) ListChats(ctx context.Context, userID, sessionID string, f gateway.ChatFilter) ([]*gateway.Chat, int, error) {
	if err := s.sessionExists(ctx, userID, sessionID); err != nil {
		return nil, 0, err
	}
	where := "c.user_id = ? AND c.session_id = ? AND " + chatVisible
	args := []any{userID, sessionID}
	if f.Archived != nil {
		where += " AND c.archived = ?"
		args = append(args, *f.Archived)
	}
	if f.Label != "" {
		where += chatLabelFilter
		args = append(args, f.Label)
	}
	list, total, err := listPage(ctx, s, chatCols, "chats c", where, args,
		"c.pinned_at IS NULL, c.pinned_at DESC, c.last_message_at DESC, c.jid", f.Page, scanChat)
	if err == nil {
		err = s.attachLastMessages(ctx, list)
	}
	if err == nil {
		err = s.attachLabels(ctx, sessionID, list)
	}
	return list, total, s.fail(err, "list chats", "Session", "")
}

// ChatByJID returns one of a session's chats; CodeNotFound when absent.
func (s *Store) ChatByJID(ctx context.Context, userID, sessionID, jid string) (*gateway.Chat, error) {
	if !isUUID(sessionID) {
		return nil, gateway.NotFound("Chat")
	}
	c, err := scanChat(s.reader.QueryRowContext(ctx, s.q("SELECT "+chatCols+` FROM chats c
		WHERE c.user_id = ? AND c.session_id = ? AND c.jid = ? AND `+chatVisible), userID, sessionID, jid))
	if err == nil {
		err = s.attachLastMessages(ctx, []*gateway.Chat{c})
	}
	if err == nil {
		err = s.attachLabels(ctx, sessionID, []*gateway.Chat{c})
	}
	return c, s.fail(err, "chat by jid", "Chat", "")
}

// attachLastMessages reads the chats' last messages in one query, without
// their payloads (inline media can be megabytes; a chat list has no use
// for it). A last message removed since (retention) is left out.
func (s *Store) attachLastMessages(ctx context.Context, chats []*gateway.Chat) error {
	byID := map[string]*gateway.Chat{}
	var ids []any
	for _, c := range chats {
		if c.LastMessage != nil {
			byID[c.LastMessage.ID] = c
			ids = append(ids, c.LastMessage.ID)
			c.LastMessage = nil
		}
	}
	if len(ids) == 0 {
		return nil
	}
	list, err := queryAll(ctx, s, "SELECT "+statusReturning+" FROM messages WHERE id IN ("+placeholders(len(ids))+")", ids,
		func(sc scanner) (*gateway.Message, error) { return scanMessage(sc) })
	for _, m := range list {
		byID[m.ID].LastMessage = m
	}
	return err
}

// ChatMessages returns a page of a chat's messages, newest first, by
// cursor: the index messages_chat (session_id, chat, created_at, id) is
// read from the cursor down, so a page costs the same at any depth.
func (s *Store) ChatMessages(ctx context.Context, userID, sessionID, jid string, p gateway.ChatPage) ([]*gateway.Message, string, error) {
	if !isUUID(sessionID) {
		return nil, "", gateway.NotFound("Chat")
	}
	limit := p.Limit
	if limit < 1 {
		limit = gateway.DefaultPageLimit
	}
	var cleared int64
	err := s.reader.QueryRowContext(ctx, s.q("SELECT cleared_at FROM chats WHERE user_id = ? AND session_id = ? AND jid = ?"),
		userID, sessionID, jid).Scan(&cleared)
	if err != nil {
		return nil, "", s.fail(err, "chat messages", "Chat", "")
	}
	where := "user_id = ? AND session_id = ? AND chat = ? AND created_at > ?"
	args := []any{userID, sessionID, jid, cleared}
	if p.Before != "" {
		at, id, err := gateway.ParseChatCursor(p.Before)
		if err == nil && !isUUID(id) {
			_, _, err = gateway.ParseChatCursor("")
		}
		if err != nil {
			return nil, "", err
		}
		where += " AND created_at <= ? AND (created_at < ? OR id < ?)"
		args = append(args, micros(at), micros(at), id)
	}
	args = append(args, limit+1)
	list, err := queryAll(ctx, s, "SELECT "+messageCols+", history FROM messages WHERE "+where+
		" ORDER BY created_at DESC, id DESC LIMIT ?", args, func(sc scanner) (*gateway.Message, error) {
		var history bool
		m, err := scanMessage(sc, &history)
		if m != nil {
			m.History = history
		}
		return m, err
	})
	if err != nil {
		return nil, "", s.fail(err, "chat messages", "Chat", "")
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = gateway.ChatCursor(list[limit-1])
	}
	return list, next, nil
}

// ApplyChatChange applies a change seen on another device, with events
// only when it changed something.
func (s *Store) ApplyChatChange(ctx context.Context, userID, sessionID string, c gateway.ChatChange, events ...*gateway.Event) (bool, error) {
	changed, err := s.applySessionChange(ctx, userID, sessionID, events, func(tx *sql.Tx) (bool, error) {
		return s.applyChatChange(ctx, tx, userID, sessionID, c, true)
	})
	return changed, s.fail(err, "apply chat change", "Session", "")
}

// applySessionChange runs apply (a change seen on another device) in a
// transaction on the tenant's session, and stores events only when it
// changed something.
func (s *Store) applySessionChange(ctx context.Context, userID, sessionID string, events []*gateway.Event, apply func(tx *sql.Tx) (bool, error)) (bool, error) {
	if err := prepareEvents(userID, events); err != nil {
		return false, err
	}
	changed := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM sessions WHERE id = ? AND user_id = ?"), sessionID, userID).Scan(&one); err != nil {
			return err
		}
		var err error
		if changed, err = apply(tx); err != nil || !changed {
			return err
		}
		return s.insertEvents(ctx, tx, events)
	})
	return changed, err
}

// applyChatChange changes one chat in tx and reports whether a row
// changed: the UPDATE is guarded by a condition that holds only when the
// action would change something. create makes the chat when unknown (a
// change from another device can precede the chat's first message here).
func (s *Store) applyChatChange(ctx context.Context, tx *sql.Tx, userID, sessionID string, c gateway.ChatChange, create bool) (bool, error) {
	at := micros(stamp(c.At))
	var (
		set, differs         string
		setArgs, differsArgs []any
	)
	switch c.Action {
	case gateway.ChatArchive:
		// Archiving unpins, as WhatsApp does.
		set, setArgs = "archived = ?, pinned_at = NULL", []any{true}
		differs, differsArgs = "(archived <> ? OR pinned_at IS NOT NULL)", []any{true}
	case gateway.ChatUnarchive:
		set, setArgs, differs, differsArgs = "archived = ?", []any{false}, "archived <> ?", []any{false}
	case gateway.ChatPin:
		set, setArgs, differs = "pinned_at = ?", []any{at}, "pinned_at IS NULL"
	case gateway.ChatUnpin:
		set, differs = "pinned_at = NULL", "pinned_at IS NOT NULL"
	case gateway.ChatMute:
		until := int64(gateway.MutedForever)
		if c.MuteUntil != nil {
			until = micros(*c.MuteUntil)
		}
		set, setArgs = "muted_until = ?", []any{until}
		differs, differsArgs = "(muted_until IS NULL OR muted_until <> ?)", []any{until}
	case gateway.ChatUnmute:
		set, differs = "muted_until = NULL", "muted_until IS NOT NULL"
	case gateway.ChatRead:
		set, setArgs = "unread_count = 0, marked_unread = ?", []any{false}
		differs, differsArgs = "(unread_count <> 0 OR marked_unread <> ?)", []any{false}
	case gateway.ChatUnread:
		set, setArgs, differs, differsArgs = "marked_unread = ?", []any{true}, "marked_unread <> ?", []any{true}
	case gateway.ChatDelete:
		// Hidden up to now, flags reset; a newer message lists it again.
		set, setArgs = "cleared_at = ?, unread_count = 0, marked_unread = ?, archived = ?, pinned_at = NULL", []any{max(at, 1), false, false}
		differs = "(cleared_at = 0 OR last_message_at > cleared_at)"
	default:
		return false, gateway.ValidationError(map[string]string{"action": "Give one of " + strings.Join(gateway.ChatActions, ", ") + "."})
	}
	if create {
		isGroup := strings.HasSuffix(c.Chat, "@"+gateway.ServerGroup)
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO chats (user_id, session_id, jid, is_group) VALUES (?, ?, ?, ?)
			ON CONFLICT (session_id, jid) DO NOTHING`), userID, sessionID, c.Chat, isGroup); err != nil {
			return false, err
		}
	}
	args := append(append(setArgs, userID, sessionID, c.Chat), differsArgs...)
	return changed(tx.ExecContext(ctx, s.q("UPDATE chats SET "+set+" WHERE user_id = ? AND session_id = ? AND jid = ? AND "+differs), args...))
}

// sessionExists is CodeNotFound unless the tenant has the session.
func (s *Store) sessionExists(ctx context.Context, userID, sessionID string) error {
	if !isUUID(sessionID) {
		return gateway.NotFound("Session")
	}
	var one int
	err := s.reader.QueryRowContext(ctx, s.q("SELECT 1 FROM sessions WHERE id = ? AND user_id = ?"), sessionID, userID).Scan(&one)
	return s.fail(err, "session exists", "Session", "")
}

// scanChat reads chatCols; LastMessage holds only the last message's id
// until attachLastMessages reads it.
func scanChat(sc scanner, extra ...any) (*gateway.Chat, error) {
	var (
		c             gateway.Chat
		pinned, muted sql.NullInt64
		lastAt        int64
		lastID        sql.NullString
	)
	dest := []any{&c.JID, &c.Name, &c.IsGroup, &c.UnreadCount, &c.MarkedUnread, &c.Archived, &pinned, &muted, &lastAt, &lastID}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	c.Pinned = pinned.Valid
	if muted.Valid {
		switch {
		case muted.Int64 == gateway.MutedForever:
			c.Muted = true
		case muted.Int64 > micros(now()):
			c.Muted = true
			t := fromMicros(muted.Int64)
			c.MutedUntil = &t
		}
	}
	if lastAt > 0 {
		t := fromMicros(lastAt)
		c.LastMessageAt = &t
	}
	if lastID.Valid {
		c.LastMessage = &gateway.Message{ID: lastID.String}
	}
	return &c, nil
}
