package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Network carries envelopes between the sandbox sessions of one tenant, in
// one process or across processes. It is a best-effort carrier, as the bus
// under it: delivery is made reliable by the engines, which acknowledge a
// message with a receipt once it is stored and offer again what was not
// acknowledged. Tenants never share a network address, so one tenant's
// sessions cannot reach another's even when both claim the same number.
type Network interface {
	// Deliver hands env to whoever of tenant listens on toPhone; nobody
	// listening is not an error (the phone is offline).
	Deliver(ctx context.Context, tenant, toPhone string, env Envelope) error
	// Announce hands env to every listener of tenant.
	Announce(ctx context.Context, tenant string, env Envelope) error
	// Listen calls fn for each envelope delivered to phone in tenant, and
	// each one announced to tenant, until cancel is called or ctx ends.
	Listen(ctx context.Context, tenant, phone string, fn func(Envelope)) (cancel func(), err error)
}

// Directory knows which numbers belong to sandbox sessions.
type Directory interface {
	// Holds reports whether phone is paired to one of tenant's sandbox sessions.
	Holds(ctx context.Context, tenant, phone string) (bool, error)
}

// Kinds of envelopes.
const (
	// KindMessage is a message from FromPhone (the zero Kind).
	KindMessage = ""
	// KindReceipt acknowledges message ID: FromPhone stored it
	// (delivered), or read or played it.
	KindReceipt = "receipt"
	// KindOnline announces that FromPhone is listening again, so that
	// messages waiting for it are offered again.
	KindOnline = "online"
	// KindGroup tells a member of Group that FromPhone changed it: its
	// participants (Action, Participants) or its info (Change).
	KindGroup = "group"
	// KindProfile tells the tenant's sessions that FromPhone changed its
	// profile (Change: push_name, about or picture; Text: the new value).
	KindProfile = "profile"
	// KindPresence tells a subscriber FromPhone's presence (Change:
	// available or unavailable; Timestamp: its last-seen time, zero when
	// hidden).
	KindPresence = "presence"
	// KindCall is one step of a call (Change: offer, accept, reject or
	// terminate) of call ID, from FromPhone; Video on an offer.
	KindCall = "call"
)

// Envelope is one message, receipt or announcement on the sandbox network.
type Envelope struct {
	Kind      string                `json:"kind,omitempty"`
	ID        string                `json:"id"`
	FromPhone string                `json:"from_phone"`
	FromLID   string                `json:"from_lid,omitempty"`
	PushName  string                `json:"push_name,omitempty"`
	Status    gateway.MessageStatus `json:"status,omitempty"`
	Type      gateway.MessageType   `json:"type,omitempty"`
	Text      string                `json:"text,omitempty"`
	Media     *gateway.Media        `json:"media,omitempty"`
	// MediaData carries inline media bytes, which gateway.Media keeps out of JSON.
	MediaData []byte            `json:"media_data,omitempty"`
	Location  *gateway.Location `json:"location,omitempty"`
	Contact   *gateway.Contact  `json:"contact,omitempty"`
	ReplyTo   string            `json:"reply_to,omitempty"`
	Target    string            `json:"target,omitempty"`
	Reaction  string            `json:"reaction,omitempty"`
	Timestamp time.Time         `json:"timestamp"`
	// Group, Change, Action and Participants describe a KindGroup notice.
	Group        string   `json:"group,omitempty"`
	Change       string   `json:"change,omitempty"`
	Action       string   `json:"action,omitempty"`
	Participants []string `json:"participants,omitempty"`
	// Mentions are the user JIDs mentioned in the text or caption.
	Mentions    []string             `json:"mentions,omitempty"`
	ViewOnce    bool                 `json:"view_once,omitempty"`
	Forwarded   bool                 `json:"forwarded,omitempty"`
	LinkPreview *gateway.LinkPreview `json:"link_preview,omitempty"`
	// Poll is a poll's content and Secret its message secret, which
	// travels with the poll as WhatsApp's MessageContextInfo carries it.
	Poll   *gateway.Poll `json:"poll,omitempty"`
	Secret []byte        `json:"secret,omitempty"`
	// VotePayload and VoteIV are a poll vote, AES-GCM encrypted with a
	// key derived from the poll's secret (gateway.EncryptPollVote); Target
	// names the poll.
	VotePayload []byte `json:"vote_payload,omitempty"`
	VoteIV      []byte `json:"vote_iv,omitempty"`
	// Chat is status@broadcast for a status post (a direct message's
	// chat is its sender, a group's is Group); StatusStyle is a text
	// status's look.
	Chat        string               `json:"chat,omitempty"`
	StatusStyle *gateway.StatusStyle `json:"status_style,omitempty"`
	// Video marks a KindCall offer of a video call.
	Video bool `json:"video,omitempty"`
}

