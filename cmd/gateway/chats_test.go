package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	wagw "github.com/whatsapp-saas/gateway/client"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
)

type chatView struct {
	JID          string       `json:"jid"`
	IsGroup      bool         `json:"is_group"`
	UnreadCount  int          `json:"unread_count"`
	MarkedUnread bool         `json:"marked_unread"`
	Archived     bool         `json:"archived"`
	Pinned       bool         `json:"pinned"`
	Muted        bool         `json:"muted"`
	MutedUntil   *time.Time   `json:"muted_until"`
	LastMessage  *messageView `json:"last_message"`
}

type chatListView struct {
	Chats      []chatView `json:"chats"`
	Pagination pagination `json:"pagination"`
	Source     string     `json:"source"`
}

func chatJIDsOf(list []chatView) string {
	var out []string
	for _, c := range list {
		out = append(out, c.JID)
	}
	return strings.Join(out, " ")
}

// chatMessages reads the session's chats (up to 100) and the newest
// perChat messages of each, decoded as M, and calls fn with each message
// and its chat's JID; it answers the chats.
func chatMessages[M any](t *testing.T, c *client, sessionID string, perChat int, fn func(chat string, m M)) []chatView {
	t.Helper()
	var chats chatListView
	c.do("GET", "/api/v1/sessions/"+sessionID+"/chats?limit=100", nil).must(t, http.StatusOK, &chats)
	for _, ch := range chats.Chats {
		var page struct {
			Messages []M `json:"messages"`
		}
		c.do("GET", "/api/v1/sessions/"+sessionID+"/chats/"+url.PathEscape(ch.JID)+"/messages?limit="+strconv.Itoa(perChat), nil).
			must(t, http.StatusOK, &page)
		for _, m := range page.Messages {
			fn(ch.JID, m)
		}
	}
	return chats.Chats
}

// historyImage is what finding a picture of a seeded history needs of a message.
type historyImage struct {
	ID      string `json:"id"`
	Type    string `json:"message_type"`
	History bool   `json:"history"`
}

// firstHistoryImage answers the first picture of the session's seeded
// history among the newest perChat messages of each chat, with its chat;
// "" when there is none, and the chats looked in.
func firstHistoryImage(t *testing.T, c *client, sessionID string, perChat int) (id, chat string, chats []chatView) {
	t.Helper()
	chats = chatMessages(t, c, sessionID, perChat, func(jid string, m historyImage) {
		if m.Type == "image" && m.History && id == "" {
			id, chat = m.ID, jid
		}
	})
	return id, chat, chats
}

// TestChatsSandbox drives the chat routes end to end on the sandbox.
func TestChatsSandbox(t *testing.T) {
	testChats(t, instantSandbox(t, noHistory))
}

// TestChatsSandboxPostgresRedis is TestChatsSandbox on PostgreSQL, with the
// sandbox network on Redis.
func TestChatsSandboxPostgresRedis(t *testing.T) {
	shared := sharedStores(t, 12)
	testHistorySync(t, instantSandbox(t, shared))
	// The chat walk counts chats, so on sessions that pair without
	// history, and on a schema of its own.
	testChats(t, instantSandbox(t, shared, noHistory, map[string]string{"DATABASE_URL": pgtest.FreshSchema(t)}))
}

// TestHistorySyncSandbox: the sandbox seeds a history on pairing, stored
// as chats and history messages with the session's progress.
func TestHistorySyncSandbox(t *testing.T) {
	testHistorySync(t, instantSandbox(t))
}

