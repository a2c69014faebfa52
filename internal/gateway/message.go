package gateway

import (
	"context"
	"encoding/json"
	"time"
)

// Message directions.
const (
	DirectionOutbound = "outbound"
	DirectionInbound  = "inbound"
)

// MessageStatus is where a message is on its way.
type MessageStatus string

// Message states. Outbound: queued → sent → delivered → read (→ played), or
// failed; a scheduled send waits as scheduled until its send_at, then is
// queued, or ends canceled. Inbound: received (→ read once marked read).
const (
	MessageScheduled MessageStatus = "scheduled"
	MessageCanceled  MessageStatus = "canceled"
	MessageQueued    MessageStatus = "queued"
	MessageSent      MessageStatus = "sent"
	MessageDelivered MessageStatus = "delivered"
	MessageRead      MessageStatus = "read"
	MessagePlayed    MessageStatus = "played"
	MessageFailed    MessageStatus = "failed"
	MessageReceived  MessageStatus = "received"
)

// Rank orders states so receipts only ever move a message forward: a late
// "delivered" never overwrites "read". Failed ranks above sent so a failure
// after the server ack is still recorded, but below delivered. Scheduled
// ranks with queued: its moves (released, canceled) are made by their own
// store methods, guarded by the status itself. Canceled ranks above every
// other state, so nothing moves a canceled message again.
func (s MessageStatus) Rank() int {
	switch s {
	case MessageQueued, MessageScheduled:
		return 0
	case MessageCanceled:
		return 6
	case MessageSent, MessageReceived:
		return 1
	case MessageFailed:
		return 2
	case MessageDelivered:
		return 3
	case MessageRead:
		return 4
	case MessagePlayed:
		return 5
	}
	return -1
}

// MessageType is the kind of content.
type MessageType string

// Message types.
const (
	TypeText     MessageType = "text"
	TypeImage    MessageType = "image"
	TypeVideo    MessageType = "video"
	TypeAudio    MessageType = "audio"
	TypeDocument MessageType = "document"
	TypeLocation MessageType = "location"
	TypeContact  MessageType = "contact"
	TypeReaction MessageType = "reaction"
	TypeEdit     MessageType = "edit"
	TypeRevoke   MessageType = "revoke"
	TypeSticker  MessageType = "sticker"
	TypePoll     MessageType = "poll"
	// TypePollVote is a vote on a poll, sent through the API; received
	// votes are poll.vote events and the poll's tally, not messages.
	TypePollVote MessageType = "poll_vote"
	// TypeInteractiveReply is a received tap on a button or a list row
	// of a business message.
	TypeInteractiveReply MessageType = "interactive_reply"
	TypeUnknown          MessageType = "unknown"
)

// Message is one message sent or received by a session.
type Message struct {
	ID        string      `json:"id" desc:"The message's id in the gateway (UUID)."`
	UserID    string      `json:"-"`
	SessionID string      `json:"session_id" desc:"The session that sent or received it."`
	Direction string      `json:"direction" desc:"outbound (sent through the API) or inbound (received)."`
	Type      MessageType `json:"message_type" desc:"What the message holds: text, image, video, audio, document, location, contact, reaction, edit, revoke, sticker, poll, poll_vote, interactive_reply or unknown."`
	Recipient string      `json:"recipient" desc:"Who it was sent to: a WhatsApp id (…@s.whatsapp.net, …@g.us, …@lid)."`
	// RecipientLID is learnt when the message is sent.
	RecipientLID string          `json:"recipient_lid,omitempty" desc:"The recipient's LID (…@lid), once sent, when WhatsApp has one for the number."`
	Sender       string          `json:"sender,omitempty" desc:"Who sent it (inbound): the sender's WhatsApp id."`
	SenderPhone  string          `json:"sender_phone,omitempty" desc:"The sender's phone number, when WhatsApp tells it."`
	SenderLID    string          `json:"sender_lid,omitempty" desc:"The sender's WhatsApp LID (…@lid), when WhatsApp uses one."`
	Chat         string          `json:"chat" desc:"The chat the message belongs to: the other party, or the group."`
	IsGroup      bool            `json:"is_group" desc:"true for a message of a group chat."`
	Body         string          `json:"message" desc:"The text, or the caption of a media message."`
	Payload      json.RawMessage `json:"payload,omitempty" desc:"What a non-text message carries: media, location, contact, reaction target."`
	ReplyTo      string          `json:"reply_to,omitempty" desc:"The WhatsApp id of the message this one quotes."`
	Status       MessageStatus   `json:"status" desc:"scheduled, canceled, queued, sent, delivered, read, played or failed (outbound); received (inbound)."`
	WAMessageID  string          `json:"wa_message_id,omitempty" desc:"The message's id in WhatsApp, once sent or as received."`
	Error        string          `json:"error,omitempty" desc:"Why sending failed, when status is failed."`
	CreatedAt    time.Time       `json:"created_at" desc:"When the gateway accepted or received it."`
	UpdatedAt    time.Time       `json:"updated_at" desc:"When it last changed (a receipt, a failure)."`
	SentAt       *time.Time      `json:"sent_at,omitempty" desc:"When WhatsApp accepted it."`
	DeliveredAt  *time.Time      `json:"delivered_at,omitempty" desc:"When it reached the recipient's phone."`
	ReadAt       *time.Time      `json:"read_at,omitempty" desc:"When the recipient read (or played) it."`
	// SendAt is when a scheduled send is due: it stays scheduled until
	// then, and is queued (paced like any send) once due.
	SendAt *time.Time `json:"send_at,omitempty" desc:"When a scheduled message is (or was) due to be sent."`
	// Secret is a poll's message secret, which every vote on it is
	// encrypted with; kept in the store, never answered.
	Secret []byte `json:"-"`
	// MediaRef is what the session's engine needs to download the media
	// of a history message on its first request (history media is
	// referenced, not downloaded, at sync); engine-opaque, never answered.
	MediaRef []byte `json:"-"`
	// RequestID is the X-Request-Id of the API call that sent the message
	// (empty for inbound ones); the message.status events of its whole
	// life carry it to webhooks.
	RequestID string `json:"request_id,omitempty" desc:"The X-Request-Id of the API call that sent it; its status events carry it too."`
	// History marks a message history sync brought in after pairing: the
	// account's past, never announced as new, counted in no usage.
	History bool `json:"history,omitempty" desc:"true for a message of the account's past that history sync brought in after pairing (never sent to webhooks as new)."`
}

