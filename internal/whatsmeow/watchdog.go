package whatsmeow

import (
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// health is what the watchdog knows about a connection.
type health struct {
	// Online: the engine saw Connected and no disconnect since.
	Online bool
	// SocketUp and LoggedIn are whatsmeow's own view.
	SocketUp bool
	LoggedIn bool
	// KeepAliveFailingSince is when keepalives started failing (zero while they succeed).
	KeepAliveFailingSince time.Time
	// LastActivity is the last event from WhatsApp.
	LastActivity time.Time
	// ReconnectPending: a reconnect is scheduled, so a down socket is expected.
	ReconnectPending bool
}

// zombieReason says why a connection that looks alive is not ("" when it
// is healthy): keepalives failing for longer than limit (whatsmeow itself
// waits three minutes), a socket gone without a Disconnected event and no
// reconnect under way, or a socket up but not logged in for that long.
func zombieReason(h health, now time.Time, limit time.Duration) string {
	if !h.Online {
		return ""
	}
	quiet := now.Sub(h.LastActivity) >= limit
	switch {
	case !h.KeepAliveFailingSince.IsZero() && now.Sub(h.KeepAliveFailingSince) >= limit:
		return "WhatsApp stopped answering keepalives; reconnecting."
	case !h.SocketUp && !h.ReconnectPending && quiet:
		return "The connection to WhatsApp closed without notice; reconnecting."
	case h.SocketUp && !h.LoggedIn && quiet:
		return "The connection to WhatsApp is up but not logged in; reconnecting."
	}
	return ""
}

// startWatchdogLocked starts the watchdog of generation gen unless it runs.
func (e *Engine) startWatchdogLocked(gen uint64) {
	if e.watchdog != nil {
		return
	}
	e.watchdog = time.AfterFunc(e.opts.WatchdogEvery, func() { e.checkHealth(gen) })
}

// checkHealth is one watchdog round: it recycles a zombie connection
// (Disconnect, then a fresh connect) and schedules the next round.
func (e *Engine) checkHealth(gen uint64) {
	if !e.lockCurrent(gen) {
		return
	}
	cli := e.cli
	h := health{
		Online:                e.online,
		KeepAliveFailingSince: e.kaFailSince,
		LastActivity:          e.lastActive,
		ReconnectPending:      e.retry != nil,
	}
	e.mu.Unlock()
	// Outside the lock: these wait for whatsmeow's socket lock, which a
	// connection attempt holds while it dials.
	h.SocketUp, h.LoggedIn = cli.IsConnected(), cli.IsLoggedIn()

	reason := zombieReason(h, time.Now(), e.opts.ZombieAfter)
	if !e.lockCurrent(gen) {
		return
	}
	e.watchdog = time.AfterFunc(e.opts.WatchdogEvery, func() { e.checkHealth(gen) })
	e.mu.Unlock()
	if reason != "" {
		e.recycle(gen, cli, reason)
	}
}

// recycle drops a zombie connection and connects again at once.
func (e *Engine) recycle(gen uint64, cli interface{ Disconnect() }, reason string) {
	e.log.Warn("whatsapp connection recycled", "reason", reason)
	cli.Disconnect() // emits nothing and cancels whatsmeow's own pending reconnect
	if !e.lockCurrent(gen) {
		return
	}
	e.socketUp, e.online = false, false
	e.kaFailSince = time.Time{}
	e.mu.Unlock()
	e.emit(gen, gateway.EvDisconnected{Reason: reason, Reconnecting: true})
	e.dialAfter(gen, 0)
}
