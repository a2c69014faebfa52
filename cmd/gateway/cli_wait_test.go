package main

import (
	"github.com/whatsapp-saas/gateway/internal/polltest"

	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	wagw "github.com/whatsapp-saas/gateway/client"
)

// TestCLISendWaitStopsWhenNotConnected: `wagw send --wait` on a session
// that is not connected stops at once with the session's state, instead of
// waiting out its timeout; `sessions create --engine` picks the engine.
func TestCLISendWaitStopsWhenNotConnected(t *testing.T) {
	base := startGateway(t, testEnv(t, map[string]string{"WHATSAPP_ENGINE": "whatsmeow", "SANDBOX_PAIR_DELAY": "0"}))
	cfg := filepath.Join(t.TempDir(), "wagw", "config.json")
	if out, errOut, code := runCLI(t, cfg, "battery-staple-42\n", "--url", base, "register", "--email", "wait@example.com",
		"--name", "Wait", "--password-stdin"); code != 0 {
		t.Fatalf("register: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code := runCLI(t, cfg, "", "sessions", "create", "idle", "--engine", "sandbox", "--json")
	var created struct {
		Session wagw.Session `json:"session"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &created) != nil {
		t.Fatalf("sessions create --engine sandbox: exit %d\n%s%s", code, out, errOut)
	}
	if created.Session.Engine != "sandbox" {
		t.Errorf("got engine %q, want sandbox (the server's default is whatsmeow)", created.Session.Engine)
	}
	id := created.Session.ID
	// Started but never paired: the sandbox waits for a scan (pair delay 0).
	if out, errOut, code := runCLI(t, cfg, "", "sessions", "start", id); code != 0 {
		t.Fatalf("sessions start: exit %d\n%s%s", code, out, errOut)
	}
	polltest.Eventually(t, patience, "the session waiting for a scan", func() bool {
		var got wagw.Session
		out, _, _ := runCLI(t, cfg, "", "sessions", "get", id, "--json")
		_ = json.Unmarshal([]byte(out), &got)
		return got.Status == "qr_pending"
	})

	start := time.Now()
	out, errOut, code = runCLI(t, cfg, "", "send", id, "+15550002222", "hello", "--wait", "--timeout", "25s")
	if code == 0 {
		t.Fatalf("send --wait on a session never started: exit 0\n%s", out)
	}
	if !strings.Contains(errOut, "not connected") || !strings.Contains(errOut, "qr_pending") || !strings.Contains(errOut, "queued") {
		t.Errorf("got stderr %q, want the message queued, the session's state (qr_pending) and that it is not connected", errOut)
	}
	// Not a duration assertion on the gateway: only that the command did
	// not wait out its own 25 s timeout.
	if time.Since(start) > 20*time.Second {
		t.Errorf("send --wait waited %s, want it to stop without waiting out --timeout", time.Since(start))
	}
}