// MessageFilter selects a tenant's messages.
type MessageFilter struct {
	SessionID string
	Direction string
	Status    MessageStatus
	Recipient string // matches recipient, chat or sender
	Type      MessageType
	From, To  *time.Time
	// Label, with SessionID, keeps the messages carrying that label of the
	// session, history sync's included (the phone labels old messages too).
	Label string
	Page
}

// MessageStatusUpdate moves one message forward. The message is named by ID,
// or by SessionID and WAMessageID (receipts). WAMessageID, when set with ID,
// is stored on the message.
type MessageStatusUpdate struct {
	ID          string
	SessionID   string
	WAMessageID string
	Status      MessageStatus
	Error       string
	At          time.Time
	// RecipientLID is set with the sent status, when the engine knows it.
	RecipientLID string
	// LinkPreview, with a sent status by ID, is the card the gateway made
	// for the text when it sent it: the store adds it to the message's
	// payload, unless the payload already has one (the caller's), so the
	// sender's copy shows what the recipient got.
	LinkPreview *LinkPreview
}

// MessageCounts are a tenant's message counts over one period.
type MessageCounts struct {
	Sent      int `json:"sent" desc:"Sent, not yet delivered."`
	Delivered int `json:"delivered" desc:"Delivered, not yet read."`
	Read      int `json:"read" desc:"Read or played."`
	Failed    int `json:"failed" desc:"Failed."`
	Queued    int `json:"queued" desc:"Waiting to be sent."`
	Received  int `json:"received" desc:"Inbound."`
	Total     int `json:"total" desc:"Every message counted."`
}

// MessageStore keeps messages.
type MessageStore interface {
	// CreateMessage inserts m and the events in one transaction. CodeConflict
	// when an inbound message with the same session and WA id is already stored
	// (a redelivery), so callers can acknowledge it again safely.
	CreateMessage(ctx context.Context, m *Message, events ...*Event) error
	// MessageByID returns a tenant's message; CodeNotFound when absent.
	MessageByID(ctx context.Context, userID, id string) (*Message, error)
	// MessagesByRequest lists a tenant's messages stored by the API request
	// requestID at or after since, oldest first.
	MessagesByRequest(ctx context.Context, userID, requestID string, since time.Time) ([]*Message, error)
	// ListMessages lists a tenant's messages by filter, newest first, with the total count.
	ListMessages(ctx context.Context, userID string, f MessageFilter) ([]*Message, int, error)
	// UpdateMessageStatus moves a message forward (never back: see Rank) and
	// writes the events produced by build in the same transaction. build sees
	// the message as updated; it is not called, and nil is returned, when the
	// update would not move the message forward. CodeNotFound when the message is absent.
	UpdateMessageStatus(ctx context.Context, u MessageStatusUpdate, build func(*Message) []*Event) (*Message, error)
	// UpdateMessageStatuses is UpdateMessageStatus for several updates in
	// one transaction (a worker's drained batch): per update, the message
	// as stored or nil when it did not move or is absent.
	UpdateMessageStatuses(ctx context.Context, us []MessageStatusUpdate, build func(*Message) []*Event) ([]*Message, error)
	// QueuedMessages returns a session's outbound messages still queued, oldest first.
	QueuedMessages(ctx context.Context, sessionID string, limit int) ([]*Message, error)
	// ReleaseScheduled queues a session's scheduled messages due at or
	// before now, and returns how many it queued and when the next one
	// still scheduled is due (nil when none).
	ReleaseScheduled(ctx context.Context, sessionID string, now time.Time) (int, *time.Time, error)
	// CancelScheduled cancels a tenant's scheduled message and writes the
	// events of build (which sees it canceled) in the same transaction.
	// CodeNotFound when absent; CodeConflict when it is no longer scheduled.
	CancelScheduled(ctx context.Context, userID, id string, at time.Time, build func(*Message) []*Event) (*Message, error)
	// CountMessages counts a tenant's messages created at or after since (all when zero).
	CountMessages(ctx context.Context, userID string, since time.Time) (MessageCounts, error)
	// CountOutboundSince counts a tenant's outbound messages created at or after since (quotas).
	CountOutboundSince(ctx context.Context, userID string, since time.Time) (int, error)
}
