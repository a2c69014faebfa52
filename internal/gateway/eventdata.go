package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// The data of each event type. Payloads carry phone numbers and LIDs, never
// API keys or secrets.

// MessageStatusData is the data of a message.status event.
type MessageStatusData struct {
	MessageID   string        `json:"message_id"`
	WAMessageID string        `json:"wa_message_id,omitempty"`
	SessionID   string        `json:"session_id"`
	Recipient   string        `json:"recipient"`
	Status      MessageStatus `json:"status"`
	Error       string        `json:"error,omitempty"`
	At          time.Time     `json:"at"`
}

// SessionStatusData is the data of a session.status event.
type SessionStatusData struct {
	SessionID   string        `json:"session_id"`
	Status      SessionStatus `json:"status"`
	Reason      string        `json:"reason,omitempty"`
	Phone       string        `json:"phone,omitempty"`
	PushName    string        `json:"push_name,omitempty"`
	BannedUntil *time.Time    `json:"banned_until,omitempty"`
}

// InstanceStatusData is the data of an instance.status event.
type InstanceStatusData struct {
	InstanceID string         `json:"instance_id"`
	SessionID  string         `json:"session_id"`
	Status     InstanceStatus `json:"status"`
	Driver     string         `json:"driver"`
	Error      string         `json:"error,omitempty"`
	Restarts   int            `json:"restarts"`
}

// QRData is the data of a qr event.
type QRData struct {
	SessionID string    `json:"session_id"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

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
