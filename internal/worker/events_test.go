package worker

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// fakeEngine lets a test play engine events through the worker's handler.
type fakeEngine struct {
	mu          sync.Mutex
	cfg         gateway.EngineConfig
	ctx         context.Context
	disconnects int
	sendErr     error
	attempts    int
}

func (f *fakeEngine) Connect(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ctx = ctx
	return nil
}
func (f *fakeEngine) Disconnect() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.disconnects++
}
func (f *fakeEngine) Logout(context.Context) error                      { return nil }
func (f *fakeEngine) PairPhone(context.Context, string) (string, error) { return "", nil }
func (f *fakeEngine) Send(_ context.Context, m *gateway.OutboundMessage) (gateway.SendResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.sendErr != nil {
		return gateway.SendResult{}, f.sendErr
	}
	return gateway.SendResult{WAMessageID: m.WAMessageID, Timestamp: time.Now()}, nil
}
func (f *fakeEngine) MarkRead(context.Context, gateway.ReadReceipt) error { return nil }
func (f *fakeEngine) SetTyping(context.Context, string, bool, bool) error { return nil }
func (f *fakeEngine) CheckNumbers(context.Context, []string) ([]gateway.NumberCheck, error) {
	return nil, nil
}
func (f *fakeEngine) Status() gateway.EngineStatus { return gateway.EngineStatus{} }

func (f *fakeEngine) emit(t *testing.T, ev gateway.EngineEvent) error {
	t.Helper()
	f.mu.Lock()
	ctx := f.ctx
	f.mu.Unlock()
	return f.cfg.Handler(ctx, ev)
}

func (f *fakeEngine) disconnected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.disconnects
}

func fakeEngines(f *fakeEngine) map[string]gateway.EngineFactory {
	return map[string]gateway.EngineFactory{gateway.EngineSandbox: func(_ context.Context, cfg gateway.EngineConfig) (gateway.Engine, error) {
		f.cfg = cfg
		return f, nil
	}}
}

