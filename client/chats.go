package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Chat is one conversation of a session, as the gateway's store knows it.
type Chat struct {
	JID           string     `json:"jid"`
	Name          string     `json:"name,omitempty"`
	IsGroup       bool       `json:"is_group"`
	UnreadCount   int        `json:"unread_count"`
	MarkedUnread  bool       `json:"marked_unread"`
	Archived      bool       `json:"archived"`
	Pinned        bool       `json:"pinned"`
	Muted         bool       `json:"muted"`
	MutedUntil    *time.Time `json:"muted_until,omitempty"`
	LastMessageAt *time.Time `json:"last_message_at,omitempty"`
	LastMessage   *Message   `json:"last_message,omitempty"`
	// Labels are the ids of the chat's labels (WhatsApp Business).
	Labels []string `json:"labels"`
}

// ChatListOptions selects chats: Archived "" for all, "true" or "false";
// Label, when set, only the chats carrying that label.
type ChatListOptions struct {
	ListOptions
	Archived string
	Label    string
}

func (c *Client) chatPath(sessionID, chat string) string {
	return c.sessionPath(sessionID, "/chats") + "/" + url.PathEscape(chat)
}

// Chats lists the session's chats, pinned first, then newest first.
func (c *Client) Chats(ctx context.Context, sessionID string, o ChatListOptions) ([]Chat, *Pagination, error) {
	q := o.query()
	if o.Archived != "" {
		q.Set("archived", o.Archived)
	}
	if o.Label != "" {
		q.Set("label", o.Label)
	}
	return list[Chat](ctx, c, c.sessionPath(sessionID, "/chats"), q, "chats")
}

// Chat reads one chat (a JID, or a phone number for a direct chat).
func (c *Client) Chat(ctx context.Context, sessionID, chat string) (*Chat, error) {
	return field[*Chat](ctx, c, http.MethodGet, c.chatPath(sessionID, chat), nil, nil, "chat")
}

// ChatMessages reads a page of a chat's history, newest first: limit
// messages older than the before cursor ("" for the newest). It answers
// the cursor of the next page, "" after the last.
func (c *Client) ChatMessages(ctx context.Context, sessionID, chat, before string, limit int) ([]Message, string, error) {
	q := url.Values{}
	if before != "" {
		q.Set("before", before)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Messages   []Message `json:"messages"`
		NextCursor string    `json:"next_cursor"`
	}
	err := c.do(ctx, http.MethodGet, c.chatPath(sessionID, chat)+"/messages", q, nil, &out)
	return out.Messages, out.NextCursor, err
}

// ChatAction archives, unarchives, pins, unpins, mutes, unmutes, or marks
// a chat read or unread; muteUntil ends a mute (nil: forever). It answers
// the chat as changed.
func (c *Client) ChatAction(ctx context.Context, sessionID, chat, action string, muteUntil *time.Time) (*Chat, error) {
	body := map[string]any{"action": action}
	if muteUntil != nil {
		body["mute_until"] = muteUntil.UTC().Format(time.RFC3339Nano)
	}
	return field[*Chat](ctx, c, http.MethodPost, c.chatPath(sessionID, chat)+"/actions", nil, body, "chat")
}

// DeleteChat deletes a chat on WhatsApp; the gateway hides it and its
// messages until a newer one arrives.
func (c *Client) DeleteChat(ctx context.Context, sessionID, chat string) error {
	return c.do(ctx, http.MethodDelete, c.chatPath(sessionID, chat), nil, nil, nil)
}