// testHistorySync pairs a sandbox session with HISTORY_SYNC_DAYS at its
// default (30): the seeded history (60 messages in 6 chats) is stored,
// the session shows the progress, chats carry names and flags, a chat's
// history holds the messages marked history with sender phone and LID,
// and none of it is in GET /messages, the analytics or the message events.
func testHistorySync(t *testing.T, base string) {
	alice, bob := aliceAndBob(t, base, "history")
	s := scanAs(t, alice, "h1", "15550007001")
	if got := waitHistorySync(t, alice, s.ID, "done", patience); got != (historySyncView{Status: "done", Chats: 6, Messages: 60, Progress: 100}) {
		t.Fatalf("history_sync: got %+v, want done with 6 chats and 60 messages", got)
	}

	var list chatListView
	alice.do("GET", "/api/v1/sessions/"+s.ID+"/chats?limit=100", nil).must(t, http.StatusOK, &list)
	if len(list.Chats) != 6 || !list.Chats[0].Pinned {
		t.Fatalf("chats: got %d (%s), want 6 with the pinned one first", len(list.Chats), chatJIDsOf(list.Chats))
	}
	var named struct {
		Chats []struct {
			Name     string `json:"name"`
			Archived bool   `json:"archived"`
			Muted    bool   `json:"muted"`
		} `json:"chats"`
	}
	alice.do("GET", "/api/v1/sessions/"+s.ID+"/chats?archived=true", nil).must(t, http.StatusOK, &named)
	if len(named.Chats) != 1 || named.Chats[0].Name == "" || !named.Chats[0].Archived {
		t.Fatalf("archived history chats: got %+v, want one, named", named.Chats)
	}
	total, cursor := 0, ""
	for {
		var page struct {
			Messages []struct {
				History     bool   `json:"history"`
				SenderPhone string `json:"sender_phone"`
				SenderLID   string `json:"sender_lid"`
				Direction   string `json:"direction"`
			} `json:"messages"`
			NextCursor string `json:"next_cursor"`
		}
		alice.do("GET", "/api/v1/sessions/"+s.ID+"/chats/"+list.Chats[0].JID+"/messages?limit=3&before="+cursor, nil).must(t, http.StatusOK, &page)
		for _, m := range page.Messages {
			if !m.History || m.SenderPhone == "" || !strings.HasSuffix(m.SenderLID, "@lid") {
				t.Fatalf("history message: got %+v, want history with the sender's phone and LID", m)
			}
			total++
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if total != 10 {
		t.Fatalf("paged %d messages of the first chat, want 10", total)
	}

	// Not news: not in the message log, the analytics, or message events.
	var msgs struct {
		Pagination pagination `json:"pagination"`
	}
	alice.do("GET", "/api/v1/messages?session_id="+s.ID, nil).must(t, http.StatusOK, &msgs)
	if msgs.Pagination.Total != 0 {
		t.Fatalf("GET /messages lists %d history messages", msgs.Pagination.Total)
	}
	var overview struct {
		Messages struct {
			Total struct {
				Total int `json:"total"`
			} `json:"total"`
		} `json:"messages"`
	}
	alice.do("GET", "/api/v1/analytics/overview", nil).must(t, http.StatusOK, &overview)
	if overview.Messages.Total.Total != 0 {
		t.Fatalf("analytics count %d history messages", overview.Messages.Total.Total)
	}
	var first string
	replayEvents(t, alice, "types=message,history.sync&session_id="+s.ID, func(data []byte) bool {
		var ev struct {
			Type string `json:"type"`
			Data struct {
				Status   string `json:"status"`
				Messages int    `json:"messages"`
			} `json:"data"`
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		first = ev.Type + ":" + ev.Data.Status
		return true
	})
	if first != "history.sync:done" {
		t.Fatalf("first message or history event: got %q, want history.sync:done (no message events)", first)
	}
	bob.do("GET", "/api/v1/sessions/"+s.ID+"/chats", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", "/api/v1/sessions/"+s.ID+"/chats/"+list.Chats[0].JID+"/messages", nil).fails(t, http.StatusNotFound, "not_found")
}

// testChats: two sessions of one tenant talk directly and in a group; the
// chat list follows (last message, unread counts, newest first), actions
// set the flags and are recorded with their chat.update events, a chat's
// history pages by cursor, a deleted chat comes back with its next
// message, and another tenant gets 404 everywhere.
func testChats(t *testing.T, base string) {
	alice, bob := aliceAndBob(t, base, "chats")
	a1 := scanAs(t, alice, "a1", "15550005001")
	a2 := scanAs(t, alice, "a2", "15550005002")
	b := scanAs(t, bob, "b", "15550006001")
	chats := func(sid string) string { return "/api/v1/sessions/" + sid + "/chats" }
	direct := a2.Phone + "@s.whatsapp.net"
	waitHistorySync(t, alice, a1.ID, "off", patience)

	// a1 writes to a2, a2 answers twice, a1 writes in a group of both.
	sendText(t, alice, a1.ID, a2.Phone, "hello a2")
	polltest.Eventually(t, patience, "a2 receives", func() bool { return len(inbound(t, alice, a2.ID)) == 1 })
	sendText(t, alice, a2.ID, a1.Phone, "hi a1")
	sendText(t, alice, a2.ID, a1.Phone, "how are you?")
	var created struct {
		Group groupView `json:"group"`
	}
	alice.do("POST", "/api/v1/sessions/"+a1.ID+"/groups", map[string]any{"subject": "Chat group", "participants": []string{a2.Phone}}).
		must(t, http.StatusCreated, &created)
	group := created.Group.JID
	polltest.Eventually(t, patience, "a1 receives", func() bool { return len(inbound(t, alice, a1.ID)) == 2 })
	// (The sandbox delivers no group messages to members: a1 writes there.)
	sendText(t, alice, a1.ID, group, "in the group")

	var list chatListView
	alice.do("GET", chats(a1.ID), nil).must(t, http.StatusOK, &list)
	if got := chatJIDsOf(list.Chats); got != group+" "+direct || list.Source != "store" || list.Pagination.Total != 2 {
		t.Fatalf("a1's chats: got %s (%+v), want the group, then a2, from the store", got, list)
	}
	g, d := list.Chats[0], list.Chats[1]
	if !g.IsGroup || g.UnreadCount != 0 || g.LastMessage == nil || g.LastMessage.Body != "in the group" {
		t.Errorf("group chat: got %+v", g)
	}
	if d.IsGroup || d.UnreadCount != 2 || d.LastMessage == nil || d.LastMessage.Body != "how are you?" || d.LastMessage.Direction != "inbound" {
		t.Errorf("direct chat: got %+v, want 2 unread and a2's last message", d)
	}

	// Pin the direct chat: first. Archive the group: only with archived=true.
	var changed struct {
		Chat chatView `json:"chat"`
	}
	alice.do("POST", chats(a1.ID)+"/"+a2.Phone+"/actions", map[string]any{"action": "pin"}).must(t, http.StatusOK, &changed)
	if !changed.Chat.Pinned || changed.Chat.JID != direct {
		t.Fatalf("pin: got %+v", changed.Chat)
	}
	alice.do("GET", chats(a1.ID), nil).must(t, http.StatusOK, &list)
	if got := chatJIDsOf(list.Chats); got != direct+" "+group {
		t.Fatalf("after pin: got %s, want the pinned chat first", got)
	}
	alice.do("POST", chats(a1.ID)+"/"+group+"/actions", map[string]any{"action": "archive"}).must(t, http.StatusOK, &changed)
	alice.do("GET", chats(a1.ID)+"?archived=true", nil).must(t, http.StatusOK, &list)
	if got := chatJIDsOf(list.Chats); got != group {
		t.Fatalf("archived=true: got %s", got)
	}
	alice.do("GET", chats(a1.ID)+"?archived=false", nil).must(t, http.StatusOK, &list)
	if got := chatJIDsOf(list.Chats); got != direct {
		t.Fatalf("archived=false: got %s", got)
	}

	// Mute for a day, read, unread, through the Go client too.
	gc := sdk(t, base)
	gc.Token = alice.token
	until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Millisecond)
	muted, err := gc.ChatAction(t.Context(), a1.ID, direct, "mute", &until)
	if err != nil || !muted.Muted || muted.MutedUntil == nil || !muted.MutedUntil.Equal(until) {
		t.Fatalf("client mute: got %+v (%v), want muted until %v", muted, err, until)
	}
	read, err := gc.ChatAction(t.Context(), a1.ID, direct, "read", nil)
	if err != nil || read.UnreadCount != 0 || read.MarkedUnread {
		t.Fatalf("client read: got %+v (%v)", read, err)
	}
	alice.do("POST", chats(a1.ID)+"/"+direct+"/actions", map[string]any{"action": "unread"}).must(t, http.StatusOK, &changed)
	if !changed.Chat.MarkedUnread {
		t.Fatalf("unread: got %+v", changed.Chat)
	}
	one, err := gc.Chat(t.Context(), a1.ID, a2.Phone)
	if err != nil || !one.Pinned || !one.Muted || !one.MarkedUnread {
		t.Fatalf("client Chat: got %+v (%v), want pinned, muted and marked unread", one, err)
	}
	if cs, _, err := gc.Chats(t.Context(), a1.ID, wagw.ChatListOptions{Archived: "true"}); err != nil || len(cs) != 1 || cs[0].JID != group {
		t.Fatalf("client Chats archived: got %+v (%v)", cs, err)
	}

	// The history pages newest first by cursor: 3 messages, 2 a page.
	var page struct {
		Messages   []messageView `json:"messages"`
		NextCursor string        `json:"next_cursor"`
		Source     string        `json:"source"`
	}
	alice.do("GET", chats(a1.ID)+"/"+direct+"/messages?limit=2", nil).must(t, http.StatusOK, &page)
	if len(page.Messages) != 2 || page.Messages[0].Body != "how are you?" || page.Messages[1].Body != "hi a1" || page.NextCursor == "" || page.Source != "store" {
		t.Fatalf("history page 1: got %+v", page)
	}
	cursor := page.NextCursor
	page.NextCursor = "" // absent on the last page
	alice.do("GET", chats(a1.ID)+"/"+direct+"/messages?limit=2&before="+cursor, nil).must(t, http.StatusOK, &page)
	if len(page.Messages) != 1 || page.Messages[0].Body != "hello a2" || page.NextCursor != "" {
		t.Fatalf("history page 2: got %+v, want a1's first message and no cursor", page)
	}
	ms, next, err := gc.ChatMessages(t.Context(), a1.ID, group, "", 10)
	if err != nil || len(ms) != 1 || ms[0].Body != "in the group" || next != "" {
		t.Fatalf("client ChatMessages: got %+v %q (%v)", ms, next, err)
	}

	// Each action is an operation with its chat.update event.
	ops := operations(t, alice, a1.ID, "?limit=100")
	n := 0
	for _, o := range ops {
		if o.Op == "chat.action" && o.Result == "succeeded" {
			n++
		}
	}
	if n != 5 {
		t.Errorf("got %d succeeded chat.action operations, want 5 (pin, archive, mute, read, unread): %+v", n, ops)
	}
	var actions []string
	replayEvents(t, alice, "types=chat.update&session_id="+a1.ID, func(data []byte) bool {
		var ev struct {
			Data struct {
				Chat, Action, Source string
			} `json:"data"`
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		actions = append(actions, ev.Data.Action+":"+ev.Data.Source)
		return len(actions) == 5
	})
	if got := strings.Join(actions, " "); got != "pin:api archive:api mute:api read:api unread:api" {
		t.Errorf("chat.update events: got %s", got)
	}

	// WhatsApp refuses (the sandbox's 0409 number): 422 with the reason, recorded.
	sendText(t, alice, a1.ID, "15550030409", "to a refusing chat")
	alice.do("POST", chats(a1.ID)+"/15550030409/actions", map[string]any{"action": "pin"}).fails(t, http.StatusUnprocessableEntity, "whatsapp_refused")

	// Bad input.
	alice.do("POST", chats(a1.ID)+"/"+direct+"/actions", map[string]any{"action": "star"}).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("POST", chats(a1.ID)+"/"+direct+"/actions", map[string]any{"action": "mute", "mute_until": "2001-01-01T00:00:00Z"}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("POST", chats(a1.ID)+"/"+direct+"/actions", map[string]any{"action": "pin", "mute_until": until}).
		fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("GET", chats(a1.ID)+"/"+direct+"/messages?before=nope", nil).fails(t, http.StatusUnprocessableEntity, "validation_failed")
	alice.do("GET", chats(a1.ID)+"?archived=maybe", nil).fails(t, http.StatusBadRequest, "invalid_request")
	alice.do("GET", chats(a1.ID)+"/15559999999", nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("POST", chats(a1.ID)+"/15559999999/actions", map[string]any{"action": "pin"}).fails(t, http.StatusNotFound, "not_found")

	// Another tenant: 404 on every chat route of alice's session.
	bob.do("GET", chats(a1.ID), nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", chats(a1.ID)+"/"+direct, nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", chats(a1.ID)+"/"+direct+"/messages", nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("POST", chats(a1.ID)+"/"+direct+"/actions", map[string]any{"action": "archive"}).fails(t, http.StatusNotFound, "not_found")
	bob.do("DELETE", chats(a1.ID)+"/"+direct, nil).fails(t, http.StatusNotFound, "not_found")
	bob.do("GET", chats(b.ID), nil).must(t, http.StatusOK, &list)
	if len(list.Chats) != 0 {
		t.Fatalf("bob's chats: got %+v, want none", list.Chats)
	}

	// Delete: gone with its history, back with a2's next message alone.
	if err := gc.DeleteChat(t.Context(), a1.ID, direct); err != nil {
		t.Fatalf("client DeleteChat: %v", err)
	}
	alice.do("GET", chats(a1.ID)+"/"+direct, nil).fails(t, http.StatusNotFound, "not_found")
	alice.do("GET", chats(a1.ID)+"?archived=false", nil).must(t, http.StatusOK, &list)
	if strings.Contains(chatJIDsOf(list.Chats), direct) {
		t.Fatalf("deleted chat still listed: %s", chatJIDsOf(list.Chats))
	}
	sendText(t, alice, a2.ID, a1.Phone, "after the delete")
	polltest.Eventually(t, patience, "the chat back", func() bool {
		r := alice.do("GET", chats(a1.ID)+"/"+direct, nil)
		return r.Status == http.StatusOK
	})
	alice.do("GET", chats(a1.ID)+"/"+direct+"/messages", nil).must(t, http.StatusOK, &page)
	if len(page.Messages) != 1 || page.Messages[0].Body != "after the delete" {
		t.Fatalf("history after delete: got %+v", page.Messages)
	}

	// Not connected: 409 with the state.
	alice.do("POST", "/api/v1/sessions/"+a1.ID+"/logout", nil).must(t, http.StatusOK, nil)
	r := alice.do("POST", chats(a1.ID)+"/"+direct+"/actions", map[string]any{"action": "archive"}).fails(t, http.StatusConflict, "conflict")
	if r.Error.Details["state"] == nil {
		t.Errorf("got details %v, want the state", r.Error.Details)
	}
	// Reads come from the store, connected or not.
	alice.do("GET", chats(a1.ID), nil).must(t, http.StatusOK, &list)
}
