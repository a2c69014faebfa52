package gateway

import (
	"context"
	"time"
)

// Presence: the account's own (available or unavailable: whether WhatsApp
// shows it online) and its contacts', once subscribed to, as presence
// events. Typing is a chat state, POST /sessions/{id}/typing.

// Presence values.
const (
	PresenceAvailable   = "available"
	PresenceUnavailable = "unavailable"
)

// PresenceEngine is the part of AccountEngine about presence. Errors:
// CodeNotFound for a number not on WhatsApp, CodeRefused when WhatsApp
// refuses, CodeUnavailable when not connected.
type PresenceEngine interface {
	// SetPresence marks the account available (online) or unavailable.
	SetPresence(ctx context.Context, presence string) error
	// SubscribePresence asks WhatsApp for a user's presence updates,
	// which follow as EvPresence (the current one first, when shown).
	SubscribePresence(ctx context.Context, jid string) error
}

// PresenceRequest sets the account's presence.
type PresenceRequest struct {
	Presence string `json:"presence" desc:"available (shown online) or unavailable."`
}

// PresenceSubscribeRequest subscribes to a user's presence.
type PresenceSubscribeRequest struct {
	Contact string `json:"contact" desc:"The user's JID (taken from the path)."`
}

// PresenceSubscription is a subscription made.
type PresenceSubscription struct {
	Contact    string `json:"contact" desc:"The user's JID."`
	Subscribed bool   `json:"subscribed" desc:"Always true: presence events follow when the user's privacy shows them."`
}

// Operations on presence.
var (
	OpPresenceSet = AccountOp[PresenceRequest, PresenceRequest]{Name: "presence.set", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r PresenceRequest) (PresenceRequest, error) {
			return r, e.SetPresence(ctx, r.Presence)
		}}
	OpPresenceSubscribe = AccountOp[PresenceSubscribeRequest, PresenceSubscription]{Name: "presence.subscribe", Write: true,
		Call: func(ctx context.Context, e AccountEngine, r PresenceSubscribeRequest) (PresenceSubscription, error) {
			err := e.SubscribePresence(ctx, r.Contact)
			return PresenceSubscription{Contact: r.Contact, Subscribed: err == nil}, err
		}}
)

// EventPresence is the event of a contact's presence, once subscribed.
const EventPresence = "presence"

// PresenceData is the data of a presence event.
type PresenceData struct {
	SessionID string `json:"session_id" desc:"The session subscribed to the user's presence."`
	// Contact is the user's JID.
	Contact string `json:"contact" desc:"The user's JID."`
	// Presence is available or unavailable.
	Presence string `json:"presence" desc:"available (online) or unavailable."`
	// LastSeen is when the user was last online, when their privacy
	// settings show it.
	LastSeen *time.Time `json:"last_seen,omitempty" desc:"When the user was last online, when their privacy settings show it."`
}

// EvPresence is a contact's presence an engine saw.
type EvPresence struct{ Data PresenceData }

func (EvPresence) engineEvent() {}
