package whatsmeow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const pairedJID = "15550001111:7@s.whatsapp.net"

func TestNewEngineOffline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		deviceJID string
		want      gateway.EngineStatus
	}{
		{"new device", "", gateway.EngineStatus{}},
		{"paired device", pairedJID, gateway.EngineStatus{Paired: true, JID: pairedJID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestEngine(t, engineSetup{deviceJID: tt.deviceJID})
			got := e.Status()
			got.LastActivity = time.Time{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("status (-want +got):\n%s", diff)
			}
			e.mu.Lock()
			cli := e.cli
			e.mu.Unlock()
			if !cli.SynchronousAck || !cli.EnableDecryptedEventBuffer || cli.InitialAutoReconnect || cli.AutoReconnectHook == nil || !cli.ManualHistorySyncDownload {
				t.Fatalf("client settings: SynchronousAck %v, EnableDecryptedEventBuffer %v, InitialAutoReconnect %v, hook %v; want acks after storing and the engine's own backoff",
					cli.SynchronousAck, cli.EnableDecryptedEventBuffer, cli.InitialAutoReconnect, cli.AutoReconnectHook != nil)
			}
		})
	}
}

func TestNewEngineRequiresStoreAndHandler(t *testing.T) {
	t.Parallel()
	ds := newDeviceStore(t, sqliteDB(t), DialectSQLite)
	h := func(context.Context, gateway.EngineEvent) error { return nil }
	cases := map[string]struct {
		cfg  gateway.EngineConfig
		opts Options
	}{
		"no handler": {gateway.EngineConfig{SessionID: "s"}, Options{Store: ds}},
		"no session": {gateway.EngineConfig{Handler: h}, Options{Store: ds}},
		"no store":   {gateway.EngineConfig{SessionID: "s", Handler: h}, Options{}},
		"bad proxy":  {gateway.EngineConfig{SessionID: "s", Handler: h}, Options{Store: ds, Proxy: "ftp://x:21"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := New(context.Background(), c.cfg, c.opts); err == nil {
				t.Fatal("got nil error, want one")
			}
		})
	}
}

// A session that cannot reach WhatsApp says so and retries with a growing,
// capped delay; it never pretends to be connected.
func TestConnectFailsHonestly(t *testing.T) {
	t.Parallel()
	for _, jid := range []string{"", pairedJID} {
		t.Run("device "+jid, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, rec := newTestEngine(t, engineSetup{deviceJID: jid})
				if err := e.Connect(context.Background()); err != nil {
					t.Fatalf("Connect: got %v, want nil (the outcome comes as events)", err)
				}
				wantDelays := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}
				for i, want := range wantDelays {
					ev := nextOf[gateway.EvDisconnected](t, rec)
					if !ev.Reconnecting || !strings.HasPrefix(ev.Reason, "Cannot reach the proxy 127.0.0.1:") {
						t.Fatalf("attempt %d: got %+v, want a reconnecting disconnect saying the (dead) proxy cannot be reached", i+1, ev)
					}
					if !strings.Contains(ev.Reason, "retrying in "+want.String()) {
						t.Fatalf("attempt %d: reason %q, want it to say retrying in %s", i+1, ev.Reason, want)
					}
					if st := e.Status(); st.Connected || st.LoggedIn {
						t.Fatalf("status %+v, want neither connected nor logged in", st)
					}
					if i < len(wantDelays)-1 {
						// The next attempt comes exactly when it said; the
						// loop reads its outcome.
						advance(want - time.Millisecond)
						rec.Quiet(t)
						advance(time.Millisecond)
					}
				}
				e.Disconnect()
				advance(time.Hour)
				rec.Quiet(t) // no attempt after Disconnect
			})
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n      int
		jitter float64
		want   time.Duration
	}{
		{1, 0, 2 * time.Second},
		{2, 0, 4 * time.Second},
		{5, 0, 32 * time.Second},
		{9, 0, 5 * time.Minute}, // 512 s capped
		{100, 0, 5 * time.Minute},
		{1, 0.5, 1800 * time.Millisecond},
		{100, 0.99, 5*time.Minute - time.Duration(float64(5*time.Minute)*0.2*0.99)},
	}
	for _, tt := range tests {
		if got := Backoff(tt.n, 2*time.Second, 5*time.Minute, tt.jitter); got != tt.want {
			t.Errorf("Backoff(%d, jitter %v) = %v, want %v", tt.n, tt.jitter, got, tt.want)
		}
	}
}

func TestConnectWhileBannedWaitsForTheBan(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		until := time.Now().Add(3 * time.Hour)
		e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID, banned: until})
		if err := e.Connect(context.Background()); err != nil {
			t.Fatal(err)
		}
		ev := nextOf[gateway.EvTemporaryBan](t, rec)
		if !ev.Until.Equal(until) {
			t.Fatalf("ban until %v, want %v", ev.Until, until)
		}
		// The first attempt when the ban ends.
		if ev := reconnectsAfter(t, rec, 3*time.Hour); !ev.Reconnecting {
			t.Fatalf("after the ban: got %+v, want a connection attempt", ev)
		}
	})
}

