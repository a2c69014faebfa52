package gateway

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Chats: the session's conversations, direct and group, as the gateway's
// database knows them. A chat row follows every message stored for it (a
// trigger on messages keeps its last message and unread count in the same
// statement), history sync fills it on pairing, and chat actions
// (archive, pin, mute, read, delete) change its flags: through the API as
// one recorded chat.action operation, or from the account's other devices
// as engine events.

// Chat actions.
const (
	ChatArchive   = "archive"
	ChatUnarchive = "unarchive"
	ChatPin       = "pin"
	ChatUnpin     = "unpin"
	ChatMute      = "mute"
	ChatUnmute    = "unmute"
	ChatRead      = "read"
	ChatUnread    = "unread"
	ChatDelete    = "delete"
)

// ChatActions lists every chat action, in the order the API documents them.
var ChatActions = []string{ChatArchive, ChatUnarchive, ChatPin, ChatUnpin, ChatMute, ChatUnmute, ChatRead, ChatUnread, ChatDelete}

// EventChatUpdate is a chat archived, pinned, muted, read, marked unread or
// deleted, through the API or on another device of the account.
const EventChatUpdate = "chat.update"

// Chat is one conversation of a session.
type Chat struct {
	JID     string `json:"jid" desc:"The chat: the other party's JID (…@s.whatsapp.net or …@lid), or the group's (…@g.us)."`
	Name    string `json:"name,omitempty" desc:"The chat's name as WhatsApp gave it (history sync), when known."`
	IsGroup bool   `json:"is_group" desc:"true for a group chat."`
	// UnreadCount counts the messages received since the chat was last read.
	UnreadCount  int  `json:"unread_count" desc:"Messages received since the chat was last marked read."`
	MarkedUnread bool `json:"marked_unread" desc:"The chat was marked unread by hand (WhatsApp shows a dot without a count)."`
	Archived     bool `json:"archived" desc:"The chat is archived."`
	Pinned       bool `json:"pinned" desc:"The chat is pinned to the top of the list."`
	Muted        bool `json:"muted" desc:"Notifications of the chat are muted now."`
	// MutedUntil is the end of a mute; absent when not muted or muted forever.
	MutedUntil    *time.Time `json:"muted_until,omitempty" desc:"When the mute ends; absent when not muted or muted forever."`
	LastMessageAt *time.Time `json:"last_message_at,omitempty" desc:"When the chat's newest message was sent or received."`
	LastMessage   *Message   `json:"last_message,omitempty" desc:"The chat's newest message (reactions, edits and revokes aside), when still stored."`
	// Labels are the ids of the labels on the chat (WhatsApp Business).
	Labels []string `json:"labels" desc:"The ids of the labels on the chat (WhatsApp Business; see GET /sessions/{session_id}/labels)."`
}

// ChatFilter selects a session's chats.
type ChatFilter struct {
	// Archived, when set, keeps only archived (true) or unarchived chats.
	Archived *bool
	// Label, when set, keeps only the chats carrying that label.
	Label string
	Page
}

// ChatChange is what a chat action does to the stored chat: the action,
// the mute's end (nil: forever) and when it happened.
type ChatChange struct {
	Chat      string
	Action    string
	MuteUntil *time.Time
	At        time.Time
}

// MutedForever is the stored end of a mute without one: WhatsApp's -1.
const MutedForever = -1

// ChatPage asks for one page of a chat's messages, newest first: Limit
// messages created before the Before cursor (from the start when empty).
type ChatPage struct {
	Before string
	Limit  int
}