// voice reports whether the envelope is a voice note, whose receipt after
// delivery is "played".
func (env Envelope) voice() bool {
	return env.Type == gateway.TypeAudio && env.Media != nil && env.Media.Voice
}

// BusNetwork is a Network on a gateway.Bus: the in-memory bus in one
// process, Redis across processes. Each phone of a tenant is the topic
// "sandbox:<tenant>:<phone>", the tenant's announcements "sandbox:<tenant>".
type BusNetwork struct {
	bus gateway.Bus
}

var _ Network = (*BusNetwork)(nil)

// NewBusNetwork returns a Network carried by bus.
func NewBusNetwork(bus gateway.Bus) *BusNetwork { return &BusNetwork{bus: bus} }

// Topic is the bus topic a tenant's phone listens on.
func Topic(tenant, phone string) string { return TenantTopic(tenant) + ":" + phone }

// TenantTopic is the bus topic of a tenant's announcements.
func TenantTopic(tenant string) string { return "sandbox:" + tenant }

// Deliver publishes env on the recipient's topic.
func (n *BusNetwork) Deliver(ctx context.Context, tenant, toPhone string, env Envelope) error {
	return n.publish(ctx, Topic(tenant, toPhone), env)
}

// Announce publishes env on the tenant's topic.
func (n *BusNetwork) Announce(ctx context.Context, tenant string, env Envelope) error {
	return n.publish(ctx, TenantTopic(tenant), env)
}

func (n *BusNetwork) publish(ctx context.Context, topic string, env Envelope) error {
	b, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode sandbox envelope: %w", err)
	}
	if err := n.bus.Publish(ctx, topic, b); err != nil {
		return fmt.Errorf("publish sandbox envelope: %w", err)
	}
	return nil
}

// Listen subscribes to the phone's topic and the tenant's; undecodable
// payloads are dropped.
func (n *BusNetwork) Listen(ctx context.Context, tenant, phone string, fn func(Envelope)) (func(), error) {
	recv := func(payload []byte) {
		var env Envelope
		if json.Unmarshal(payload, &env) != nil {
			return
		}
		fn(env)
	}
	cancelPhone, err := n.bus.Subscribe(ctx, Topic(tenant, phone), recv)
	if err != nil {
		return nil, fmt.Errorf("subscribe to sandbox topic: %w", err)
	}
	cancelTenant, err := n.bus.Subscribe(ctx, TenantTopic(tenant), recv)
	if err != nil {
		cancelPhone()
		return nil, fmt.Errorf("subscribe to sandbox tenant topic: %w", err)
	}
	return func() { cancelPhone(); cancelTenant() }, nil
}

// SessionFinder is the store's lookup of a tenant's session by number.
type SessionFinder interface {
	SessionByPhone(ctx context.Context, userID, engine, phone string) (*gateway.Session, error)
}

// StoreDirectory is a Directory on the product's store: a number belongs to
// the sandbox when one of the tenant's sandbox sessions is paired to it.
type StoreDirectory struct{ Sessions SessionFinder }

var _ Directory = StoreDirectory{}

// Holds looks phone up among tenant's sandbox sessions.
func (d StoreDirectory) Holds(ctx context.Context, tenant, phone string) (bool, error) {
	_, err := d.Sessions.SessionByPhone(ctx, tenant, gateway.EngineSandbox, phone)
	switch {
	case gateway.IsCode(err, gateway.CodeNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
