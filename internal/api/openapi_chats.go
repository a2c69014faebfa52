package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

var (
	exampleChatJID  = "15550002222@s.whatsapp.net"
	exampleChatLast = gateway.Message{ID: "8e2d4c6a-0b1f-4a3e-9c5d-7f6e5d4c3b2a", SessionID: exampleSession, Direction: gateway.DirectionInbound,
		Type: gateway.TypeText, Recipient: "15550001111@s.whatsapp.net", Sender: exampleChatJID, SenderPhone: "15550002222",
		Chat: exampleChatJID, Body: "See you tomorrow", Status: gateway.MessageReceived, WAMessageID: "3EB0C4D5E6F7A8B9C0D1",
		CreatedAt: exampleTime, UpdatedAt: exampleTime, SentAt: &exampleTime}
	exampleChat = gateway.Chat{JID: exampleChatJID, Name: "Sam", UnreadCount: 2, Pinned: true,
		LastMessageAt: &exampleTime, LastMessage: &exampleChatLast, Labels: []string{}}
)

const chatWriteErrors = " 409 conflict with details.state when the session is not connected; 422 whatsapp_refused with " +
	"WhatsApp's reason when it refuses; 404 when the session has no such chat (or the account is not in the group). " +
	"Recorded in the session's operations as chat.action, with a chat.update event."

// chatOperations document the session's chats: the list, one chat, its
// history, and the chat actions.
func chatOperations() []operation {
	history := exampleChatLast
	history.History = true
	history.ID, history.WAMessageID = "1f3e5d7c-9b2a-4c6e-8d0f-2a4b6c8d0e1f", "3EB0AA11BB22CC33DD44"
	return []operation{
		{Method: "GET", Path: "/sessions/{session_id}/chats", API: true, ID: "listChats", Bound: boundPath, Tag: "Chats",
			Scope: service.ScopeRead, Summary: "The session's chats, direct and group",
			Description: "Read from the gateway's database (source: store): every chat with a message sent or received through " +
				"the session, and those history sync brought in after pairing. Pinned chats first, then by their newest message, " +
				"newest first. unread_count counts the messages received since the chat was last marked read. archived=true lists " +
				"the archived chats only, archived=false the others; without it, all. label=<id> keeps the chats carrying that label " +
				"(WhatsApp Business; each chat's labels are its labels field). A deleted chat comes back with its next message.",
			Query: withPage(param{Name: "archived", Type: "boolean", Description: "true: archived chats only; false: the others.", Example: false},
				param{Name: "label", Type: "string", Description: "A label id: only the chats carrying it.", Example: "3"}),
			Data: chatList{[]*gateway.Chat{&exampleChat}, examplePage, service.SourceStore}},
		{Method: "GET", Path: "/sessions/{session_id}/chats/{chat_id}", API: true, ID: "getChat", Bound: boundPath, Tag: "Chats",
			Scope: service.ScopeRead, Summary: "One chat",
			Description: "chat_id is the chat's JID (…@s.whatsapp.net, …@lid, …@g.us) or, for a direct chat, the phone number.",
			Data:        chatAnswer{&exampleChat, service.SourceStore}},
		{Method: "GET", Path: "/sessions/{session_id}/chats/{chat_id}/messages", API: true, ID: "listChatMessages", Bound: boundPath,
			Tag: "Chats", Scope: service.ScopeRead, Summary: "A chat's history, newest first, by cursor",
			Description: "limit messages (1 to 100, default 20) older than the before cursor; next_cursor gives the next page " +
				"and is absent on the last. A page costs the same at any depth. Messages history sync brought in are included " +
				"and marked history: true; messages up to the chat's deletion are not.",
			Query: []param{
				{Name: "before", Type: "string", Description: "next_cursor of the previous page; absent for the newest page.", Example: "MTc2ODQ2OTQwMDAwMDAwMC44ZTJk"},
				{Name: "limit", Type: "integer", Description: "Messages per page, 1 to 100 (default 20).", Example: 20},
			},
			Data: chatMessages{[]*gateway.Message{&exampleChatLast, &history}, "MTc2ODQ2OTQwMDAwMDAwMC4xZjNl", service.SourceStore}},
		{Method: "POST", Path: "/sessions/{session_id}/chats/{chat_id}/actions", API: true, ID: "chatAction", Bound: boundPath,
			Tag: "Chats", Scope: ScopeManage, Summary: "Archive, pin, mute, mark read or unread a chat",
			Description: "action is archive, unarchive, pin, unpin, mute, unmute, read or unread; mute_until (RFC 3339, in the future) " +
				"ends a mute, absent mutes forever. Archiving unpins, as on WhatsApp. On the real engine the change is an app-state " +
				"patch the account's other devices follow; changes made on those devices arrive as chat.update events with source " +
				"device." + chatWriteErrors,
			Body: chatActionRequest{}, Example: map[string]any{"action": "mute", "mute_until": "2026-01-16T09:30:00Z"},
			Errors: []int{http.StatusConflict}, Data: chatActionAnswer{&exampleChat}},
		{Method: "DELETE", Path: "/sessions/{session_id}/chats/{chat_id}", API: true, ID: "deleteChat", Bound: boundPath,
			Tag: "Chats", Scope: ScopeManage, Summary: "Delete a chat",
			Description: "Deletes the chat on WhatsApp (all the account's devices). Here the chat and its messages up to now leave " +
				"the chat list and history (GET /messages keeps them); a newer message brings the chat back." + chatWriteErrors,
			Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}, Data: chatDeleted{Chat: exampleChatJID, Deleted: true}},
	}
}
