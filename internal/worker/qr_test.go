package worker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
)

// After the codes run out, asking for the QR code again starts a new
// pairing attempt instead of answering with a dead session.
func TestQRAgainAfterTimeout(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "", gateway.SessionSettings{})
	w := newWorker(t, st, s, sandboxEngines(sandbox.Options{QRCodes: 1, QRFirstTTL: 20 * time.Millisecond}))
	r := start(t, w)
	eventually(t, "QR timeout", func() (bool, string) {
		st := w.Status()
		return st.State == gateway.SessionDisconnected && st.Reason == reasonQRTimeout, string(st.State) + " " + st.Reason
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
	eventually(t, "QR pending", func() (bool, string) { return w.Status().State == gateway.SessionQRPending, string(w.Status().State) })
	if err := w.handle(context.Background(), gateway.EvDisconnected{Reason: "Cannot reach WhatsApp (test).", Reconnecting: true}); err != nil {
		t.Fatal(err)
	}
	w.clearQR()
	_, err := r.client.QR(context.Background(), r.ep)
	if !gateway.IsCode(err, gateway.CodeConflict) || !strings.Contains(gateway.ErrorMessage(err), "reconnecting; Cannot reach WhatsApp (test).") {
		t.Fatalf("got %v, want a conflict naming the state and reason", err)
	}
}
