package worker

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
)

func TestInstanceAPIAuth(t *testing.T) {
	st, s, r := startSandbox(t)

	routes := []struct{ method, path string }{
		{"GET", instanceapi.PathStatus}, {"GET", instanceapi.PathQR}, {"POST", instanceapi.PathPairCode},
		{"POST", instanceapi.PathScan}, {"POST", instanceapi.PathSend}, {"POST", instanceapi.PathLogout},
		{"POST", instanceapi.PathRead}, {"POST", instanceapi.PathTyping}, {"POST", instanceapi.PathCheck},
	}
	for _, rt := range routes {
		for _, secret := range []string{"", "wrong"} {
			t.Run(rt.path+" secret "+secret, func(t *testing.T) {
				req, _ := http.NewRequest(rt.method, r.srv.URL+rt.path, strings.NewReader("{}"))
				if secret != "" {
					req.Header.Set(instanceapi.SecretHeader, secret)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("got %d, want 401", resp.StatusCode)
				}
			})
		}
	}
	// Health needs no secret.
	resp, err := http.Get(r.srv.URL + instanceapi.PathHealth)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("got health %d, want 200", resp.StatusCode)
	}
	// With the secret the logout route was not reached above: still connected.
	if st, err := r.client.Status(context.Background(), r.ep); err != nil || st.State != gateway.SessionConnected {
		t.Errorf("got status %+v (%v), want connected", st, err)
	}
	// A worker without a secret function refuses everything.
	w2, _ := New(Config{SessionID: s.ID, UserID: s.UserID, Engines: sandboxEngines(sandbox.Options{}), Store: st})
	req, _ := http.NewRequest("GET", instanceapi.PathStatus, nil)
	req.Header.Set(instanceapi.SecretHeader, "")
	rec := httptest.NewRecorder()
	w2.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("got %d without a configured secret, want 401", rec.Code)
	}
}

func TestInstanceAPIPairingAndLogout(t *testing.T) {
	st := newStore(t)
	ctx := context.Background()
	s := newSession(t, st, "", gateway.SessionSettings{})
	w := newWorker(t, st, s, sandboxEngines(sandbox.Options{}))
	r := start(t, w)
	sessionIs(t, st, s, gateway.SessionQRPending)

	var qr *instanceapi.QR
	polltest.Until(t, patience, "a QR code", func() (string, bool) {
		var err error
		qr, err = r.client.QR(ctx, r.ep)
		return fmt.Sprint(err), err == nil
	})
	if !strings.HasPrefix(qr.Code, "SANDBOX") || !qr.ExpiresAt.After(time.Now()) {
		t.Errorf("got QR %+v, want a live sandbox code", qr)
	}
	code, err := r.client.PairCode(ctx, r.ep, "+44 7700 900123")
	if err != nil {
		t.Fatalf("PairCode: %v", err)
	}
	if !regexp.MustCompile(`^[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}$`).MatchString(code) {
		t.Errorf("got pair code %q", code)
	}
	if _, err := r.client.PairCode(ctx, r.ep, "12"); !gateway.IsCode(err, gateway.CodeValidation) {
		t.Errorf("bad pair number: got %v, want validation", err)
	}

	status, err := r.client.Scan(ctx, r.ep, "15550009999")
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if status.State != gateway.SessionConnected || status.Phone != "15550009999" || !status.Connection.LoggedIn {
		t.Errorf("got status %+v after scan, want connected as 15550009999", status)
	}
	if _, err := r.client.Scan(ctx, r.ep, ""); !gateway.IsCode(err, gateway.CodeConflict) {
		t.Errorf("second scan: got %v, want conflict", err)
	}
	_, err = r.client.QR(ctx, r.ep)
	if !gateway.IsCode(err, gateway.CodeConflict) || !strings.Contains(gateway.ErrorMessage(err), "(state: connected)") {
		t.Errorf("QR when connected: got %v, want conflict naming the state", err)
	}

	checks, err := r.client.Check(ctx, r.ep, []string{"15550002222", "15550000000"})
	if err != nil || len(checks) != 2 || !checks[0].OnWA || checks[1].OnWA {
		t.Errorf("got checks %+v (%v), want the first on WhatsApp only", checks, err)
	}
	if err := r.client.Typing(ctx, r.ep, instanceapi.TypingRequest{Chat: "15550002222", Typing: true}); err != nil {
		t.Errorf("Typing: %v", err)
	}
	if err := r.client.MarkRead(ctx, r.ep, gateway.ReadReceipt{Chat: "15550002222@s.whatsapp.net", WAMessageIDs: []string{"3EB0X"}}); err != nil {
		t.Errorf("MarkRead: %v", err)
	}
	if err := r.client.Send(ctx, r.ep, "00000000-0000-0000-0000-000000000000"); !gateway.IsCode(err, gateway.CodeNotFound) {
		t.Errorf("nudge for an unknown message: got %v, want not found", err)
	}

	status, err = r.client.Logout(ctx, r.ep)
	if err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if status.State != gateway.SessionLoggedOut || status.Connection.Paired || status.Phone != "" {
		t.Errorf("got status %+v after logout, want logged out and unpaired", status)
	}
	stored, err := st.SessionByID(ctx, s.UserID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != gateway.SessionLoggedOut || stored.DeviceJID != "" || stored.Phone != "" {
		t.Errorf("got stored %s jid %q phone %q, want logged_out with the device forgotten", stored.Status, stored.DeviceJID, stored.Phone)
	}
}

// noScan hides the sandbox's Scanner, as the real engine has none.
type noScan struct{ gateway.Engine }

func TestScanNeedsScanner(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "", gateway.SessionSettings{})
	factory := sandbox.Factory(sandbox.Options{})
	engines := map[string]gateway.EngineFactory{gateway.EngineSandbox: func(ctx context.Context, cfg gateway.EngineConfig) (gateway.Engine, error) {
		e, err := factory(ctx, cfg)
		return noScan{e}, err
	}}
	r := start(t, newWorker(t, st, s, engines))
	sessionIs(t, st, s, gateway.SessionQRPending)
	_, err := r.client.Scan(context.Background(), r.ep, "")
	if !gateway.IsCode(err, gateway.CodeConflict) || gateway.ErrorMessage(err) != "Only sandbox sessions can be scanned through the API." {
		t.Errorf("got %v, want the conflict for non-sandbox engines", err)
	}
}

func TestHealthBeforeRun(t *testing.T) {
	st := newStore(t)
	s := newSession(t, st, "", gateway.SessionSettings{})
	w := newWorker(t, st, s, sandboxEngines(sandbox.Options{}))
	rec := httptest.NewRecorder()
	req, _ := http.NewRequest("GET", instanceapi.PathHealth, nil)
	w.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"unavailable"`) {
		t.Errorf("got %d %s, want 503 unavailable", rec.Code, rec.Body.String())
	}
}
