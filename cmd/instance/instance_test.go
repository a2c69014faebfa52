package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/cmd/internal/servetest"
	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/consul"
	"github.com/whatsapp-saas/gateway/internal/consul/consultest"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/logtest"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// workerEnv is the least environment a worker starts with, plus the
// key-value pairs kv.
func workerEnv(kv ...string) map[string]string {
	m := map[string]string{"SESSION_ID": "s", "USER_ID": "u", "DATABASE_URL": "postgres://x@h/db", "INTERNAL_SECRET": "k"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// fixture is a store with one sandbox session.
func fixture(t *testing.T) (string, *gateway.Session) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gateway.db")
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	u := &gateway.User{Email: uuid.NewString() + "@example.com", Name: "T", PlanID: "free"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	s := &gateway.Session{UserID: u.ID, Name: "t", Engine: gateway.EngineSandbox}
	if err := st.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	return path, s
}

type started struct {
	*servetest.Server
	stopped bool
}

func start(t *testing.T, cfg *config.Worker, d deps) *started {
	t.Helper()
	s := &started{Server: servetest.Start(t, 0, func(ctx context.Context, addrc chan<- string) error {
		return serve(ctx, cfg, d, slog.New(slog.DiscardHandler), addrc)
	})}
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *started) stop(t *testing.T) {
	if s.stopped {
		return
	}
	s.stopped = true
	switch err := s.Stop(10 * time.Second); {
	case errors.Is(err, servetest.ErrStillRunning):
		t.Fatal("serve did not stop")
	case err != nil:
		t.Errorf("serve returned %v", err)
	}
}

func healthCode(url string) int {
	resp, err := http.Get(url + instanceapi.PathHealth)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func waitHealth(t *testing.T, url string, want int) {
	t.Helper()
	polltest.Until(t, 10*time.Second, fmt.Sprintf("health answering %d", want), func() (int, bool) {
		code := healthCode(url)
		return code, code == want
	})
}

func openStore(t *testing.T, path string) gateway.Store {
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestServesInstanceAPIAndRotatesSecretFromFile(t *testing.T) {
	path, sess := fixture(t)
	secretFile := filepath.Join(t.TempDir(), "internal_secret")
	if err := os.WriteFile(secretFile, []byte("first-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Worker{SessionID: sess.ID, UserID: sess.UserID, InternalSecretFile: secretFile, ShutdownTimeout: 5 * time.Second,
		Engines: config.Engines{SandboxEnabled: true, SandboxPairDelay: time.Hour, SandboxDeliveryDelay: -1, SandboxReadDelay: -1}}
	s := start(t, cfg, deps{store: openStore(t, path), bus: inmem.NewBus()})
	waitHealth(t, s.URL, http.StatusOK)

	ep := gateway.Endpoint{URL: s.URL}
	status := func(secret string) error {
		_, err := instanceapi.NewClient(nil, func(context.Context) ([]byte, error) { return []byte(secret), nil }).Status(context.Background(), ep)
		return err
	}
	if err := status("first-secret"); err != nil {
		t.Fatalf("status with the secret: %v", err)
	}
	if err := status("wrong"); gateway.ErrorCode(err) != gateway.CodeUnauthorized {
		t.Errorf("wrong secret: got %v, want unauthorized", err)
	}
	// The template re-renders the file: no restart needed.
	if err := os.WriteFile(secretFile, []byte("second-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := status("second-secret"); err != nil {
		t.Errorf("after rotation: %v", err)
	}
	if err := status("first-secret"); gateway.ErrorCode(err) != gateway.CodeUnauthorized {
		t.Errorf("old secret after rotation: got %v, want unauthorized", err)
	}
}

func TestWaitsForTheSessionLockAndFencesWhenItIsLost(t *testing.T) {
	path, sess := fixture(t)
	fake := consultest.New(t)
	key := consul.LockKey("", sess.ID)
	other, err := consul.NewLock(consul.LockConfig{Client: fake.Client(), Key: key, Owner: "other-alloc"})
	if err != nil {
		t.Fatal(err)
	}
	held, err := other.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Worker{SessionID: sess.ID, UserID: sess.UserID, InternalSecret: "k", LockTTL: 10 * time.Second, Owner: "my-alloc",
		ShutdownTimeout: 5 * time.Second, Engines: config.Engines{SandboxEnabled: true, SandboxPairDelay: time.Hour, SandboxDeliveryDelay: -1, SandboxReadDelay: -1}}
	s := start(t, cfg, deps{store: openStore(t, path), bus: inmem.NewBus(), consul: fake.Client()})

	// Another copy holds the session: this one must not connect, which only
	// a wait can show (nothing happens to poll for).
	time.Sleep(200 * time.Millisecond)
	if code := healthCode(s.URL); code != http.StatusServiceUnavailable {
		t.Fatalf("health while another copy holds the lock: got %d, want 503", code)
	}
	if err := held.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, s.URL, http.StatusOK)
	holder, _ := fake.Holder(key)
	if holder == "" {
		t.Fatal("running without holding the lock")
	}

	// Consul drops the session (TTL expiry after a partition): fence, then
	// take the lock again.
	fake.ExpireSession(holder)
	waitHealth(t, s.URL, http.StatusOK)
	polltest.Eventually(t, 10*time.Second, "the lock taken again after it was lost", func() bool {
		h, _ := fake.Holder(key)
		return h != "" && h != holder
	})

	// The fence was recorded, so the API did not go on saying "connected".
	events, err := openStore(t, path).ListEvents(context.Background(), sess.UserID, gateway.EventFilter{Types: []string{gateway.EventSessionStatus}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	fenced := false
	for _, e := range events {
		var d gateway.SessionStatusData
		if json.Unmarshal(e.Data, &d) == nil && d.Status == gateway.SessionDisconnected && strings.Contains(d.Reason, "lost its session lock") {
			fenced = true
		}
	}
	if !fenced {
		t.Error("no disconnected session.status event recorded when the lock was lost")
	}

	// A clean stop releases the lock so a successor starts at once.
	s.stop(t)
	if h, _ := fake.Holder(key); h != "" {
		t.Errorf("lock still held by %s after a clean stop", h)
	}
	if n := len(fake.Sessions()); n != 0 {
		t.Errorf("%d consul sessions left after a clean stop", n)
	}
}

// TestSIGTERM builds the binary and checks it stops cleanly on SIGTERM.
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	path, sess := fixture(t)
	bin := filepath.Join(t.TempDir(), "instance")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "SESSION_ID="+sess.ID, "USER_ID="+sess.UserID, "SQLITE_PATH="+path,
		"INTERNAL_SECRET=k", "NOMAD_PORT_http=0", "PORT=", "CONSUL_HTTP_ADDR=", "DATABASE_URL=", "REDIS_URL=", "SANDBOX_PAIR_DELAY=1h")
	stderr := &logtest.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // when the wait below fails; a no-op once it has exited
	polltest.Until(t, 10*time.Second, "the worker started", func() (string, bool) {
		out := stderr.String()
		return out, strings.Contains(out, "worker started")
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("did not stop within 15 s of SIGTERM")
	}
	if !strings.Contains(stderr.String(), "instance stopped") {
		t.Errorf("no clean-stop log:\n%s", stderr.String())
	}
}
