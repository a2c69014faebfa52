package engines

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

func TestFactories(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gateway.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	d := Deps{Store: st, Bus: inmem.NewBus(), Guard: ssrf.New(ssrf.Options{})}
	got, err := Factories(Settings{SandboxEnabled: true}, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{gateway.EngineSandbox, gateway.EngineWhatsmeow} {
		if got[name] == nil {
			t.Errorf("no %s engine", name)
		}
	}
	// SANDBOX_ENABLED=false: whatsmeow alone.
	if got, err := Factories(Settings{}, d); err != nil || got[gateway.EngineSandbox] != nil || got[gateway.EngineWhatsmeow] == nil {
		t.Errorf("sandbox disabled: got %v (%v), want whatsmeow alone", got, err)
	}
	d.Guard = nil
	if _, err := Factories(Settings{}, d); err == nil {
		t.Fatal("no guard: got nil error, want the engines refused")
	}
}

func TestPacing(t *testing.T) {
	s := Settings{SendRatePerMinute: 20, SendBurst: 5, SendJitter: time.Second, SendTypingPreroll: 2 * time.Second}
	if s.Pacer(gateway.EngineSandbox) != nil || s.TypingPreroll(gateway.EngineSandbox) != 0 {
		t.Error("the sandbox is paced, want it unpaced")
	}
	if s.Pacer(gateway.EngineWhatsmeow) == nil || s.TypingPreroll(gateway.EngineWhatsmeow) != 2*time.Second {
		t.Error("whatsmeow is not paced, want it paced")
	}
	s.SendRatePerMinute = 0
	if s.Pacer(gateway.EngineWhatsmeow) != nil {
		t.Error("SEND_RATE_PER_MINUTE=0: got a pacer, want none")
	}
}
