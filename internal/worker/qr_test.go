package worker

import (
	"context"
	"strings"
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
	// One code, for 2 s of the real clock (the worker serves HTTP, which a
	// synctest bubble cannot hold): time enough to see it, then it runs out.
	w := newWorker(t, st, s, sandboxEngines(sandbox.Options{QRCodes: 1, QRFirstTTL: 2 * time.Second}))
	r := start(t, w)
	polltest.Until(t, patience, "first QR", func() (string, bool) { return string(w.Status().State), w.Status().QR != nil })
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
