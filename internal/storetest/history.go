package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// historyMessage is a message of chat as history sync brings it, n minutes
// after base (the account's past), inbound unless fromMe.
func historyMessage(sess *gateway.Session, chat string, n int, fromMe bool) *gateway.Message {
	m := &gateway.Message{UserID: sess.UserID, SessionID: sess.ID, Direction: gateway.DirectionInbound, Type: gateway.TypeText,
		Recipient: "15550009999@s.whatsapp.net", Sender: chat, SenderPhone: chat[:11], SenderLID: "123456789012345@lid", Chat: chat,
		Body: fmt.Sprintf("old message %d", n), Status: gateway.MessageReceived, WAMessageID: fmt.Sprintf("3EB0H%06d", n), CreatedAt: at(n)}
	if fromMe {
		m.Direction, m.Status, m.Recipient, m.Sender = gateway.DirectionOutbound, gateway.MessageSent, chat, ""
	}
	return m
}

// testHistory: a history batch stores its chats (name, unread count,
// flags) and messages (marked history, skipped when stored already) with
// the session's progress, in one transaction; history messages are in
// chat histories but not in the message log, counts, usage or quotas.
func testHistory(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	muteEnd := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Millisecond)
	b1 := gateway.HistoryBatch{Progress: 40, Chats: []gateway.HistoryChat{
		{JID: chatA, Name: "Amal", UnreadCount: 3, Pinned: true, Muted: true, LastMessageAt: at(3)},
		{JID: chatB, Name: "Team", Archived: true, Muted: true, MuteUntil: &muteEnd, LastMessageAt: at(2)},
	}, Messages: []*gateway.Message{historyMessage(sess, chatA, 1, false), historyMessage(sess, chatA, 3, true), historyMessage(sess, chatB, 2, false)}}
	calls := 0
	events := func(h gateway.HistorySync) []*gateway.Event {
		calls++
		return []*gateway.Event{gateway.NewEvent(u.ID, sess.ID, gateway.EventHistorySync, gateway.HistorySyncData{SessionID: sess.ID, HistorySync: h})}
	}
	h, err := s.StoreHistory(ctx(t), u.ID, sess.ID, b1, nil)
	must(t, err)
	diff(t, "progress after batch 1", h, gateway.HistorySync{Status: gateway.HistorySyncing, Chats: 2, Messages: 3, Progress: 40})
	got, err := s.SessionByID(ctx(t), u.ID, sess.ID)
	must(t, err)
	diff(t, "session history_sync", got.HistorySync, &h)

	list := listChats(t, s, u.ID, sess.ID, nil)
	diff(t, "history chats", chatJIDs(list), []string{chatA, chatB})
	a, b := list[0], list[1]
	if a.Name != "Amal" || a.UnreadCount != 3 || !a.Pinned || !a.Muted || a.MutedUntil != nil || a.LastMessage == nil || a.LastMessage.Body != "old message 3" {
		t.Fatalf("chat A: got %+v, want Amal, 3 unread, pinned, muted forever, its last history message", a)
	}
	if b.Name != "Team" || !b.Archived || !b.Muted || b.MutedUntil == nil || !b.MutedUntil.Equal(muteEnd) || !b.IsGroup {
		t.Fatalf("chat B: got %+v", b)
	}
	msgs, _, err := s.ChatMessages(ctx(t), u.ID, sess.ID, chatA, gateway.ChatPage{Limit: 10})
	must(t, err)
	if len(msgs) != 2 || !msgs[0].History || msgs[0].Direction != gateway.DirectionOutbound || msgs[1].SenderLID == "" || !msgs[1].CreatedAt.Equal(at(1)) {
		t.Fatalf("chat A history: got %+v", msgs)
	}

	// Not the gateway's traffic: not in the log, counts, usage or quotas.
	logged, total, err := s.ListMessages(ctx(t), u.ID, gateway.MessageFilter{SessionID: sess.ID})
	must(t, err)
	if total != 0 || len(logged) != 0 {
		t.Fatalf("GET /messages lists %d history messages", total)
	}
	counts, err := s.CountMessages(ctx(t), u.ID, time.Time{})
	must(t, err)
	if counts.Total != 0 {
		t.Fatalf("CountMessages counts history: %+v", counts)
	}
	partial, err := s.CountMessages(ctx(t), u.ID, base.Add(time.Second))
	must(t, err)
	if partial.Total != 0 {
		t.Fatalf("CountMessages (not on an hour) counts history: %+v", partial)
	}
	if n, err := s.CountOutboundSince(ctx(t), u.ID, time.Time{}); err != nil || n != 0 {
		t.Fatalf("CountOutboundSince: got %d (%v), want 0", n, err)
	}

	// The last batch: a message stored already is skipped, the event written.
	b2 := gateway.HistoryBatch{Progress: 100, Done: true, Messages: []*gateway.Message{historyMessage(sess, chatB, 2, false), historyMessage(sess, chatB, 4, true)}}
	h, err = s.StoreHistory(ctx(t), u.ID, sess.ID, b2, events)
	must(t, err)
	diff(t, "progress after the last batch", h, gateway.HistorySync{Status: gateway.HistoryDone, Chats: 2, Messages: 4, Progress: 100})
	evs, err := s.ListEvents(ctx(t), u.ID, gateway.EventFilter{SessionID: sess.ID, Types: []string{gateway.EventHistorySync}})
	must(t, err)
	if calls != 1 || len(evs) != 1 {
		t.Fatalf("got %d event builds and %d history.sync events, want 1 and 1", calls, len(evs))
	}
	// A batch offered again after the last keeps the sync done.
	h, err = s.StoreHistory(ctx(t), u.ID, sess.ID, gateway.HistoryBatch{Progress: 10}, nil)
	must(t, err)
	if h.Status != gateway.HistoryDone || h.Progress != 100 {
		t.Fatalf("a late batch: got %+v, want done at 100", h)
	}

	// A live message after the history counts as unread on top.
	newMessage(t, s, sess, inbound(chatA, 30))
	if c, _ := s.ChatByJID(ctx(t), u.ID, sess.ID, chatA); c.UnreadCount != 4 {
		t.Fatalf("unread after a live message: got %d, want 4", c.UnreadCount)
	}

	other := newUser(t, s)
	_, err = s.StoreHistory(ctx(t), other.ID, sess.ID, gateway.HistoryBatch{}, nil)
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.StoreHistory(ctx(t), u.ID, sess.ID, gateway.HistoryBatch{Messages: []*gateway.Message{historyMessage(newSession(t, s, u.ID), chatA, 50, false)}}, nil)
	wantCode(t, err, gateway.CodeInvalid)
}

