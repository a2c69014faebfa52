package client

import (
	"context"
	"net/http"
	"net/url"
)

// Label is a WhatsApp Business label of a session's account.
type Label struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Color    int    `json:"color"`
	Chats    int    `json:"chats"`
	Messages int    `json:"messages"`
}

// LabelRequest creates or edits a label; nil fields stay as they are.
type LabelRequest struct {
	Name  *string `json:"name,omitempty"`
	Color *int    `json:"color,omitempty"`
}

// MessageLabel is a label put on a message or taken off it.
type MessageLabel struct {
	MessageID string `json:"message_id"`
	SessionID string `json:"session_id"`
	Label     string `json:"label"`
	Labeled   bool   `json:"labeled"`
}

// Labels lists the session's labels.
func (c *Client) Labels(ctx context.Context, sessionID string) ([]Label, error) {
	return field[[]Label](ctx, c, http.MethodGet, c.sessionPath(sessionID, "/labels"), nil, nil, "labels")
}

// CreateLabel creates a label (a business account only).
func (c *Client) CreateLabel(ctx context.Context, sessionID string, in LabelRequest) (*Label, error) {
	return field[*Label](ctx, c, http.MethodPost, c.sessionPath(sessionID, "/labels"), nil, in, "label")
}

// UpdateLabel renames or recolours a label.
func (c *Client) UpdateLabel(ctx context.Context, sessionID, labelID string, in LabelRequest) (*Label, error) {
	return field[*Label](ctx, c, http.MethodPatch, c.sessionPath(sessionID, "/labels")+"/"+url.PathEscape(labelID), nil, in, "label")
}

// DeleteLabel deletes a label; it comes off every chat and message.
func (c *Client) DeleteLabel(ctx context.Context, sessionID, labelID string) error {
	return c.do(ctx, http.MethodDelete, c.sessionPath(sessionID, "/labels")+"/"+url.PathEscape(labelID), nil, nil, nil)
}

// LabelChat puts a label on a chat (labeled) or takes it off, and returns
// the chat with its labels.
func (c *Client) LabelChat(ctx context.Context, sessionID, chat, labelID string, labeled bool) (*Chat, error) {
	method := http.MethodPut
	if !labeled {
		method = http.MethodDelete
	}
	return field[*Chat](ctx, c, method, c.chatPath(sessionID, chat)+"/labels/"+url.PathEscape(labelID), nil, nil, "chat")
}

// LabelMessage puts a label on a stored message (labeled) or takes it off.
func (c *Client) LabelMessage(ctx context.Context, messageID, labelID string, labeled bool) (*MessageLabel, error) {
	method := http.MethodPut
	if !labeled {
		method = http.MethodDelete
	}
	return field[*MessageLabel](ctx, c, method, c.api("/messages/"+url.PathEscape(messageID)+"/labels/"+url.PathEscape(labelID)), nil, nil, "message_label")
}

// LabelMessages lists a page of the session's stored messages carrying a
// label, newest first. The chats carrying it are Chats with
// ChatListOptions.Label.
func (c *Client) LabelMessages(ctx context.Context, sessionID, labelID string, o ListOptions) ([]Message, *Pagination, error) {
	return list[Message](ctx, c, c.sessionPath(sessionID, "/labels")+"/"+url.PathEscape(labelID)+"/messages", o.query(), "messages")
}
