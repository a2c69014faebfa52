package storetest

import (
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const (
	chatA = "15550001111@s.whatsapp.net"
	chatB = "120363000000000001@g.us"
	chatC = "15550003333@s.whatsapp.net"
)

func chatJIDs(list []*gateway.Chat) []string {
	out := []string{}
	for _, c := range list {
		out = append(out, c.JID)
	}
	return out
}

func inbound(chat string, n int) func(m *gateway.Message) {
	return func(m *gateway.Message) {
		m.Direction, m.Status, m.Chat, m.Sender, m.CreatedAt = gateway.DirectionInbound, gateway.MessageReceived, chat, chat, at(n)
		m.IsGroup = chat == chatB
		if m.IsGroup {
			m.Sender = chatC
		}
	}
}

func outbound(chat string, n int) func(m *gateway.Message) {
	return func(m *gateway.Message) { m.Chat, m.Recipient, m.CreatedAt = chat, chat, at(n) }
}

func listChats(t *testing.T, s gateway.Store, userID, sessionID string, archived *bool) []*gateway.Chat {
	t.Helper()
	list, total, err := s.ListChats(ctx(t), userID, sessionID, gateway.ChatFilter{Archived: archived, Page: gateway.Page{Page: 1, Limit: 50}})
	must(t, err)
	if total != len(list) {
		t.Fatalf("got total %d for %d chats", total, len(list))
	}
	return list
}

// testChats: the chat list follows the messages (last message, unread
// count, newest first), chat changes set its flags, and a deleted chat
// comes back with its next message only.
func testChats(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	newMessage(t, s, sess, outbound(chatA, 1))
	b1 := newMessage(t, s, sess, inbound(chatB, 2))
	newMessage(t, s, sess, inbound(chatB, 3))
	a2 := newMessage(t, s, sess, inbound(chatA, 4))
	// A reaction moves no chat and makes none.
	newMessage(t, s, sess, func(m *gateway.Message) {
		inbound(chatC, 5)(m)
		m.Type = gateway.TypeReaction
	})

	list := listChats(t, s, u.ID, sess.ID, nil)
	diff(t, "chats", chatJIDs(list), []string{chatA, chatB})
	a, b := list[0], list[1]
	if a.UnreadCount != 1 || a.LastMessage == nil || a.LastMessage.ID != a2.ID || a.LastMessage.Body != "hello" ||
		a.LastMessageAt == nil || !a.LastMessageAt.Equal(at(4)) || a.IsGroup {
		t.Fatalf("chat A: got %+v, want unread 1 and the inbound message of minute 4", a)
	}
	if b.UnreadCount != 2 || !b.IsGroup || b.LastMessage == nil || b.LastMessage.ID == b1.ID {
		t.Fatalf("chat B: got %+v, want a group with 2 unread and its second message last", b)
	}

	apply := func(c gateway.ChatChange) bool {
		t.Helper()
		if c.At.IsZero() {
			c.At = at(10)
		}
		ev := gateway.NewEvent(u.ID, sess.ID, gateway.EventChatUpdate, gateway.ChatUpdateData{SessionID: sess.ID, Chat: c.Chat, Action: c.Action})
		changed, err := s.ApplyChatChange(ctx(t), u.ID, sess.ID, c, ev)
		must(t, err)
		if changed != (ev.Seq != 0) {
			t.Fatalf("%s: changed %v but event seq %d: the event must be written exactly when the chat changed", c.Action, changed, ev.Seq)
		}
		return changed
	}

	// Pinned chats come first; pinning twice changes nothing.
	if !apply(gateway.ChatChange{Chat: chatB, Action: gateway.ChatPin}) || apply(gateway.ChatChange{Chat: chatB, Action: gateway.ChatPin}) {
		t.Fatal("pin: want a change the first time only")
	}
	diff(t, "chats after pin", chatJIDs(listChats(t, s, u.ID, sess.ID, nil)), []string{chatB, chatA})

	// Archiving unpins; the filter splits the list.
	apply(gateway.ChatChange{Chat: chatB, Action: gateway.ChatArchive})
	diff(t, "archived", chatJIDs(listChats(t, s, u.ID, sess.ID, ptr(true))), []string{chatB})
	diff(t, "not archived", chatJIDs(listChats(t, s, u.ID, sess.ID, ptr(false))), []string{chatA})
	got, err := s.ChatByJID(ctx(t), u.ID, sess.ID, chatB)
	must(t, err)
	if !got.Archived || got.Pinned {
		t.Fatalf("archived chat: got %+v, want archived and no longer pinned", got)
	}
	apply(gateway.ChatChange{Chat: chatB, Action: gateway.ChatUnarchive})

	// Mute until a time, forever, a mute already over, unmute.
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	apply(gateway.ChatChange{Chat: chatA, Action: gateway.ChatMute, MuteUntil: &until})
	got, _ = s.ChatByJID(ctx(t), u.ID, sess.ID, chatA)
	if !got.Muted || got.MutedUntil == nil || !got.MutedUntil.Equal(until) {
		t.Fatalf("muted until %v: got %+v", until, got)
	}
	apply(gateway.ChatChange{Chat: chatA, Action: gateway.ChatMute})
	got, _ = s.ChatByJID(ctx(t), u.ID, sess.ID, chatA)
	if !got.Muted || got.MutedUntil != nil {
		t.Fatalf("muted forever: got %+v", got)
	}
	past := time.Now().Add(-time.Hour).UTC()
	apply(gateway.ChatChange{Chat: chatA, Action: gateway.ChatMute, MuteUntil: &past})
	if got, _ = s.ChatByJID(ctx(t), u.ID, sess.ID, chatA); got.Muted {
		t.Fatalf("a mute that ended: got %+v, want not muted", got)
	}
	apply(gateway.ChatChange{Chat: chatA, Action: gateway.ChatUnmute})

	// Read clears the count; unread marks by hand; a new message counts again.
	apply(gateway.ChatChange{Chat: chatB, Action: gateway.ChatRead})
	apply(gateway.ChatChange{Chat: chatA, Action: gateway.ChatUnread})
	got, _ = s.ChatByJID(ctx(t), u.ID, sess.ID, chatB)
	if got.UnreadCount != 0 || got.MarkedUnread {
		t.Fatalf("read chat: got %+v", got)
	}
	got, _ = s.ChatByJID(ctx(t), u.ID, sess.ID, chatA)
	if got.UnreadCount != 1 || !got.MarkedUnread {
		t.Fatalf("chat marked unread: got %+v", got)
	}
	newMessage(t, s, sess, inbound(chatB, 11))
	if got, _ = s.ChatByJID(ctx(t), u.ID, sess.ID, chatB); got.UnreadCount != 1 {
		t.Fatalf("a message after reading: got unread %d, want 1", got.UnreadCount)
	}

	// A change from another device can name a chat not stored yet.
	if !apply(gateway.ChatChange{Chat: chatC, Action: gateway.ChatArchive}) {
		t.Fatal("archive of an unknown chat: want it created")
	}
	if got, err = s.ChatByJID(ctx(t), u.ID, sess.ID, chatC); err != nil || !got.Archived || got.LastMessage != nil {
		t.Fatalf("new archived chat: got %+v (%v)", got, err)
	}

	// Delete: hidden with its history until a newer message arrives.
	apply(gateway.ChatChange{Chat: chatA, Action: gateway.ChatDelete, At: at(20)})
	diff(t, "after delete", chatJIDs(listChats(t, s, u.ID, sess.ID, ptr(false))), []string{chatB})
	_, err = s.ChatByJID(ctx(t), u.ID, sess.ID, chatA)
	wantCode(t, err, gateway.CodeNotFound)
	msgs, next, err := s.ChatMessages(ctx(t), u.ID, sess.ID, chatA, gateway.ChatPage{Limit: 10})
	must(t, err)
	if len(msgs) != 0 || next != "" {
		t.Fatalf("history of a deleted chat: got %d messages, cursor %q", len(msgs), next)
	}
	fresh := newMessage(t, s, sess, inbound(chatA, 21))
	got, err = s.ChatByJID(ctx(t), u.ID, sess.ID, chatA)
	if err != nil || got.UnreadCount != 1 || got.MarkedUnread || got.LastMessage.ID != fresh.ID {
		t.Fatalf("deleted chat with a new message: got %+v (%v)", got, err)
	}
	msgs, _, _ = s.ChatMessages(ctx(t), u.ID, sess.ID, chatA, gateway.ChatPage{Limit: 10})
	diff(t, "history after delete", ids(msgs, msgID), []string{fresh.ID})

	// An operation's change is applied with its record, a failed one's not.
	op := &gateway.AccountOperation{UserID: u.ID, SessionID: sess.ID, Op: gateway.OpChatAction.Name, Result: gateway.OperationFailed,
		Chat: &gateway.ChatChange{Chat: chatB, Action: gateway.ChatPin}}
	must(t, s.RecordAccountOperation(ctx(t), op))
	if got, _ = s.ChatByJID(ctx(t), u.ID, sess.ID, chatB); got.Pinned {
		t.Fatal("a failed operation pinned the chat")
	}
	op = &gateway.AccountOperation{UserID: u.ID, SessionID: sess.ID, Op: gateway.OpChatAction.Name, Result: gateway.OperationSucceeded,
		Chat: &gateway.ChatChange{Chat: chatB, Action: gateway.ChatPin}}
	must(t, s.RecordAccountOperation(ctx(t), op))
	if got, _ = s.ChatByJID(ctx(t), u.ID, sess.ID, chatB); !got.Pinned {
		t.Fatal("a succeeded operation did not pin the chat")
	}

	// Another tenant sees none of it.
	other := newUser(t, s)
	_, _, err = s.ListChats(ctx(t), other.ID, sess.ID, gateway.ChatFilter{})
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.ChatByJID(ctx(t), other.ID, sess.ID, chatB)
	wantCode(t, err, gateway.CodeNotFound)
	_, _, err = s.ChatMessages(ctx(t), other.ID, sess.ID, chatB, gateway.ChatPage{})
	wantCode(t, err, gateway.CodeNotFound)
	_, err = s.ApplyChatChange(ctx(t), other.ID, sess.ID, gateway.ChatChange{Chat: chatB, Action: gateway.ChatRead})
	wantCode(t, err, gateway.CodeNotFound)
}

// testChatMessagesPaging: a chat's history pages newest first by cursor,
// ties on time ordered by id, without gaps or repeats.
func testChatMessagesPaging(t *testing.T, s gateway.Store) {
	u, sess := newTenant(t, s)
	var want []string
	for i := range 7 {
		n := i
		if i == 3 {
			n = 2 // two messages at the same time
		}
		m := newMessage(t, s, sess, outbound(chatA, n))
		want = append(want, m.ID)
	}
	newMessage(t, s, sess, outbound(chatC, 3)) // another chat
	var got []string
	cursor, pages := "", 0
	for {
		page, next, err := s.ChatMessages(ctx(t), u.ID, sess.ID, chatA, gateway.ChatPage{Before: cursor, Limit: 3})
		must(t, err)
		pages++
		for _, m := range page {
			got = append(got, m.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if pages != 3 {
		t.Fatalf("got %d pages of 3 for 7 messages, want 3", pages)
	}
	// Newest first: by time, then by id for the two of minute 2.
	wantOrder := []string{want[6], want[5], want[4]}
	tied := []string{want[2], want[3]}
	if tied[0] < tied[1] {
		tied[0], tied[1] = tied[1], tied[0]
	}
	wantOrder = append(append(wantOrder, tied...), want[1], want[0])
	diff(t, "history order", got, wantOrder)

	_, _, err := s.ChatMessages(ctx(t), u.ID, sess.ID, chatA, gateway.ChatPage{Before: "not a cursor", Limit: 3})
	wantCode(t, err, gateway.CodeValidation)
	_, _, err = s.ChatMessages(ctx(t), u.ID, sess.ID, "15559999999@s.whatsapp.net", gateway.ChatPage{})
	wantCode(t, err, gateway.CodeNotFound)
}