// testHistoryTenThousand: a history of 10,000 messages in one chat is
// stored in batches and paged through by cursor, 100 at a time, each
// message once, newest first, with no more than a page in memory.
func testHistoryTenThousand(t *testing.T, s gateway.Store) {
	const total, batch, page = 10_000, 1_000, 100
	u, sess := newTenant(t, s)
	start := time.Now()
	for from := 0; from < total; from += batch {
		b := gateway.HistoryBatch{Progress: (from + batch) * 100 / total, Done: from+batch == total}
		for i := from; i < from+batch; i++ {
			m := historyMessage(sess, chatA, 0, i%3 == 0)
			m.WAMessageID, m.CreatedAt = fmt.Sprintf("3EB0T%07d", i), base.Add(time.Duration(i)*time.Second)
			b.Messages = append(b.Messages, m)
		}
		_, err := s.StoreHistory(ctx(t), u.ID, sess.ID, b, nil)
		must(t, err)
	}
	stored := time.Since(start)
	start = time.Now()
	seen, pages, cursor := 0, 0, ""
	var last time.Time
	for {
		msgs, next, err := s.ChatMessages(ctx(t), u.ID, sess.ID, chatA, gateway.ChatPage{Before: cursor, Limit: page})
		must(t, err)
		pages++
		for _, m := range msgs {
			if seen > 0 && !m.CreatedAt.Before(last) {
				t.Fatalf("message %d at %v is not older than the one before (%v)", seen, m.CreatedAt, last)
			}
			last = m.CreatedAt
			seen++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if seen != total || pages != total/page {
		t.Fatalf("paged %d messages in %d pages, want %d in %d", seen, pages, total, total/page)
	}
	t.Logf("%s: stored %d history messages in %v, paged them 100 at a time in %v", s.Dialect(), total, stored.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}
