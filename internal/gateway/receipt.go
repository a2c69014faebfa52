package gateway

import (
	"context"
	"time"
)

// Receipts of group messages: WhatsApp acknowledges a message sent to a
// group once per participant (delivered to their phone, read, played), so
// the gateway keeps each participant's receipts of the session's sent
// group messages, answers them with the message (GET /messages/{id}:
// receipts) and announces each as a receipt event. The message's own
// status moves with the first participant's receipt of each kind, as it
// did before: "read" means someone read it; receipts says who.

// EventReceipt is the event of one participant's receipt of a group message
// the session sent.
const EventReceipt = "receipt"

// ReceiptData is the data of a receipt event.
type ReceiptData struct {
	SessionID        string        `json:"session_id" desc:"The session that sent the message."`
	MessageID        string        `json:"message_id" desc:"The message's id in the gateway."`
	WAMessageID      string        `json:"wa_message_id" desc:"The message's WhatsApp id."`
	Chat             string        `json:"chat" desc:"The group the message was sent to."`
	Participant      string        `json:"participant" desc:"The participant whose receipt this is (a phone JID or a LID)."`
	ParticipantPhone string        `json:"participant_phone,omitempty" desc:"The participant's phone number, when known."`
	ParticipantLID   string        `json:"participant_lid,omitempty" desc:"The participant's LID, when known."`
	Status           MessageStatus `json:"status" desc:"delivered (on the participant's phone), read, or played (a voice note)."`
	At               time.Time     `json:"at" desc:"When the participant's phone sent the receipt."`
}

// MessageReceipt is one participant's receipts of a group message.
type MessageReceipt struct {
	Participant string        `json:"participant" desc:"The participant (a phone JID or a LID)."`
	Phone       string        `json:"phone,omitempty" desc:"The participant's phone number, when known."`
	LID         string        `json:"lid,omitempty" desc:"The participant's LID, when known."`
	Status      MessageStatus `json:"status" desc:"The furthest receipt: delivered, read or played."`
	DeliveredAt *time.Time    `json:"delivered_at,omitempty" desc:"When the message reached the participant's phone."`
	ReadAt      *time.Time    `json:"read_at,omitempty" desc:"When the participant read it."`
	PlayedAt    *time.Time    `json:"played_at,omitempty" desc:"When the participant played it (voice notes)."`
}

// GroupReceipt is one participant's receipt of a session's sent message,
// as the worker stores it.
type GroupReceipt struct {
	UserID           string
	SessionID        string
	WAMessageID      string
	Participant      string
	ParticipantPhone string
	ParticipantLID   string
	Status           MessageStatus // delivered, read or played
	At               time.Time
}

// ReceiptStore keeps the participants' receipts of group messages.
type ReceiptStore interface {
	// RecordGroupReceipt stores r against the session's outbound message
	// with r.WAMessageID (read and played imply delivered, played implies
	// read) with the events of build, in one transaction, and reports
	// whether it changed anything (false for a repeat, which writes no
	// events). CodeNotFound when the session sent no such message.
	RecordGroupReceipt(ctx context.Context, r GroupReceipt, build func(m *Message, r GroupReceipt) []*Event) (bool, error)
	// MessageReceipts lists the participants' receipts of a tenant's
	// message, by participant; none for another tenant's.
	MessageReceipts(ctx context.Context, userID, messageID string) ([]MessageReceipt, error)
}
