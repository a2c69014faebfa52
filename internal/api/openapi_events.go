package api

import (
	"reflect"
	"slices"
	"strings"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// eventDoc documents one event type as an OpenAPI webhook: what a
// subscribed endpoint (and the event stream) receives, with an example.
type eventDoc struct {
	Type        string
	Summary     string
	Description string
	Data        any // an example of the event's data, of its Go type
}

var examplePollVote = gateway.PollVoteData{MessageID: "c3a1f0e2-8b4d-4e6f-a1c2-3d4e5f6a7b8c", WAMessageID: "3EB0A1B2C3D4E5F6A7B8C9",
	SessionID: exampleSession, Chat: "15550002222@s.whatsapp.net", Voter: "15550002222@s.whatsapp.net", VoterPhone: "15550002222",
	VoterLID: "123456789012345@lid", Options: []string{"Pizza"}, At: exampleTime}

var exampleReceipt = gateway.MessageReceipt{Participant: "15550002222@s.whatsapp.net", Phone: "15550002222", LID: "123456789012345@lid",
	Status: gateway.MessageRead, DeliveredAt: ptrTime(exampleTime), ReadAt: ptrTime(exampleTime.Add(42e9))}

// received is an example of a received message of type t applying to
// the message with WhatsApp id exampleMessage.WAMessageID.
func received(t gateway.MessageType, body string, p gateway.MessagePayload) gateway.Message {
	raw, _ := p.Marshal()
	return gateway.Message{ID: "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e", SessionID: exampleSession, Direction: gateway.DirectionInbound,
		Type: t, Recipient: "15550001111@s.whatsapp.net", Sender: "15550002222@s.whatsapp.net", SenderPhone: "15550002222",
		Chat: "15550002222@s.whatsapp.net", Body: body, Payload: raw, Status: gateway.MessageReceived,
		WAMessageID: "3EB0F1E2D3C4B5A6978869", CreatedAt: exampleTime, UpdatedAt: exampleTime}
}

// eventDocs are the documented event types.
func eventDocs() []eventDoc {
	target := exampleMessage.WAMessageID
	return []eventDoc{
		{Type: gateway.EventMessageEdited, Summary: "A received message was edited",
			Description: "The edit, stored as a message of type edit: message is the new text, payload.target the edited message's WhatsApp id. " +
				"Also delivered to subscribers of message.",
			Data: received(gateway.TypeEdit, "Fixed text", gateway.MessagePayload{Target: target})},
		{Type: gateway.EventMessageRevoked, Summary: "A received message was deleted for everyone",
			Description: "The revocation, stored as a message of type revoke: payload.target is the deleted message's WhatsApp id. " +
				"Also delivered to subscribers of message.",
			Data: received(gateway.TypeRevoke, "", gateway.MessagePayload{Target: target})},
		{Type: gateway.EventReaction, Summary: "A reaction was added or removed",
			Description: "The reaction, stored as a message of type reaction: payload.reaction is the emoji (empty: removed), payload.target " +
				"the WhatsApp id of the message reacted to. Also delivered to subscribers of message.",
			Data: received(gateway.TypeReaction, "", gateway.MessagePayload{Target: target, Reaction: "👍"})},
		{Type: gateway.EventPollVote, Summary: "A vote on a poll",
			Description: "A vote on one of the session's polls (sent or received), decrypted with the poll's secret. A later vote of the " +
				"same voter replaces it (options empty: withdrawn); GET /messages/{message_id}/poll has the tally. The account's own " +
				"votes, sent with message_type poll_vote, are counted and announced too. Also delivered to subscribers of message.",
			Data: examplePollVote},
		{Type: gateway.EventStatusPost, Summary: "A contact posted a status (opt-in)",
			Description: "A contact's status post (story), stored as an inbound message of the chat status@broadcast: message_type " +
				"text, image or video (others as WhatsApp sends them), sender the poster, payload.status_style the look of a text " +
				"status, payload.media the file (GET /messages/{message_id}/media once downloaded). Opt-in: only a webhook whose " +
				"events name status.post gets it (not \"*\", not message, not the seed's status), and GET /events only with " +
				"types=status.post. Never a message event, never auto-replied to.",
			Data: func() gateway.Message {
				m := received(gateway.TypeText, "Closed today, back tomorrow!", gateway.MessagePayload{PushName: "Alice",
					StatusStyle: &gateway.StatusStyle{BackgroundColor: "#2a9d8f", TextColor: "#ffffff", Font: "system_bold"}})
				m.Chat = gateway.StatusJID
				return m
			}()},
		{Type: gateway.EventChannelMessage, Summary: "A followed channel posted",
			Description: "A post of a channel the account follows, stored as an inbound message whose chat (and sender) is the " +
				"channel's JID (…@newsletter). Also delivered to subscribers of message; never auto-replied to.",
			Data: func() gateway.Message {
				m := received(gateway.TypeText, "New release out today", gateway.MessagePayload{})
				m.Chat, m.Sender, m.SenderPhone = exampleChannel.JID, exampleChannel.JID, ""
				return m
			}()},
		{Type: gateway.EventCall, Summary: "A call rang, was answered, rejected or ended",
			Description: "One event per step of a call: offer (it rings: reject it with POST /sessions/{session_id}/calls/{call_id}/reject), " +
				"accept (answered on the phone or another device), reject (by: session for the API, auto for the session's " +
				"settings.auto_reject_calls, with auto_rejected true, device for the account's phone, peer for the other party) and " +
				"terminate (ended; missed true when nobody answered). A group call has is_group (and group when WhatsApp names it). " +
				"The gateway cannot take part in a call.",
			Data: exampleCall},
		{Type: gateway.EventReceipt, Summary: "A group participant received, read or played a message the session sent",
			Description: "WhatsApp acknowledges a group message once per participant: each receipt is stored (GET /messages/{message_id} " +
				"answers them as receipts) and announced here. The message's own status (message.status events) moves with the first " +
				"participant's receipt of each kind.",
			Data: gateway.ReceiptData{SessionID: exampleSession, MessageID: exampleMessage.ID, WAMessageID: exampleMessage.WAMessageID,
				Chat: "120363025246125486@g.us", Participant: "15550002222@s.whatsapp.net", ParticipantPhone: "15550002222",
				ParticipantLID: "123456789012345@lid", Status: gateway.MessageRead, At: exampleTime}},
		{Type: gateway.EventPresence, Summary: "A contact came online or went offline",
			Description: "After POST /sessions/{session_id}/contacts/{contact_id}/presence, each change of that user's presence, " +
				"the current one first, when their privacy settings show it.",
			Data: gateway.PresenceData{SessionID: exampleSession, Contact: "15550002222@s.whatsapp.net", Presence: gateway.PresenceUnavailable,
				LastSeen: ptrTime(exampleTime)}},
		{Type: gateway.EventGroupParticipants, Summary: "Members of a group joined, left, were added, removed, promoted or demoted",
			Description: "Sent for changes made by others (seen from WhatsApp) and for those the session made through the API " +
				"(recorded with the operation).",
			Data: gateway.GroupParticipantsData{SessionID: exampleSession, Group: "120363025246125486@g.us", Action: gateway.ParticipantPromote,
				Actor: "15550001111@s.whatsapp.net", Participants: []string{"15550002222@s.whatsapp.net"}}},
		{Type: gateway.EventLabelUpdate, Summary: "A label was created, edited or deleted, or put on or taken off a chat or a message",
			Description: "WhatsApp Business labels: sent for the session's own label operations (source api, recorded with the " +
				"operation) and for changes made on the phone (source device; the phone's labels replayed after pairing are stored " +
				"without events). change is created, edited (from the phone: created or changed), deleted, chat_added, chat_removed, " +
				"message_added or message_removed.",
			Data: gateway.LabelUpdateData{SessionID: exampleSession, Label: "3", Change: gateway.LabelChatAdded,
				Chat: "15550002222@s.whatsapp.net", Source: gateway.ChangeByDevice}},
	}
}

// coreEventDocs document the event types the gateway had first: messages,
// statuses, pairing, and the account's changes.
func coreEventDocs() []eventDoc {
	inbound := received(gateway.TypeText, "Hello! Is the shop open today?", gateway.MessagePayload{PushName: "Sam"})
	inbound.SenderLID = "123456789012345@lid"
	group := exampleGroup
	return []eventDoc{
		{Type: gateway.EventMessage, Summary: "A message arrived",
			Description: "An inbound message (or one the account sent from its phone), stored before this event: message_type, " +
				"message (the text or caption), sender with sender_phone and sender_lid, chat (the sender, or the group), payload " +
				"with what the type carries (media: GET /messages/{message_id}/media once downloaded). Messages history sync brings " +
				"in are never message events. The seed's name: subscribing to message also delivers message.edited, " +
				"message.revoked, reaction, poll.vote and channel.message.",
			Data: inbound},
		{Type: gateway.EventMessageStatus, Summary: "A sent message moved: sent, delivered, read, played or failed",
			Description: "An outbound message's status changed (one event per step; a failed one says why). Also delivered to " +
				"subscribers of the seed's status.",
			Data: gateway.MessageStatusData{MessageID: exampleMessage.ID, WAMessageID: exampleMessage.WAMessageID, SessionID: exampleSession,
				Recipient: "15550002222@s.whatsapp.net", Status: gateway.MessageDelivered, At: exampleTime}},
		{Type: gateway.EventSessionStatus, Summary: "A session changed state",
			Description: "The session's state and why: paired (connected, with the number), disconnected, logged out from the phone, " +
				"stopped… Also delivered to subscribers of the seed's status.",
			Data: gateway.SessionStatusData{SessionID: exampleSession, Status: gateway.SessionConnected, Phone: "15550001111", PushName: "My Shop"}},
		{Type: gateway.EventInstanceStatus, Summary: "A session's worker (instance) changed state",
			Description: "The instance running the session started, was restarted, stopped, failed (with the reason) or was lost.",
			Data:        gateway.InstanceStatusData{InstanceID: exampleInstance.ID, SessionID: exampleSession, Status: gateway.InstanceRunning, Driver: "local"}},
		{Type: gateway.EventQR, Summary: "A new pairing QR code",
			Description: "The session waits to be paired: a new code to scan (WhatsApp replaces it about every 20 seconds until the phone " +
				"scans one or pairing times out).",
			Data: gateway.QRData{SessionID: exampleSession, Code: exampleQR.Code, ExpiresAt: exampleQR.ExpiresAt}},
		{Type: gateway.EventGroupUpdate, Summary: "A group was created, joined or left, or its subject, description, settings or link changed",
			Description: "A change of a group the account is in, made through this gateway or seen from WhatsApp; info is the group " +
				"after it, when known.",
			Data: gateway.GroupUpdateData{SessionID: exampleSession, Group: group.JID, Change: "subject", Actor: "15550002222@s.whatsapp.net", Info: &group}},
		{Type: gateway.EventChatUpdate, Summary: "A chat was archived, pinned, muted, read, marked unread or deleted",
			Description: "A chat action made through this gateway (source api) or on another device of the account (source device).",
			Data: gateway.ChatUpdateData{SessionID: exampleSession, Chat: exampleChatJID, Action: "mute", MuteUntil: ptrTime(exampleTime.Add(8 * 3600e9)),
				Source: gateway.ChangeByDevice}},
		{Type: gateway.EventContactUpdate, Summary: "A contact's name, about text or picture changed, or it was blocked or unblocked",
			Description: "A change of a contact (or of the account's own profile) that WhatsApp told, or a block made through this gateway.",
			Data:        gateway.ContactUpdateData{SessionID: exampleSession, Contact: "15550002222@s.whatsapp.net", Change: "push_name", Value: "Sam"}},
		{Type: gateway.EventHistorySync, Summary: "The history sync after pairing finished",
			Description: "The chats and messages WhatsApp pushed after pairing are stored (within HISTORY_SYNC_DAYS); the counts are " +
				"the session's history_sync. The messages are marked history and were not message events.",
			Data: gateway.HistorySyncData{SessionID: exampleSession, HistorySync: gateway.HistorySync{Status: "done", Chats: 42, Messages: 1830, Progress: 100}}},
		{Type: gateway.EventWebhookDisabled, Summary: "A webhook endpoint was turned off",
			Description: "The endpoint answered 410 Gone, or its deliveries failed past the retry window for too long: it receives " +
				"nothing more until it is turned on again (PATCH /webhooks/{webhook_id} with active true). The account's other " +
				"endpoints subscribed to it, and GET /events, are told.",
			Data: gateway.WebhookDisabledData{WebhookID: exampleWebhook.ID, URL: exampleWebhook.URL, Reason: "The endpoint answered 410 Gone.",
				FailingSince: ptrTime(exampleTime.Add(-72 * 3600e9))}},
		{Type: gateway.EventUsageThreshold, Summary: "The account used 80% or 100% of its plan's messages",
			Description: "Sent once per billing period and threshold, with the usage it was reached at.",
			Data:        gateway.UsageThresholdData{Metric: "messages", Period: "2026-01", Threshold: 80, Used: 800, Included: 1000, PlanID: "free"}},
	}
}

// deliveredTo says which subscriptions receive an event type.
func deliveredTo(typ string) string {
	subs := "\"" + typ + "\" or \"*\""
	if slices.Contains(gateway.OptInEvents, typ) {
		subs = "\"" + typ + "\" only"
	}
	return " Delivered to webhooks subscribed to " + subs + ", signed per Standard Webhooks " +
		"(webhook-id, webhook-timestamp, webhook-signature), and on GET /events."
}

// webhooks is the document's webhooks object: the envelope of each
// documented event type, signed per Standard Webhooks.
func (g *schemaGen) webhooks() map[string]any {
	out := map[string]any{}
	for _, d := range append(coreEventDocs(), eventDocs()...) {
		data := g.of(reflect.TypeOf(d.Data))
		example := map[string]any{"id": "0f1e2d3c-4b5a-4968-8776-655443322110", "type": d.Type, "timestamp": exampleTime,
			"session_id": exampleSession, "data": d.Data}
		schema := map[string]any{
			"type": "object", "required": []string{"id", "type", "timestamp", "data"},
			"properties": map[string]any{
				"id":         map[string]any{"type": "string", "format": "uuid", "description": "The event's id, the same on every retry (deduplicate on it)."},
				"type":       map[string]any{"const": d.Type, "description": "The event type."},
				"timestamp":  map[string]any{"type": "string", "format": "date-time", "description": "When the event happened."},
				"session_id": map[string]any{"type": "string", "format": "uuid", "description": "The session it happened on."},
				"request_id": map[string]any{"type": "string", "description": "The X-Request-Id of the API call that caused it, when one did."},
				"data":       map[string]any{"allOf": []any{data}, "description": "The event's data."},
			},
		}
		out[d.Type] = map[string]any{"post": map[string]any{
			"operationId": "event" + strings.NewReplacer(".", "_").Replace(d.Type),
			"summary":     d.Summary,
			"description": d.Description + deliveredTo(d.Type),
			"tags":        []string{"Events"},
			"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": schema, "example": example}}},
			"responses": map[string]any{"2XX": map[string]any{"description": "Received. Any other answer (or none) is retried with backoff."}},
		}}
	}
	return out
}
