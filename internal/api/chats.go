package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// The session's chats, read from the gateway's store (source: "store"),
// and the chat actions, done on WhatsApp and recorded as chat.action
// operations.

// chatHandlers are the handlers of chatOperations, by operation id.
func (s *Server) chatHandlers() map[string]handler {
	return map[string]handler{
		"listChats":        s.handleChatList,
		"getChat":          onItem(s, "chat_id", http.StatusOK, readItem(s.svc.Chat), chatStored),
		"listChatMessages": s.handleChatMessages,
		"chatAction":       onItem(s, "chat_id", http.StatusOK, s.chatAction, chatChanged),
		"deleteChat":       onItem(s, "chat_id", http.StatusOK, readItem(s.deleteChat), nil),
	}
}

// chatList is a page of a session's chats.
type chatList struct {
	Chats      []*gateway.Chat    `json:"chats" desc:"This page of chats: pinned first, then by their newest message, newest first."`
	Pagination service.Pagination `json:"pagination" desc:"Where this page sits in the whole list."`
	Source     string             `json:"source" desc:"store: read from the gateway's database."`
}

// chatAnswer is one chat.
type chatAnswer struct {
	Chat   *gateway.Chat `json:"chat" desc:"The chat."`
	Source string        `json:"source" desc:"store: read from the gateway's database."`
}

// chatMessages is a page of a chat's history.
type chatMessages struct {
	Messages   []*gateway.Message `json:"messages" desc:"This page of the chat's messages, newest first (history sync's included, marked history)."`
	NextCursor string             `json:"next_cursor,omitempty" desc:"Give it as before for the next (older) page; absent on the last page."`
	Source     string             `json:"source" desc:"store: read from the gateway's database."`
}

// chatActionRequest is the body of a chat action.
type chatActionRequest struct {
	Action    string     `json:"action" desc:"archive, unarchive, pin, unpin, mute, unmute, read, unread or delete."`
	MuteUntil *time.Time `json:"mute_until,omitempty" desc:"For mute: when the mute ends (RFC 3339, in the future); absent mutes forever."`
}

// chatActionAnswer is the chat after an action.
type chatActionAnswer struct {
	Chat *gateway.Chat `json:"chat" desc:"The chat as changed."`
}

// chatDeleted answers a deleted chat.
type chatDeleted struct {
	Chat    string `json:"chat" desc:"The chat's JID."`
	Deleted bool   `json:"deleted" desc:"true: the chat is deleted on WhatsApp and hidden here until a newer message arrives."`
}

func (s *Server) handleChatList(w http.ResponseWriter, r *http.Request) error {
	id, p, q, err := idAndPage(r, "session_id")
	if err != nil {
		return err
	}
	f := gateway.ChatFilter{Page: p}
	if v := q.Get("archived"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return gateway.Errorf(gateway.CodeInvalid, "archived must be true or false.")
		}
		f.Archived = &b
	}
	f.Label = q.Get("label")
	list, err := s.svc.Chats(r.Context(), who(r).User.ID, id, f)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, chatList{list.Items, list.Pagination, service.SourceStore})
}

func chatStored(_ *http.Request, c *gateway.Chat) any { return chatAnswer{c, service.SourceStore} }

func (s *Server) handleChatMessages(w http.ResponseWriter, r *http.Request) error {
	id, chat, err := sessionAnd(r, "chat_id")
	if err != nil {
		return err
	}
	p, q, err := pageAndQuery(r)
	if err != nil {
		return err
	}
	if q.Get("page") != "" {
		return gateway.Errorf(gateway.CodeInvalid, "A chat's history pages by cursor: give before (next_cursor of the previous page), not page.")
	}
	list, next, err := s.svc.ChatMessages(r.Context(), who(r).User.ID, id, chat, gateway.ChatPage{Before: q.Get("before"), Limit: p.Limit})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, chatMessages{list, next, service.SourceStore})
}

func chatChanged(_ *http.Request, c *gateway.Chat) any { return chatActionAnswer{c} }

// chatAction does an action on the chat the path names; deleting has its
// own route.
func (s *Server) chatAction(ctx context.Context, userID, sessionID, chat string, req chatActionRequest) (*gateway.Chat, error) {
	if req.Action == gateway.ChatDelete {
		return nil, gateway.ValidationError(map[string]string{"action": "Delete a chat with DELETE on the chat."})
	}
	return s.svc.ChatAction(ctx, userID, sessionID, gateway.ChatActionRequest{Chat: chat, Action: req.Action, MuteUntil: req.MuteUntil})
}

// deleteChat deletes a chat, answered by its JID.
func (s *Server) deleteChat(ctx context.Context, userID, sessionID, chat string) (chatDeleted, error) {
	req := gateway.ChatActionRequest{Chat: chat, Action: gateway.ChatDelete}
	if _, err := s.svc.ChatAction(ctx, userID, sessionID, req); err != nil {
		return chatDeleted{}, err
	}
	jid := chat
	if c, err := gateway.ParseRecipient(chat); err == nil {
		jid = c.JID
	}
	return chatDeleted{Chat: jid, Deleted: true}, nil
}