func TestLifecycleEvents(t *testing.T) {
	until := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name        string
		ev          gateway.EngineEvent
		status      gateway.SessionStatus
		reason      string
		keepsDevice bool
	}{
		{"disconnected, reconnecting", gateway.EvDisconnected{Reason: "network", Reconnecting: true}, gateway.SessionReconnecting, "network", true},
		{"disconnected", gateway.EvDisconnected{Reason: "gone"}, gateway.SessionDisconnected, "gone", true},
		{"logged out", gateway.EvLoggedOut{Reason: "removed from the phone"}, gateway.SessionLoggedOut, "removed from the phone", false},
		{"temporary ban", gateway.EvTemporaryBan{Reason: "too many unknown contacts", Until: until}, gateway.SessionDisconnected, "too many unknown contacts", true},
		{"stream replaced", gateway.EvStreamReplaced{}, gateway.SessionFailed, ReasonStreamReplaced, true},
		{"connect failure", gateway.EvConnectFailure{Reason: "client outdated", Permanent: true}, gateway.SessionFailed, "client outdated", true},
		{"qr timeout", gateway.EvQRTimeout{}, gateway.SessionDisconnected, reasonQRTimeout, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := &fakeEngine{}
			st, s, r := startFake(t, "15550001111:1@s.whatsapp.net", f)
			w := r.w
			if f.cfg.DeviceJID != s.DeviceJID {
				t.Errorf("engine built with device %q, want the stored %q", f.cfg.DeviceJID, s.DeviceJID)
			}
			if err := f.emit(t, gateway.EvConnected{JID: s.DeviceJID, Phone: "15550001111", PushName: "Me"}); err != nil {
				t.Fatal(err)
			}
			if err := f.emit(t, tt.ev); err != nil {
				t.Fatalf("handler: %v", err)
			}
			got, err := st.SessionByID(ctx, s.UserID, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || got.StatusReason != tt.reason {
				t.Errorf("got %s (%q), want %s (%q)", got.Status, got.StatusReason, tt.status, tt.reason)
			}
			if hasDevice := got.DeviceJID != ""; hasDevice != tt.keepsDevice {
				t.Errorf("got device %q, want kept %v", got.DeviceJID, tt.keepsDevice)
			}
			if _, ok := tt.ev.(gateway.EvTemporaryBan); ok && (got.BannedUntil == nil || !got.BannedUntil.Equal(until)) {
				t.Errorf("got banned until %v, want %v", got.BannedUntil, until)
			}
			if w.Status().State != tt.status {
				t.Errorf("got worker state %s, want %s", w.Status().State, tt.status)
			}
			if _, ok := tt.ev.(gateway.EvStreamReplaced); ok {
				// The worker stops its engine, keeps running and refuses work.
				polltest.Until(t, patience, "engine disconnected", func() (string, bool) { return "connected", f.disconnected() > 0 })
				if err := r.client.Health(ctx, r.ep); err != nil {
					t.Errorf("health after stream replaced: %v, want the worker still up", err)
				}
				if _, err := r.client.Check(ctx, r.ep, []string{"15550002222"}); !gateway.IsCode(err, gateway.CodeConflict) {
					t.Errorf("got %v, want conflict after stream replaced", err)
				}
				select {
				case err := <-r.done:
					t.Errorf("Run returned %v after stream replaced, want it to keep running", err)
				default:
				}
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		want   gateway.MessageStatus
		reason string
	}{
		{"unavailable stays queued", gateway.Errorf(gateway.CodeUnavailable, "not connected"), gateway.MessageQueued, ""},
		{"validation fails, saying why", gateway.ValidationError(map[string]string{"media": "No media.", "caption": "Too long."}), gateway.MessageFailed,
			"Some fields are invalid. caption: Too long. media: No media."},
		{"internal fails with a public reason", errors.New("socket: driver text"), gateway.MessageFailed, "An internal error occurred."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := &fakeEngine{sendErr: tt.err}
			st, s, _ := startFake(t, "15550001111:1@s.whatsapp.net", f)
			m := queue(t, st, s, "15550002222", gateway.TypeText, "x", nil)
			other := queue(t, st, s, "15550002222", gateway.TypeText, "y", nil)
			if err := f.emit(t, gateway.EvConnected{Phone: "15550001111"}); err != nil {
				t.Fatal(err)
			}
			if tt.want == gateway.MessageQueued {
				polltest.Until(t, patience, "a send attempt", func() (string, bool) {
					f.mu.Lock()
					defer f.mu.Unlock()
					return "none", f.attempts > 0
				})
				// The drain stopped at the first refusal and left both queued.
				for _, q := range []*gateway.Message{m, other} {
					if got, _ := st.MessageByID(ctx, s.UserID, q.ID); got.Status != gateway.MessageQueued {
						t.Errorf("got %s, want queued", got.Status)
					}
				}
				f.mu.Lock()
				attempts := f.attempts
				f.sendErr = nil
				f.mu.Unlock()
				if attempts != 1 {
					t.Errorf("got %d send attempts, want 1 (stop at the first unavailable)", attempts)
				}
				if err := f.emit(t, gateway.EvConnected{Phone: "15550001111"}); err != nil {
					t.Fatal(err)
				}
				messageIs(t, st, m, gateway.MessageSent)
				messageIs(t, st, other, gateway.MessageSent)
				return
			}
			got := messageIs(t, st, m, tt.want)
			if got.Error != tt.reason {
				t.Errorf("got reason %q, want %q", got.Error, tt.reason)
			}
			messageIs(t, st, other, tt.want)
		})
	}
}

// TestHistoryBatchIsAChange: each stored history batch moves the session's
// history_sync, which GET /sessions/{id} answers from the gateways' caches,
// so the worker tells Changed after it, as after a state report.
func TestHistoryBatchIsAChange(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	var changed atomic.Int64
	f := &fakeEngine{}
	r := start(t, mustNew(t, Config{SessionID: s.ID, UserID: s.UserID, Engines: fakeEngines(f), Store: st, Secret: secretFn,
		RetryDelay: 10 * time.Millisecond, Changed: func() { changed.Add(1) }}))
	polltest.Until(t, patience, "worker running", func() (string, bool) {
		return "not healthy", r.client.Health(context.Background(), r.ep) == nil
	})
	before := changed.Load()
	if err := f.emit(t, gateway.EvHistorySync{Progress: 40}); err != nil {
		t.Fatal(err)
	}
	if n := changed.Load() - before; n != 1 {
		t.Errorf("a history batch told Changed %d times, want 1", n)
	}
	got, err := st.SessionByID(context.Background(), s.UserID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.HistorySync == nil || got.HistorySync.Progress != 40 {
		t.Errorf("stored history_sync %+v, want progress 40", got.HistorySync)
	}
}
