package sandbox

import (
	"context"
	"slices"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Presence in the sandbox: an account's presence and its subscribers are
// kept in its record. Setting it tells each subscriber over the network,
// whose engine emits EvPresence, as WhatsApp pushes presence to those who
// subscribed; subscribing answers the current presence at once, as
// WhatsApp does. A user who blocked the subscriber, or whose last_seen
// privacy is none, shows no presence (WhatsApp sends none); a subscription
// lasts until the subscriber subscribes again after a block is lifted.

// presenceOf is the event of a presence envelope.
func presenceOf(env Envelope) gateway.EvPresence {
	d := gateway.PresenceData{Contact: env.FromPhone + "@" + gateway.ServerUser, Presence: env.Change}
	if !env.Timestamp.IsZero() && env.Change == gateway.PresenceUnavailable {
		t := env.Timestamp.UTC()
		d.LastSeen = &t
	}
	return gateway.EvPresence{Data: d}
}

// presenceEnvelope is what a's presence looks like to the subscriber to.
func (a *sbAccount) presenceEnvelope(to string) (Envelope, bool) {
	if a.blocks(to) || a.privacy().LastSeen == "none" {
		return Envelope{}, false
	}
	env := Envelope{Kind: KindPresence, FromPhone: a.Phone, Change: a.Presence}
	if env.Change == "" {
		env.Change = gateway.PresenceUnavailable
	}
	if env.Change == gateway.PresenceUnavailable {
		env.Timestamp = a.LastSeen
		if env.Timestamp.IsZero() {
			env.Timestamp = a.RegisteredAt
		}
	}
	return env, true
}

// SetPresence marks the account available or unavailable and tells its
// subscribers.
func (e *Engine) SetPresence(ctx context.Context, presence string) error {
	me, err := e.me()
	if err != nil {
		return err
	}
	if presence != gateway.PresenceAvailable && presence != gateway.PresenceUnavailable {
		return gateway.ValidationError(map[string]string{"presence": "Give available or unavailable."})
	}
	now := time.Now().UTC().Truncate(time.Second)
	a, err := e.changeAccount(ctx, me, func(a *sbAccount) error {
		if presence == gateway.PresenceUnavailable && a.Presence == gateway.PresenceAvailable {
			a.LastSeen = now
		}
		a.Presence = presence
		return nil
	})
	if err != nil {
		return err
	}
	if e.opts.Network == nil {
		return nil
	}
	e.mu.Lock()
	defer e.unlock()
	for _, p := range a.Subscribers {
		if env, ok := a.presenceEnvelope(p); ok {
			e.publishLocked(func(ctx context.Context) error { return e.opts.Network.Deliver(ctx, e.cfg.UserID, p, env) })
		}
	}
	return nil
}

// SubscribePresence subscribes to a user's presence. A number outside the
// tenant's sandbox is on WhatsApp but never shows a presence.
func (e *Engine) SubscribePresence(ctx context.Context, jid string) error {
	me, err := e.me()
	if err != nil {
		return err
	}
	for range 5 {
		as, err := e.accounts(ctx)
		if err != nil {
			return err
		}
		phone, err := userPhone(jid, as)
		if err != nil {
			return err
		}
		a, ok := as[phone]
		if !ok || phone == me {
			return nil
		}
		if !slices.Contains(a.Subscribers, me) {
			a.Subscribers = append(a.Subscribers, me)
			err = e.saveAccount(ctx, a)
			if gateway.IsCode(err, gateway.CodeConflict) {
				continue
			}
			if err != nil {
				return err
			}
		}
		if env, ok := a.presenceEnvelope(me); ok {
			e.mu.Lock()
			e.offerLocked(presenceOf(env), 0, nil)
			e.unlock()
		}
		return nil
	}
	return gateway.Errorf(gateway.CodeUnavailable, "The account is changing too fast; try again.")
}

// goUnavailable is what WhatsApp does when an account's only connection
// closes (the session stops, logs out or loses the network): an account
// shown available goes unavailable, last seen now, and its subscribers are
// told. It runs once the connection is gone. (While connected, the account
// stays as it was set: a linked device is not timed out for being idle.)
func (e *Engine) goUnavailable(me string) {
	if e.opts.Accounts == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	as, err := e.accounts(ctx)
	if err != nil || as[me] == nil || as[me].Presence != gateway.PresenceAvailable {
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	a, err := e.changeAccount(ctx, me, func(a *sbAccount) error {
		if a.Presence == gateway.PresenceAvailable {
			a.Presence, a.LastSeen = gateway.PresenceUnavailable, now
		}
		return nil
	})
	if err != nil {
		e.log.Warn("sandbox presence on disconnect", "error", err)
		return
	}
	if e.opts.Network == nil {
		return
	}
	for _, p := range a.Subscribers {
		if env, ok := a.presenceEnvelope(p); ok {
			if err := e.opts.Network.Deliver(ctx, e.cfg.UserID, p, env); err != nil {
				e.log.Warn("sandbox presence on disconnect", "to", p, "error", err)
			}
		}
	}
}