// ChatCursor is the opaque position after a message in a chat's history:
// its creation time and id.
func ChatCursor(m *Message) string {
	raw := strconv.FormatInt(m.CreatedAt.UnixMicro(), 10) + "." + m.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseChatCursor reads a ChatCursor; CodeInvalid when it is not one.
func ParseChatCursor(c string) (at time.Time, id string, err error) {
	bad := ValidationError(map[string]string{"before": "Give a cursor from next_cursor of the previous page."})
	raw, decErr := base64.RawURLEncoding.DecodeString(c)
	if decErr != nil {
		return time.Time{}, "", bad
	}
	ts, id, ok := strings.Cut(string(raw), ".")
	n, convErr := strconv.ParseInt(ts, 10, 64)
	if !ok || convErr != nil || id == "" || len(id) > 64 {
		return time.Time{}, "", bad
	}
	return time.UnixMicro(n).UTC(), id, nil
}

// ChatStore keeps the session's chats.
type ChatStore interface {
	// ListChats lists a session's chats, pinned first, then by their
	// newest message, newest first, with the total count. A deleted chat
	// is listed again once a message arrives after its deletion.
	// CodeNotFound when the session is absent or another tenant's.
	ListChats(ctx context.Context, userID, sessionID string, f ChatFilter) ([]*Chat, int, error)
	// ChatByJID returns one chat; CodeNotFound when the session has none
	// with that JID (or it is another tenant's).
	ChatByJID(ctx context.Context, userID, sessionID, jid string) (*Chat, error)
	// ChatMessages returns a page of a chat's messages, newest first, and
	// the cursor of the next page ("" after the last). Messages up to the
	// chat's deletion are left out. CodeNotFound when the chat is absent.
	ChatMessages(ctx context.Context, userID, sessionID, jid string, p ChatPage) ([]*Message, string, error)
	// ApplyChatChange applies a change seen on another device of the
	// account (the chat is created when unknown) and writes events in the
	// same transaction, only when it changed something; it reports
	// whether it did. CodeNotFound when the session is absent.
	ApplyChatChange(ctx context.Context, userID, sessionID string, c ChatChange, events ...*Event) (bool, error)
}

// ChatMessageKey names a chat's newest message for an engine: WhatsApp's
// app-state patches of archive, read and delete carry it.
type ChatMessageKey struct {
	WAMessageID string    `json:"wa_message_id" desc:"The message's WhatsApp id."`
	FromMe      bool      `json:"from_me" desc:"true when the account sent it."`
	Sender      string    `json:"sender,omitempty" desc:"Who sent it, in a group."`
	Timestamp   time.Time `json:"timestamp" desc:"When it was sent or received."`
}

// ChatActionRequest is one chat action. Chat comes from the path; LastMessage
// is filled by the service from the store.
type ChatActionRequest struct {
	Chat   string `json:"chat" desc:"The chat's JID (taken from the path)."`
	Action string `json:"action" desc:"archive, unarchive, pin, unpin, mute, unmute, read, unread or delete."`
	// MuteUntil ends a mute; nil mutes forever.
	MuteUntil   *time.Time      `json:"mute_until,omitempty" desc:"For mute: when the mute ends (RFC 3339, in the future); absent mutes forever."`
	LastMessage *ChatMessageKey `json:"last_message,omitempty" desc:"The chat's newest message, filled by the gateway."`
}

// ChatActionResult is the outcome of a chat action.
type ChatActionResult struct {
	Chat   string `json:"chat" desc:"The chat's JID."`
	Action string `json:"action" desc:"The action done."`
}

// ChatUpdateData is the data of a chat.update event.
type ChatUpdateData struct {
	SessionID string `json:"session_id" desc:"The session whose chat changed."`
	Chat      string `json:"chat" desc:"The chat's JID."`
	// Action is one of ChatActions.
	Action    string     `json:"action" desc:"archive, unarchive, pin, unpin, mute, unmute, read, unread or delete."`
	MuteUntil *time.Time `json:"mute_until,omitempty" desc:"For mute: when it ends (absent: forever)."`
	// Source is api (an operation of this gateway) or device (another
	// device of the account, the phone).
	Source string `json:"source" desc:"api when made through this gateway, device when made on another device of the account."`
}

// Where a chat change came from.
const (
	ChangeByAPI    = "api"
	ChangeByDevice = "device"
)

// EvChatUpdate is a chat change an engine saw on another device of the
// account. FromSync marks the state replayed by a full sync after pairing:
// stored, but not announced as an event.
type EvChatUpdate struct {
	Change   ChatChange
	FromSync bool
}

func (EvChatUpdate) engineEvent() {}

// OpChatAction archives, pins, mutes, marks read or unread, or deletes a
// chat; the stored chat changes in the operation's transaction.
var OpChatAction = AccountOp[ChatActionRequest, ChatActionResult]{Name: "chat.action", Write: true,
	Call: func(ctx context.Context, e AccountEngine, r ChatActionRequest) (ChatActionResult, error) {
		err := e.ChatAction(ctx, r)
		return ChatActionResult{Chat: r.Chat, Action: r.Action}, err
	},
	Events: func(sid string, r ChatActionRequest, _ ChatActionResult) []AccountEvent {
		return []AccountEvent{{Type: EventChatUpdate, Data: ChatUpdateData{SessionID: sid, Chat: r.Chat, Action: r.Action,
			MuteUntil: r.MuteUntil, Source: ChangeByAPI}}}
	},
	Chats: func(r ChatActionRequest, _ ChatActionResult) *ChatChange {
		return &ChatChange{Chat: r.Chat, Action: r.Action, MuteUntil: r.MuteUntil}
	}}
