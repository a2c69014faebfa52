package gateway

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Event types. The seed's names (message, status, qr) are types or groups of
// types, so subscribing to a seed name delivers what the seed meant.
const (
	EventMessage        = "message"         // an inbound message
	EventMessageStatus  = "message.status"  // an outbound message moved (sent, delivered, read, played, failed)
	EventSessionStatus  = "session.status"  // a session changed state
	EventInstanceStatus = "instance.status" // an instance changed state
	EventQR             = "qr"              // a new pairing code
	EventAll            = "*"
	EventGroupStatus    = "status"    // the seed's name for message and session status changes
	EventPollVote       = "poll.vote" // a vote on a poll, decrypted
	// Received edits, revocations and reactions have their own types; a
	// subscription to message still receives them (see Matches).
	EventMessageEdited  = "message.edited"  // a message was edited (data: the edit, target the edited message)
	EventMessageRevoked = "message.revoked" // a message was deleted for everyone (data: the revoke)
	EventReaction       = "reaction"        // a reaction was added or removed (data: the reaction)
)

// messageFamily are the event types a subscription to message includes:
// they all arrived as message events before they had types of their own,
// so an endpoint subscribed to message keeps receiving them, each with its
// finer type in the envelope.
var messageFamily = []string{EventMessageEdited, EventMessageRevoked, EventReaction, EventPollVote, EventChannelMessage}

// OptInEvents are the event types only a subscription naming them
// receives: not "*", not a seed name. Contacts' status posts are many,
// carry other people's content and are not addressed to the account, so
// an endpoint (or an unfiltered event stream) gets them only when it asks.
var OptInEvents = []string{EventStatusPost}

// MessageEventType is the event type of a stored message that arrived:
// status.post for a contact's status (chat status@broadcast),
// channel.message for a channel's post (…@newsletter), else as
// InboundEventType says.
func MessageEventType(m *Message) string {
	switch {
	case m.Chat == StatusJID:
		return EventStatusPost
	case strings.HasSuffix(m.Chat, "@"+ServerNewsletter):
		return EventChannelMessage
	}
	return InboundEventType(m.Type)
}

// InboundEventType is the event type of a stored message that arrived (or
// was sent from the owner's phone): message, or the finer type of an
// edit, a revocation or a reaction.
func InboundEventType(t MessageType) string {
	switch t {
	case TypeEdit:
		return EventMessageEdited
	case TypeRevoke:
		return EventMessageRevoked
	case TypeReaction:
		return EventReaction
	}
	return EventMessage
}

// EventTypes lists every concrete event type.
var EventTypes = []string{EventMessage, EventMessageStatus, EventSessionStatus, EventInstanceStatus, EventQR, EventWebhookDisabled, EventUsageThreshold,
	EventGroupUpdate, EventGroupParticipants, EventChatUpdate, EventContactUpdate, EventPollVote, EventPresence,
	EventMessageEdited, EventMessageRevoked, EventReaction, EventHistorySync, EventCall, EventStatusPost, EventChannelMessage,
	EventReceipt, EventLabelUpdate}

// SubscriptionNames lists every name a webhook may subscribe to.
var SubscriptionNames = append([]string{EventAll, EventGroupStatus}, EventTypes...)

// ValidSubscription reports whether name may appear in a webhook's events.
func ValidSubscription(name string) bool { return slices.Contains(SubscriptionNames, name) }

// Matches reports whether a subscription list includes an event type.
// An opt-in type (OptInEvents) matches only its own name.
func Matches(subscriptions []string, eventType string) bool {
	if slices.Contains(OptInEvents, eventType) {
		return slices.Contains(subscriptions, eventType)
	}
	for _, s := range subscriptions {
		switch {
		case s == EventAll, s == eventType:
			return true
		case s == EventGroupStatus && (eventType == EventMessageStatus || eventType == EventSessionStatus):
			return true
		case s == EventMessage && slices.Contains(messageFamily, eventType):
			return true
		}
	}
	return false
}

// Event is one thing that happened, written in the same transaction as the
// change it describes. ID is stable across webhook retries; Seq orders a
// tenant's events for resumable streams.
type Event struct {
	ID        string    `json:"id"`
	Seq       int64     `json:"-"`
	UserID    string    `json:"-"`
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	SessionID string    `json:"session_id,omitempty"`
	// RequestID is the X-Request-Id of the API request whose work wrote
	// the event (a send and the statuses it goes through), when there is
	// one: a receiver can tie a webhook to the call that caused it.
	RequestID string          `json:"request_id,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// NewEvent builds an event for a tenant; data is marshalled to JSON. The
// store fills ID and Timestamp when empty.
func NewEvent(userID, sessionID, typ string, data any) *Event {
	b, err := json.Marshal(data)
	if err != nil {
		// data is always one of our own structs; a marshal failure is a bug.
		panic("gateway: marshal event data: " + err.Error())
	}
	return &Event{UserID: userID, SessionID: sessionID, Type: typ, Data: b}
}

// EventFilter selects a tenant's events.
type EventFilter struct {
	AfterSeq  int64
	SessionID string
	Types     []string // subscription names, matched with Matches; none is "*"
	Limit     int
}

// EventStore reads the event log.
type EventStore interface {
	// ListEvents returns a tenant's events after a sequence number, oldest first.
	ListEvents(ctx context.Context, userID string, f EventFilter) ([]*Event, error)
	// CountEvents counts a tenant's events created at or after since.
	CountEvents(ctx context.Context, userID string, since time.Time) (int, error)
	// PurgeEvents deletes at most limit events created before t, oldest
	// first, with their deliveries and attempts, skipping any event a
	// delivery still owes (pending or failed, to be retried); it returns
	// how many it deleted.
	PurgeEvents(ctx context.Context, before time.Time, limit int) (int, error)
}