func TestConnectMissingDeviceAsksForPairing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, rec := newTestEngine(t, engineSetup{})
		// A session that stored a JID whose device whatsmeow deleted.
		e.mu.Lock()
		e.missing = true
		e.mu.Unlock()
		if err := e.Connect(context.Background()); err != nil {
			t.Fatal(err)
		}
		if ev := nextOf[gateway.EvLoggedOut](t, rec); !strings.Contains(ev.Reason, "pair") {
			t.Fatalf("got %+v, want a logout asking to pair again", ev)
		}
		advance(time.Hour)
		rec.Quiet(t) // no reconnect
	})
}

func TestConnectTwiceConflicts(t *testing.T) {
	t.Parallel()
	e, _ := newTestEngine(t, engineSetup{})
	if err := e.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Connect(context.Background()); !gateway.IsCode(err, gateway.CodeConflict) {
		t.Fatalf("second Connect: got %v, want CodeConflict", err)
	}
}

func TestQRCodesRotateThenTimeOut(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, rec := newTestEngine(t, engineSetup{})
		activate(t, e)
		codes := []string{"ref1,a,b,c", "ref2,a,b,c", "ref3,a,b,c"}
		start := time.Now()
		if !dispatch(e, &events.QR{Codes: codes}) {
			t.Fatal("QR event: handler failed")
		}
		wantTTL := []time.Duration{60 * time.Second, 20 * time.Second, 20 * time.Second}
		at := start
		for i, code := range codes {
			ev := nextOf[gateway.EvQR](t, rec)
			if ev.Code != code || !ev.ExpiresAt.Equal(at.Add(wantTTL[i])) {
				t.Fatalf("code %d: got %q expiring %v, want %q expiring %v", i, ev.Code, ev.ExpiresAt, code, at.Add(wantTTL[i]))
			}
			at = at.Add(wantTTL[i])
			advance(wantTTL[i])
		}
		nextOf[gateway.EvQRTimeout](t, rec)
		if e.Status().Connected {
			t.Fatal("still connected after the QR timeout")
		}
		rec.None(t)
	})
}

func TestPairingEvents(t *testing.T) {
	t.Parallel()
	e, rec := newTestEngine(t, engineSetup{})
	activate(t, e)
	dispatch(e, &events.QR{Codes: []string{"ref1,a,b,c"}})
	nextOf[gateway.EvQR](t, rec)

	id := types.NewADJID("15550003333", 0, 12)
	lid := types.NewJID("123456789012345", types.HiddenUserServer)
	dispatch(e, &events.PairSuccess{ID: id, LID: lid, Platform: "android"})
	paired := nextOf[gateway.EvPaired](t, rec)
	want := gateway.EvPaired{JID: "15550003333:12@s.whatsapp.net", LID: "123456789012345@lid", Phone: "15550003333", Platform: "android"}
	if diff := cmp.Diff(want, paired); diff != "" {
		t.Fatalf("paired (-want +got):\n%s", diff)
	}
	if st := e.Status(); !st.Paired || st.JID != want.JID {
		t.Fatalf("status %+v, want paired as %s", st, want.JID)
	}
	if h := nextOf[gateway.EvHistorySync](t, rec); !h.Off || !h.Done {
		t.Fatalf("history without HistoryDays: got %+v, want off", h)
	}

	dispatch(e, &events.PairError{Error: errors.New("bad hmac")})
	if ev := nextOf[gateway.EvPairError](t, rec); ev.Reason == "" || strings.Contains(ev.Reason, "hmac") {
		t.Fatalf("pair error reason %q, want a sentence without the internal cause", ev.Reason)
	}
}

func TestConnectedEvent(t *testing.T) {
	t.Parallel()
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	activate(t, e)
	if !dispatch(e, &events.Connected{}) {
		t.Fatal("Connected: handler failed")
	}
	got := nextOf[gateway.EvConnected](t, rec)
	want := gateway.EvConnected{JID: pairedJID, Phone: "15550001111", PushName: "Test Phone"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("connected (-want +got):\n%s", diff)
	}
	if st := e.Status(); !st.LoggedIn {
		t.Fatalf("status %+v, want logged in", st)
	}
}

func TestFatalEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		evt   any
		check func(t *testing.T, ev gateway.EngineEvent)
		// retry is the reconnect the engine schedules; 0 for none.
		retry time.Duration
	}{
		{"logged out", &events.LoggedOut{OnConnect: true, Reason: events.ConnectFailureLoggedOut}, func(t *testing.T, ev gateway.EngineEvent) {
			if e, ok := ev.(gateway.EvLoggedOut); !ok || !strings.Contains(e.Reason, "401") {
				t.Fatalf("got %T %+v, want EvLoggedOut naming 401", ev, ev)
			}
		}, 0},
		{"stream replaced", &events.StreamReplaced{}, func(t *testing.T, ev gateway.EngineEvent) {
			if _, ok := ev.(gateway.EvStreamReplaced); !ok {
				t.Fatalf("got %T, want EvStreamReplaced", ev)
			}
		}, 0},
		{"client outdated", &events.ClientOutdated{}, func(t *testing.T, ev gateway.EngineEvent) {
			if e, ok := ev.(gateway.EvConnectFailure); !ok || !e.Permanent || !strings.Contains(e.Reason, "WHATSAPP_WEB_VERSION") {
				t.Fatalf("got %T %+v, want a permanent failure naming WHATSAPP_WEB_VERSION", ev, ev)
			}
		}, 0},
		{"temporary ban", &events.TemporaryBan{Code: events.TempBanSentToTooManyPeople, Expire: 2 * time.Hour}, func(t *testing.T, ev gateway.EngineEvent) {
			e, ok := ev.(gateway.EvTemporaryBan)
			want := time.Now().Add(2 * time.Hour)
			if !ok || !e.Until.Equal(want) || !strings.Contains(e.Reason, "101") {
				t.Fatalf("got %T %+v, want a ban until %v with code 101", ev, ev, want)
			}
		}, 2 * time.Hour},
		{"connect failure", &events.ConnectFailure{Reason: events.ConnectFailureBadUserAgent}, func(t *testing.T, ev gateway.EngineEvent) {
			if e, ok := ev.(gateway.EvConnectFailure); !ok || e.Permanent || !strings.Contains(e.Reason, "409") {
				t.Fatalf("got %T %+v, want a retried failure naming 409", ev, ev)
			}
		}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, rec := connectedEngine(t)
				dispatch(e, tt.evt)
				tt.check(t, rec.Next(t))
				if tt.retry > 0 {
					reconnectsAfter(t, rec, tt.retry)
					return
				}
				e.mu.Lock()
				active := e.active
				e.mu.Unlock()
				if active {
					t.Fatal("engine still active, want it stopped")
				}
				advance(time.Hour)
				rec.Quiet(t) // no reconnect
			})
		})
	}
}

func TestStreamReplacedRefusesReconnect(t *testing.T) {
	t.Parallel()
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	activate(t, e)
	dispatch(e, &events.StreamReplaced{})
	nextOf[gateway.EvStreamReplaced](t, rec)
	e.Disconnect()
	if err := e.Connect(context.Background()); !gateway.IsCode(err, gateway.CodeConflict) {
		t.Fatalf("Connect after a replacement: got %v, want CodeConflict", err)
	}
}

func TestDisconnectedEvent(t *testing.T) {
	t.Parallel()
	t.Run("paired: whatsmeow reconnects", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e, rec := connectedEngine(t)
			dispatch(e, &events.Disconnected{})
			if ev := nextOf[gateway.EvDisconnected](t, rec); !ev.Reconnecting || ev.Reason != reasonDropped {
				t.Fatalf("got %+v, want a reconnecting disconnect", ev)
			}
			if st := e.Status(); st.Connected || st.LoggedIn {
				t.Fatalf("status %+v after a disconnect, want down", st)
			}
		})
	})
	t.Run("pairing: the engine reconnects", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e, rec := newTestEngine(t, engineSetup{})
			activate(t, e)
			dispatch(e, &events.Disconnected{})
			if ev := nextOf[gateway.EvDisconnected](t, rec); !ev.Reconnecting || ev.Reason != reasonPairingClosed {
				t.Fatalf("got %+v, want the pairing socket reconnecting", ev)
			}
			reconnectsAfter(t, rec, 2*time.Second)
		})
	})
}

func TestEventsAfterDisconnectAreNotAcknowledged(t *testing.T) {
	t.Parallel()
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	activate(t, e)
	e.Disconnect()
	msg := &events.Message{Info: types.MessageInfo{ID: "ABC"}, Message: textMessage("hi")}
	if dispatch(e, msg) {
		t.Fatal("a message after Disconnect was reported handled, want it left unacknowledged")
	}
	rec.None(t)
}

func TestWebVersion(t *testing.T) {
	old := WebVersion()
	t.Cleanup(func() { _ = SetWebVersion(old) })
	if err := SetWebVersion("2.3000.1099999999"); err != nil {
		t.Fatal(err)
	}
	// The login payload carries it, which the pinned whatsmeow's own setter misses.
	if got := WebVersion(); got != "2.3000.1099999999" {
		t.Fatalf("login payload version %s, want 2.3000.1099999999", got)
	}
	for _, bad := range []string{"2.3000", "a.b.c", "0.0.0"} {
		if err := SetWebVersion(bad); err == nil {
			t.Errorf("SetWebVersion(%q): got nil, want an error", bad)
		}
	}
	if err := SetWebVersion(""); err != nil || WebVersion() != "2.3000.1099999999" {
		t.Fatalf("SetWebVersion(\"\"): got %v, version %s; want no change", err, WebVersion())
	}
}
