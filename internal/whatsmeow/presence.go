package whatsmeow

import (
	"context"
	"errors"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// presenceClient is the part of *wa.Client the presence operations use.
type presenceClient interface {
	SendPresence(ctx context.Context, state types.Presence) error
	SubscribePresence(ctx context.Context, jid types.JID) error
}

var _ presenceClient = (*wa.Client)(nil)

// SetPresence marks the account available or unavailable.
func (e *Engine) SetPresence(ctx context.Context, presence string) error {
	cli, err := e.connectedClient()
	if err != nil {
		return err
	}
	if err := sendPresence(ctx, cli, presence); err != nil {
		return err
	}
	e.mu.Lock()
	e.presence = presence
	e.mu.Unlock()
	return nil
}

func sendPresence(ctx context.Context, cli presenceClient, presence string) error {
	var state types.Presence
	switch presence {
	case gateway.PresenceAvailable:
		state = types.PresenceAvailable
	case gateway.PresenceUnavailable:
		state = types.PresenceUnavailable
	default:
		return gateway.ValidationError(map[string]string{"presence": "Give available or unavailable."})
	}
	err := cli.SendPresence(ctx, state)
	if errors.Is(err, wa.ErrNoPushName) {
		// WhatsApp takes no presence from an account without a push name.
		e := gateway.Refused("the account has no push name yet; set one first (PUT /profile)")
		e.Err = err
		return e
	}
	if err != nil {
		return contactError(err, "WhatsApp did not take the presence.")
	}
	return nil
}

// SubscribePresence asks WhatsApp for a user's presence updates; they
// follow as events.Presence, mapped by presenceEvent.
func (e *Engine) SubscribePresence(ctx context.Context, jid string) error {
	cli, err := e.connectedClient()
	if err != nil {
		return err
	}
	j, err := userJID(jid)
	if err != nil {
		return err
	}
	if err := cli.SubscribePresence(ctx, j); err != nil {
		return contactError(err, "WhatsApp did not take the presence subscription.")
	}
	e.mu.Lock()
	if e.subscribed == nil {
		e.subscribed = map[types.JID]struct{}{}
	}
	if len(e.subscribed) < maxSubscriptions {
		e.subscribed[j] = struct{}{}
	}
	e.mu.Unlock()
	return nil
}

// maxSubscriptions bounds the presence subscriptions an engine renews.
const maxSubscriptions = 1000

// renewPresence sends the account's presence and its subscriptions again
// after a reconnect: WhatsApp ties both to the connection, so without it
// presence events would stop after any network blip. It runs off the
// event loop; a subscription WhatsApp refuses now is dropped and logged.
func (e *Engine) renewPresence(ctx context.Context, cli presenceClient) {
	e.mu.Lock()
	presence := e.presence
	subs := make([]types.JID, 0, len(e.subscribed))
	for j := range e.subscribed {
		subs = append(subs, j)
	}
	e.mu.Unlock()
	if presence != "" {
		if err := sendPresence(ctx, cli, presence); err != nil {
			e.log.Warn("presence not renewed after reconnect", "presence", presence, "error", err)
		}
	}
	for _, j := range subs {
		if err := cli.SubscribePresence(ctx, j); err != nil {
			if ctx.Err() != nil {
				return
			}
			e.log.Warn("presence subscription not renewed after reconnect; subscribe again", "contact", j.String(), "error", err)
			e.mu.Lock()
			delete(e.subscribed, j)
			e.mu.Unlock()
		}
	}
}

// presenceEvent is the presence event of a user's presence update; the
// last-seen time is left out when the user's privacy hides it.
func presenceEvent(v *events.Presence) gateway.EvPresence {
	d := gateway.PresenceData{Contact: v.From.ToNonAD().String(), Presence: gateway.PresenceAvailable}
	if v.Unavailable {
		d.Presence = gateway.PresenceUnavailable
	}
	if !v.LastSeen.IsZero() {
		t := v.LastSeen.UTC()
		d.LastSeen = &t
	}
	return gateway.EvPresence{Data: d}
}
