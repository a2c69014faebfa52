package whatsmeow

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

func TestZombieReason(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	const limit = 90 * time.Second
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := []struct {
		name string
		h    health
		want string // a word of the reason; "" for healthy
	}{
		{"healthy", health{Online: true, SocketUp: true, LoggedIn: true, LastActivity: ago(time.Hour)}, ""},
		{"not online: nothing to watch", health{KeepAliveFailingSince: ago(time.Hour), LastActivity: ago(time.Hour)}, ""},
		{"keepalives failing briefly", health{Online: true, SocketUp: true, LoggedIn: true, KeepAliveFailingSince: ago(30 * time.Second)}, ""},
		{"keepalives failing too long", health{Online: true, SocketUp: true, LoggedIn: true, KeepAliveFailingSince: ago(limit)}, "keepalives"},
		{"socket gone silently", health{Online: true, LastActivity: ago(2 * time.Minute)}, "without notice"},
		{"socket gone, reconnect under way", health{Online: true, ReconnectPending: true, LastActivity: ago(time.Hour)}, ""},
		{"socket gone just now", health{Online: true, LastActivity: ago(10 * time.Second)}, ""},
		{"up but not logged in", health{Online: true, SocketUp: true, LastActivity: ago(2 * time.Minute)}, "not logged in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := zombieReason(tt.h, now, limit)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, want a reason with %q", got, tt.want)
			}
		})
	}
}

// A connection whose keepalives keep failing is recycled by the watchdog
// before whatsmeow's own three minutes, and a reconnect follows at once.
func TestWatchdogRecyclesZombie(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, rec := connectedEngine(t)
		// The socket is actually down here (no network), but the engine's
		// events say connected: a keepalive failure is the first sign.
		dispatch(e, &events.KeepAliveTimeout{ErrorCount: 1, LastSuccess: time.Now()})
		advance(DefaultWatchdogEvery)
		advance(DefaultWatchdogEvery)
		rec.None(t) // 60 s of failures: not yet
		advance(DefaultWatchdogEvery)
		ev := nextOf[gateway.EvDisconnected](t, rec)
		if !ev.Reconnecting || !strings.Contains(ev.Reason, "keepalives") {
			t.Fatalf("got %+v, want a recycle because of keepalives", ev)
		}
		synctest.Wait() // the immediate reconnect
		if ev := nextOf[gateway.EvDisconnected](t, rec); !strings.HasPrefix(ev.Reason, "Cannot reach the proxy") {
			t.Fatalf("got %+v, want the reconnect attempt's outcome", ev)
		}
	})
}

func TestWatchdogKeepAliveRestored(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, rec := connectedEngine(t)
		dispatch(e, &events.KeepAliveTimeout{ErrorCount: 1})
		advance(DefaultWatchdogEvery)
		dispatch(e, &events.KeepAliveRestored{}) // also counts as traffic
		advance(DefaultWatchdogEvery)
		advance(DefaultWatchdogEvery)
		rec.None(t)
	})
}

func TestWatchdogStopsWithDisconnect(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, rec := connectedEngine(t)
		e.Disconnect()
		advance(time.Hour)
		rec.None(t)
	})
}
