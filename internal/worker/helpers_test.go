package worker

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

// patience is how long a test waits for asynchronous work.
const patience = 10 * time.Second

const testSecret = "internal-test-secret"

func secretFn(context.Context) ([]byte, error) { return []byte(testSecret), nil }

func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gateway.db"), nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// newSession creates a user and a sandbox session; deviceJID "" makes it unpaired.
func newSession(t *testing.T, st *sqlite.Store, deviceJID string, settings gateway.SessionSettings) *gateway.Session {
	t.Helper()
	ctx := context.Background()
	u := &gateway.User{Email: uuid.NewString() + "@example.com", Name: "Test", PlanID: "free"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return newSessionOf(t, st, u.ID, deviceJID, settings)
}

// newSessionOf is newSession for an existing tenant (sandbox sessions
// message each other within a tenant only).
func newSessionOf(t *testing.T, st *sqlite.Store, userID, deviceJID string, settings gateway.SessionSettings) *gateway.Session {
	t.Helper()
	ctx := context.Background()
	s := &gateway.Session{UserID: userID, Name: "test", Engine: gateway.EngineSandbox, Settings: settings, DeviceJID: deviceJID}
	if deviceJID != "" {
		s.Phone = deviceJID[:len(deviceJID)-len(":1@s.whatsapp.net")]
	}
	if err := st.CreateSession(ctx, s); err != nil {
		t.Fatalf("create session: %v", err)
	}
	return s
}

// queue stores an outbound message as the API does.
func queue(t *testing.T, st *sqlite.Store, s *gateway.Session, to string, typ gateway.MessageType, body string, p *gateway.MessagePayload) *gateway.Message {
	t.Helper()
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r, err := gateway.ParseRecipient(to)
	if err != nil {
		t.Fatal(err)
	}
	m := &gateway.Message{UserID: s.UserID, SessionID: s.ID, Direction: gateway.DirectionOutbound, Type: typ,
		Recipient: r.JID, Chat: r.JID, Body: body, Payload: raw, Status: gateway.MessageQueued, WAMessageID: gateway.NewWAMessageID()}
	if err := st.CreateMessage(context.Background(), m); err != nil {
		t.Fatalf("queue message: %v", err)
	}
	return m
}

type running struct {
	w      *Worker
	cancel context.CancelFunc
	done   chan error
	srv    *httptest.Server
	ep     gateway.Endpoint
	client *instanceapi.Client
	once   sync.Once
}

func newWorker(t *testing.T, st Store, s *gateway.Session, engines map[string]gateway.EngineFactory) *Worker {
	t.Helper()
	return mustNew(t, Config{SessionID: s.ID, UserID: s.UserID, Engines: engines, Store: st, Secret: secretFn, RetryDelay: 10 * time.Millisecond})
}

// mustNew is New, failing the test on an error.
func mustNew(t *testing.T, cfg Config) *Worker {
	t.Helper()
	w, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w
}

// startSandbox runs a worker of a new sandbox session paired as phone
// 15550001111 until the session is connected.
func startSandbox(t *testing.T) (*sqlite.Store, *gateway.Session, *running) {
	t.Helper()
	st := newStore(t)
	s := newSession(t, st, "15550001111:1@s.whatsapp.net", gateway.SessionSettings{})
	r := start(t, newWorker(t, st, s, sandboxEngines(sandbox.Options{})))
	sessionIs(t, st, s, gateway.SessionConnected)
	return st, s, r
}

// startFake runs a worker of a new session paired as deviceJID on f until
// its instance API answers.
func startFake(t *testing.T, deviceJID string, f *fakeEngine) (*sqlite.Store, *gateway.Session, *running) {
	t.Helper()
	st := newStore(t)
	s := newSession(t, st, deviceJID, gateway.SessionSettings{})
	r := start(t, newWorker(t, st, s, fakeEngines(f)))
	polltest.Until(t, patience, "worker running", func() (string, bool) {
		return "not healthy", r.client.Health(context.Background(), r.ep) == nil
	})
	return st, s, r
}

func sandboxEngines(opts sandbox.Options) map[string]gateway.EngineFactory {
	return map[string]gateway.EngineFactory{gateway.EngineSandbox: sandbox.Factory(opts)}
}

// start runs w until the test ends (or stop is called) and serves its instance API.
func start(t *testing.T, w *Worker) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{w: w, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(ctx) }()
	r.srv = httptest.NewServer(w.Handler())
	r.ep = gateway.Endpoint{URL: r.srv.URL}
	r.client = instanceapi.NewClient(r.srv.Client(), secretFn)
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.once.Do(func() { r.stopOnce(t) })
}

func (r *running) stopOnce(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run returned %v, want nil after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Run did not return after cancel")
	}
	r.srv.Close()
}

func sessionIs(t *testing.T, st *sqlite.Store, s *gateway.Session, want gateway.SessionStatus) {
	t.Helper()
	polltest.Until(t, patience, "session "+string(want), func() (string, bool) {
		got, err := st.SessionByID(context.Background(), s.UserID, s.ID)
		if err != nil {
			return err.Error(), false
		}
		return fmt.Sprintf("%s (%s)", got.Status, got.StatusReason), got.Status == want
	})
}

func messageIs(t *testing.T, st *sqlite.Store, m *gateway.Message, want gateway.MessageStatus) *gateway.Message {
	t.Helper()
	var got *gateway.Message
	polltest.Until(t, patience, "message "+string(want), func() (string, bool) {
		var err error
		got, err = st.MessageByID(context.Background(), m.UserID, m.ID)
		if err != nil {
			return err.Error(), false
		}
		return string(got.Status) + " " + got.Error, got.Status == want
	})
	return got
}

// events returns a tenant's events of one type.
func events(t *testing.T, st *sqlite.Store, userID, typ string) []*gateway.Event {
	t.Helper()
	list, err := st.ListEvents(context.Background(), userID, gateway.EventFilter{Types: []string{typ}, Limit: 1000})
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	return list
}
