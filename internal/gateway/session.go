package gateway

import (
	"context"
	"time"
)

// SessionStatus is where a WhatsApp session is in its life.
type SessionStatus string

// Session states: created → starting → qr_pending → connected →
// disconnected/reconnecting → logged_out | failed | stopped.
const (
	SessionCreated      SessionStatus = "created"
	SessionStarting     SessionStatus = "starting"
	SessionQRPending    SessionStatus = "qr_pending"
	SessionConnected    SessionStatus = "connected"
	SessionDisconnected SessionStatus = "disconnected"
	SessionReconnecting SessionStatus = "reconnecting"
	SessionLoggedOut    SessionStatus = "logged_out"
	SessionFailed       SessionStatus = "failed"
	SessionStopped      SessionStatus = "stopped"
)

// Engine names.
const (
	EngineSandbox   = "sandbox"
	EngineWhatsmeow = "whatsmeow"
)

// Session is one WhatsApp account (one phone number) of a tenant.
type Session struct {
	ID           string          `json:"id" desc:"The session's id (UUID)."`
	UserID       string          `json:"user_id" desc:"The id of the account that owns it."`
	Name         string          `json:"session_name" desc:"The name given at creation; unique per account."`
	Engine       string          `json:"engine" desc:"The WhatsApp engine that runs it: sandbox (simulated) or whatsmeow (real WhatsApp)."`
	Status       SessionStatus   `json:"status" desc:"Where the session is in its life: created, starting, qr_pending (waiting for a scan), connected, disconnected, reconnecting, logged_out, failed or stopped."`
	StatusReason string          `json:"status_reason,omitempty" desc:"Why the session is in its status, when the gateway knows (a failure, a logout by the phone)."`
	WebhookURL   string          `json:"webhook_url,omitempty" desc:"The webhook made with the session (webhook_url at creation), if any."`
	Settings     SessionSettings `json:"settings" desc:"The session's settings."`
	Phone        string          `json:"phone,omitempty" desc:"The phone number paired to the session, once paired."`
	PushName     string          `json:"push_name,omitempty" desc:"The WhatsApp display name of the paired account."`
	DeviceJID    string          `json:"device_jid,omitempty" desc:"The WhatsApp id of this linked device (number:device@s.whatsapp.net)."`
	BannedUntil  *time.Time      `json:"banned_until,omitempty" desc:"Set when WhatsApp refused the account for a while: no connection before this time."`
	ConnectedAt  *time.Time      `json:"connected_at,omitempty" desc:"When the session last connected."`
	HistorySync  *HistorySync    `json:"history_sync,omitempty" desc:"The history WhatsApp pushed after pairing: how far its storing is (absent before pairing)."`
	// ProxyURL is the session's own proxy, credentials included: stored,
	// handed to its engine, never answered (Proxy is).
	ProxyURL string `json:"-"`
	// Proxy is filled by the service when answering (gateway.ProxyOf).
	Proxy     *SessionProxy `json:"proxy,omitempty" desc:"The proxy the session connects to WhatsApp through, its password masked, and whether it is the session's own or the gateway's default; absent when none."`
	CreatedAt time.Time     `json:"created_at" desc:"When the session was created."`
	UpdatedAt time.Time     `json:"updated_at" desc:"When the session last changed."`
}

// SessionSettings are the seed's per-session settings.
type SessionSettings struct {
	AutoReply        bool     `json:"auto_reply" desc:"Answer every received message with auto_reply_message."`
	AutoReplyMessage string   `json:"auto_reply_message,omitempty" desc:"The automatic answer, when auto_reply is on."`
	WebhookEvents    []string `json:"webhook_events" desc:"The events the session's webhook_url endpoint subscribes to (message, status, qr, *, …)."`
	// AutoRejectCalls rejects every call as it rings; each is a call
	// event (offer) followed by its reject with auto_rejected set.
	AutoRejectCalls bool `json:"auto_reject_calls,omitempty" desc:"Reject every incoming call as it rings (call events: the offer, then a reject with auto_rejected true)."`
	// AutoRejectMessage is sent to the caller of each call rejected by
	// AutoRejectCalls, through the send queue like any message.
	AutoRejectMessage string `json:"auto_reject_message,omitempty" desc:"A text sent to the caller of each automatically rejected call (queued and paced like any send); none when empty."`
}

// SessionState is what a worker reports about its session. Empty strings and
// nil pointers leave the stored value as it is, except StatusReason, which is
// always replaced.
type SessionState struct {
	Status       SessionStatus
	StatusReason string
	Phone        string
	PushName     string
	DeviceJID    string
	BannedUntil  *time.Time
	ConnectedAt  *time.Time
	// ClearDevice forgets phone, push name and device JID (after a logout).
	ClearDevice bool
}

// SessionStore keeps sessions. Every tenant-facing method takes the tenant.
type SessionStore interface {
	// CreateSession inserts s (ID and timestamps filled when empty) and the events in one transaction.
	CreateSession(ctx context.Context, s *Session, events ...*Event) error
	// CreateSessionWithin is CreateSession refused with CodeQuotaExceeded
	// when the tenant already has max sessions (max < 0: no cap), counted
	// in the insert's own transaction so concurrent creates cannot overshoot.
	CreateSessionWithin(ctx context.Context, s *Session, max int, events ...*Event) error
	// SessionByID returns a tenant's session; CodeNotFound when absent or another tenant's.
	SessionByID(ctx context.Context, userID, id string) (*Session, error)
	// ListSessions lists a tenant's sessions, newest first, with the total count.
	ListSessions(ctx context.Context, userID string, p Page) ([]*Session, int, error)
	// CountSessions counts a tenant's sessions.
	CountSessions(ctx context.Context, userID string) (int, error)
	// UpdateSession saves name, webhook URL, settings and proxy of s; CodeNotFound when absent.
	UpdateSession(ctx context.Context, s *Session) error
	// SetSessionState applies a worker's report and writes the events in the
	// same transaction; it returns the session as stored. CodeNotFound when absent.
	SetSessionState(ctx context.Context, userID, id string, st SessionState, events ...*Event) (*Session, error)
	// DeleteSession deletes a tenant's session with its instances, messages
	// and webhooks bound to it, and writes the events; CodeNotFound when absent.
	DeleteSession(ctx context.Context, userID, id string, events ...*Event) error
	// SessionByPhone finds a tenant's session paired to a phone number on an
	// engine; CodeNotFound when none. Used by the sandbox network.
	SessionByPhone(ctx context.Context, userID, engine, phone string) (*Session, error)
	// PhoneHeldByOthers reports whether a session of a tenant other than
	// userID, on any engine, is paired to phone.
	PhoneHeldByOthers(ctx context.Context, userID, phone string) (bool, error)
	// SearchSessions lists the sessions of every tenant that match f, newest
	// first, with the total count: an admin's search, the one session query
	// not bound to a tenant.
	SearchSessions(ctx context.Context, f SessionSearch) ([]*Session, int, error)
}

// SessionSearch is an admin's search of every tenant's sessions.
type SessionSearch struct {
	// Query is a phone number or part of one (only its digits count), or a
	// session's id.
	Query string
	Page
}
