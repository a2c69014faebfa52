package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Network carries messages between sandbox sessions, in one process or
// across processes.
type Network interface {
	// Deliver hands env to whoever listens on toPhone; nobody listening is
	// not an error (the phone is offline).
	Deliver(ctx context.Context, toPhone string, env Envelope) error
	// Listen calls fn for each envelope delivered to phone until cancel is
	// called or ctx ends.
	Listen(ctx context.Context, phone string, fn func(Envelope)) (cancel func(), err error)
}

// Envelope is one message on the sandbox network.
type Envelope struct {
	ID        string              `json:"id"`
	FromPhone string              `json:"from_phone"`
	FromLID   string              `json:"from_lid,omitempty"`
	PushName  string              `json:"push_name,omitempty"`
	Type      gateway.MessageType `json:"type"`
	Text      string              `json:"text,omitempty"`
	Media     *gateway.Media      `json:"media,omitempty"`
	// MediaData carries inline media bytes, which gateway.Media keeps out of JSON.
	MediaData []byte            `json:"media_data,omitempty"`
	Location  *gateway.Location `json:"location,omitempty"`
	Contact   *gateway.Contact  `json:"contact,omitempty"`
	ReplyTo   string            `json:"reply_to,omitempty"`
	Target    string            `json:"target,omitempty"`
	Reaction  string            `json:"reaction,omitempty"`
	Timestamp time.Time         `json:"timestamp"`
}

// BusNetwork is a Network on a gateway.Bus: the in-memory bus in one
// process, Redis across processes. Each phone is the topic "sandbox:<phone>".
type BusNetwork struct {
	bus gateway.Bus
}

var _ Network = (*BusNetwork)(nil)

// NewBusNetwork returns a Network carried by bus.
func NewBusNetwork(bus gateway.Bus) *BusNetwork { return &BusNetwork{bus: bus} }

// Topic is the bus topic a phone listens on.
func Topic(phone string) string { return "sandbox:" + phone }

// Deliver publishes env on the recipient's topic.
func (n *BusNetwork) Deliver(ctx context.Context, toPhone string, env Envelope) error {
	b, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode sandbox envelope: %w", err)
	}
	if err := n.bus.Publish(ctx, Topic(toPhone), b); err != nil {
		return fmt.Errorf("publish sandbox envelope: %w", err)
	}
	return nil
}

// Listen subscribes to the phone's topic; undecodable payloads are dropped.
func (n *BusNetwork) Listen(ctx context.Context, phone string, fn func(Envelope)) (func(), error) {
	cancel, err := n.bus.Subscribe(ctx, Topic(phone), func(payload []byte) {
		var env Envelope
		if json.Unmarshal(payload, &env) != nil {
			return
		}
		fn(env)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to sandbox topic: %w", err)
	}
	return cancel, nil
}
