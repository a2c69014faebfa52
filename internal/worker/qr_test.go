package worker

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
)

// After the codes run out, asking for the QR code again starts a new
// pairing attempt instead of answering with a dead session.
func TestQRAgainAfterTimeout(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "", gateway.SessionSettings{})
	// The sandbox's timers fire only when the test says so.
	var mu sync.Mutex
	var timers []func()
	after := func(_ time.Duration, f func()) sandbox.Timer {
		mu.Lock()
		defer mu.Unlock()
		timers = append(timers, f)
		return time.NewTimer(time.Hour) // never fires; Stop works
	}
	w := newWorker(t, st, s, sandboxEngines(sandbox.Options{QRCodes: 1, AfterFunc: after}))
	r := start(t, w)
	polltest.Until(t, patience, "first QR", func() (string, bool) { return string(w.Status().State), w.Status().QR != nil })
	mu.Lock()
	expire := timers[0]
	mu.Unlock()
	expire() // the only code runs out
	polltest.Until(t, patience, "QR timeout", func() (string, bool) {
		st := w.Status()
		return string(st.State) + " " + st.Reason, st.State == gateway.SessionDisconnected && st.Reason == reasonQRTimeout
	})
	qr, err := r.client.QR(context.Background(), r.ep)
	if err != nil {
		t.Fatalf("QR after timeout: got %v, want a new code", err)
	}
	if !strings.HasPrefix(qr.Code, "SANDBOX") {
		t.Fatalf("got code %q, want a new sandbox code", qr.Code)
	}
}

// A session that is not pairing says why in the QR error.
func TestQRErrorCarriesReason(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "", gateway.SessionSettings{})
	w := newWorker(t, st, s, sandboxEngines(sandbox.Options{}))
	r := start(t, w)
	polltest.Until(t, patience, "QR pending", func() (string, bool) { return string(w.Status().State), w.Status().State == gateway.SessionQRPending })
	if err := w.handle(context.Background(), gateway.EvDisconnected{Reason: "Cannot reach WhatsApp (test).", Reconnecting: true}); err != nil {
		t.Fatal(err)
	}
	w.clearQR()
	_, err := r.client.QR(context.Background(), r.ep)
	if !gateway.IsCode(err, gateway.CodeConflict) || !strings.Contains(gateway.ErrorMessage(err), "reconnecting; Cannot reach WhatsApp (test).") {
		t.Fatalf("got %v, want a conflict naming the state and reason", err)
	}
}
