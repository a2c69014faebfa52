package api

import (
	"net/http"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

var exampleLabel = gateway.Label{ID: "3", Name: "Pending payment", Color: 2, Chats: 4, Messages: 1}

const labelWriteErrors = " 409 conflict with details.state when the session is not connected; 422 whatsapp_refused when " +
	"WhatsApp refuses, as it does for an account that is not a WhatsApp Business account (the sandbox says so: its business " +
	"numbers end in 0200); 404 for a label, chat or message the session does not have."

// labelOperations document WhatsApp Business labels: the session's labels
// and putting them on chats and messages.
func labelOperations() []operation {
	labeled := exampleChat
	labeled.Labels = []string{exampleLabel.ID}
	return []operation{
		{Method: "GET", Path: "/sessions/{session_id}/labels", API: true, ID: "listLabels", Bound: boundPath, Tag: "Labels",
			Scope: service.ScopeRead, Summary: "The session's labels (WhatsApp Business)",
			Description: "Read from the gateway's database (source: store): the labels made through the API, on the phone, and " +
				"those the phone's app state brought after pairing, each with how many chats and messages carry it. A chat's labels " +
				"are in the chat list (GET /sessions/{session_id}/chats, whose label= keeps the chats carrying one label).",
			Data: labelList{[]*gateway.Label{&exampleLabel}, service.SourceStore}},
		{Method: "POST", Path: "/sessions/{session_id}/labels", API: true, ID: "createLabel", Bound: boundPath, Tag: "Labels",
			Scope: ScopeManage, Summary: "Create a label",
			Description: "name (1 to 100 characters) and color (0 to 19, WhatsApp's palette; default 0). The gateway hands out the " +
				"label's id, one past the highest it handed out or the phone made, atomically: two creates at once get different ids. Recorded as label.create, with a label.update event (change created)." + labelWriteErrors,
			Body: labelRequest{}, Example: map[string]any{"name": "Pending payment", "color": 2},
			Status: http.StatusCreated, Errors: []int{http.StatusConflict}, Data: labelAnswer{&gateway.Label{ID: "3", Name: "Pending payment", Color: 2}}},
		{Method: "PATCH", Path: "/sessions/{session_id}/labels/{label_id}", API: true, ID: "updateLabel", Bound: boundPath, Tag: "Labels",
			Scope: ScopeManage, Summary: "Rename or recolour a label",
			Description: "Fields left out stay as they are. Recorded as label.edit, with a label.update event (change edited)." + labelWriteErrors,
			Body:        labelRequest{}, Example: map[string]any{"name": "Paid", "color": 5},
			Errors: []int{http.StatusConflict}, Data: labelAnswer{&exampleLabel}},
		{Method: "DELETE", Path: "/sessions/{session_id}/labels/{label_id}", API: true, ID: "deleteLabel", Bound: boundPath, Tag: "Labels",
			Scope: ScopeManage, Summary: "Delete a label",
			Description: "The label comes off every chat and message. Recorded as label.delete, with a label.update event " +
				"(change deleted)." + labelWriteErrors,
			Errors: []int{http.StatusConflict}, Data: labelDeleted{&exampleLabel, true}},
		{Method: "GET", Path: "/sessions/{session_id}/labels/{label_id}/messages", API: true, ID: "listLabelMessages", Bound: boundPath,
			Tag: "Labels", Scope: service.ScopeRead, Summary: "The messages carrying a label",
			Description: "The session's stored messages that carry the label, newest first, paginated like the message log; " +
				"messages history sync brought in are included (the phone labels old messages too). A message labelled on the " +
				"phone that the gateway never stored is counted in the label's messages but not listed. The chats carrying a " +
				"label are GET /sessions/{session_id}/chats?label={label_id}. 404 for a session or label the caller does not have.",
			Query: withPage(), Errors: []int{http.StatusNotFound}, Data: messageList{[]*gateway.Message{&exampleMessage}, examplePage}},
		{Method: "PUT", Path: "/sessions/{session_id}/chats/{chat_id}/labels/{label_id}", API: true, ID: "labelChat", Bound: boundPath,
			Tag: "Labels", Scope: ScopeManage, Summary: "Put a label on a chat",
			Description: "Answers the chat with its labels. Recorded as label.chat, with a label.update event (change chat_added)." + labelWriteErrors,
			Errors:      []int{http.StatusConflict}, Data: chatActionAnswer{&labeled}},
		{Method: "DELETE", Path: "/sessions/{session_id}/chats/{chat_id}/labels/{label_id}", API: true, ID: "unlabelChat", Bound: boundPath,
			Tag: "Labels", Scope: ScopeManage, Summary: "Take a label off a chat",
			Description: "Answers the chat with its labels. Recorded as label.chat, with a label.update event (change chat_removed)." + labelWriteErrors,
			Errors:      []int{http.StatusConflict}, Data: chatActionAnswer{&exampleChat}},
		{Method: "PUT", Path: "/messages/{message_id}/labels/{label_id}", API: true, ID: "labelMessage", Bound: boundPath,
			Tag: "Labels", Scope: ScopeManage, Summary: "Put a label on a message",
			Description: "A label of the message's session, on a message WhatsApp knows (sent or received: 409 before it is sent). " +
				"Recorded as label.message, with a label.update event (change message_added)." + labelWriteErrors,
			Errors: []int{http.StatusConflict},
			Data:   messageLabelAnswer{&service.MessageLabel{MessageID: exampleMessage.ID, SessionID: exampleSession, Label: exampleLabel.ID, Labeled: true}}},
		{Method: "DELETE", Path: "/messages/{message_id}/labels/{label_id}", API: true, ID: "unlabelMessage", Bound: boundPath,
			Tag: "Labels", Scope: ScopeManage, Summary: "Take a label off a message",
			Description: "Recorded as label.message, with a label.update event (change message_removed)." + labelWriteErrors,
			Errors:      []int{http.StatusConflict},
			Data:        messageLabelAnswer{&service.MessageLabel{MessageID: exampleMessage.ID, SessionID: exampleSession, Label: exampleLabel.ID}}},
	}
}
