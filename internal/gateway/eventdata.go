package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The data of each event type. Payloads carry phone numbers and LIDs, never
// API keys or secrets.

// MessageStatusData is the data of a message.status event.
type MessageStatusData struct {
	MessageID   string        `json:"message_id" desc:"The gateway's id of the message (GET /messages/{message_id})."`
	WAMessageID string        `json:"wa_message_id,omitempty" desc:"WhatsApp's id of the message, once known."`
	SessionID   string        `json:"session_id" desc:"The session that sent it."`
	Recipient   string        `json:"recipient" desc:"Who it was sent to (a JID)."`
	Status      MessageStatus `json:"status" desc:"Where it is now: sent, delivered, read, played or failed."`
	Error       string        `json:"error,omitempty" desc:"On failed: why, in a sentence."`
	At          time.Time     `json:"at" desc:"When it moved."`
}

// SessionStatusData is the data of a session.status event.
type SessionStatusData struct {
	SessionID   string        `json:"session_id" desc:"The session that changed state."`
	Status      SessionStatus `json:"status" desc:"Its state now (created, starting, qr_pending, connected, disconnected, reconnecting, logged_out, failed, stopped…)."`
	Reason      string        `json:"reason,omitempty" desc:"Why it is in that state, in a sentence, when there is a reason."`
	Phone       string        `json:"phone,omitempty" desc:"The paired number, once connected."`
	PushName    string        `json:"push_name,omitempty" desc:"The account's display name, once connected."`
	BannedUntil *time.Time    `json:"banned_until,omitempty" desc:"When WhatsApp's temporary ban of the number ends, for a banned session."`
}

// InstanceStatusData is the data of an instance.status event.
type InstanceStatusData struct {
	InstanceID string         `json:"instance_id" desc:"The instance (the session's worker) that changed state."`
	SessionID  string         `json:"session_id" desc:"The session it runs."`
	Status     InstanceStatus `json:"status" desc:"Its state now: pending, starting, running, restarting, stopped, failed or lost."`
	Driver     string         `json:"driver" desc:"Where it runs: local (in the gateway's process) or nomad."`
	Error      string         `json:"error,omitempty" desc:"On failed: why, in a sentence."`
	Restarts   int            `json:"restarts" desc:"How many times it was restarted."`
}

// QRData is the data of a qr event.
type QRData struct {
	SessionID string    `json:"session_id" desc:"The session waiting to be paired."`
	Code      string    `json:"code" desc:"The QR code's text, to draw as a QR code (GET /sessions/{session_id}/qr has it as a PNG)."`
	ExpiresAt time.Time `json:"expires_at" desc:"When WhatsApp replaces it with a new one."`
}

// NewRowID returns the id of a row of the tables written in time order at
// a high rate (messages, events, webhook deliveries and their attempts): a
// UUIDv7, whose first 48 bits are the millisecond it was made, so those
// tables' primary-key indexes grow at their end instead of at a random
// page for every row (a random UUIDv4 dirtied one more index page per row
// and commit: 14-21 % of a message's store writes on SQLite, issue 12).
// Its 74 random bits keep it unguessable; the time it reveals is the row's
// created_at, which its API answer carries anyway.
func NewRowID() string { return uuid.Must(uuid.NewV7()).String() }

// NewWAMessageID returns a WhatsApp-style message id ("3EB0" and 18 hex
// digits, the form WhatsApp Web uses). It is chosen before a message is
// sent and stored with it, so a retry after a crash reuses it.
func NewWAMessageID() string {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("gateway: crypto/rand: " + err.Error())
	}
	return "3EB0" + strings.ToUpper(hex.EncodeToString(b[:]))
}
