package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Chats lists a session's chats from the store, pinned first, then by
// their newest message.
func (s *Service) Chats(ctx context.Context, userID, sessionID string, f gateway.ChatFilter) (List[*gateway.Chat], error) {
	f.Page = f.Page.Normalize()
	items, total, err := s.chats.ListChats(ctx, userID, sessionID, f)
	if err != nil {
		return List[*gateway.Chat]{}, err
	}
	return newList(items, total, f.Page), nil
}

// Chat returns one of a session's chats from the store.
func (s *Service) Chat(ctx context.Context, userID, sessionID, chat string) (*gateway.Chat, error) {
	jid, err := chatJID(chat)
	if err != nil {
		return nil, err
	}
	if _, err := s.Session(ctx, userID, sessionID); err != nil {
		return nil, err
	}
	return s.chats.ChatByJID(ctx, userID, sessionID, jid)
}

// ChatMessages returns a page of a chat's history, newest first, and the
// cursor of the next page ("" after the last).
func (s *Service) ChatMessages(ctx context.Context, userID, sessionID, chat string, p gateway.ChatPage) ([]*gateway.Message, string, error) {
	jid, err := chatJID(chat)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.Session(ctx, userID, sessionID); err != nil {
		return nil, "", err
	}
	p.Limit = gateway.Page{Limit: p.Limit}.Normalize().Limit
	list, next, err := s.chats.ChatMessages(ctx, userID, sessionID, jid, p)
	if list == nil && err == nil {
		list = []*gateway.Message{}
	}
	return list, next, err
}

// ChatAction archives, pins, mutes, marks read or unread, or deletes one
// of the session's chats: on WhatsApp through the session's worker, then
// in the store with the recorded operation and its chat.update event. It
// answers the chat as changed, nil once deleted.
func (s *Service) ChatAction(ctx context.Context, userID, sessionID string, r gateway.ChatActionRequest) (*gateway.Chat, error) {
	switch {
	case !slices.Contains(gateway.ChatActions, r.Action):
		return nil, gateway.ValidationError(map[string]string{"action": "Give one of " + strings.Join(gateway.ChatActions, ", ") + "."})
	case r.MuteUntil != nil && r.Action != gateway.ChatMute:
		return nil, gateway.ValidationError(map[string]string{"mute_until": "mute_until goes with the mute action only."})
	case r.MuteUntil != nil && !r.MuteUntil.After(s.now()):
		return nil, gateway.ValidationError(map[string]string{"mute_until": "Give a time in the future, or leave it out to mute forever."})
	}
	if r.MuteUntil != nil {
		t := r.MuteUntil.UTC().Truncate(time.Millisecond) // WhatsApp keeps milliseconds
		r.MuteUntil = &t
	}
	chat, err := s.Chat(ctx, userID, sessionID, r.Chat)
	if err != nil {
		return nil, err
	}
	r.Chat, r.LastMessage = chat.JID, nil
	if m := chat.LastMessage; m != nil && m.WAMessageID != "" {
		at := m.CreatedAt
		if m.SentAt != nil {
			at = *m.SentAt
		}
		r.LastMessage = &gateway.ChatMessageKey{WAMessageID: m.WAMessageID, FromMe: m.Direction == gateway.DirectionOutbound,
			Sender: m.Sender, Timestamp: at}
	}
	if _, err := runAccount(ctx, s, userID, sessionID, gateway.OpChatAction, r); err != nil {
		return nil, err
	}
	if r.Action == gateway.ChatDelete {
		return nil, nil
	}
	return s.chats.ChatByJID(ctx, userID, sessionID, chat.JID)
}

// chatJID parses a chat id (a JID, or a phone number for a direct chat);
// anything else is a chat that does not exist.
func chatJID(chat string) (string, error) {
	r, err := gateway.ParseRecipient(strings.TrimSpace(chat))
	if err != nil {
		return "", gateway.NotFound("Chat")
	}
	return r.JID, nil
}
