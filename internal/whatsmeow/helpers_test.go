package whatsmeow

import (
	"context"
	"crypto/rand"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"

	"github.com/whatsapp-saas/gateway/internal/clocktest"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/postgres"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/proxytest"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
)

// sqliteDB opens the gateway's real SQLite store in a temp dir and returns
// its writer connection, as the gateway hands it to the device store.
func sqliteDB(t *testing.T) *sql.DB {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gateway.db"), nil)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st.DB()
}

// postgresDB opens the gateway's PostgreSQL store on a fresh schema; the
// test is skipped without TEST_DATABASE_URL.
func postgresDB(t *testing.T) *sql.DB {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.FreshSchema(t), nil)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st.DB()
}

// databases runs f on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.
func databases(t *testing.T, f func(t *testing.T, db *sql.DB, dialect string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqliteDB(t), DialectSQLite) })
	t.Run("postgres", func(t *testing.T) { f(t, postgresDB(t), DialectPostgres) })
}

func newDeviceStore(t *testing.T, db *sql.DB, dialect string) *DeviceStore {
	t.Helper()
	ds, err := NewDeviceStore(db, dialect, nil)
	if err != nil {
		t.Fatalf("NewDeviceStore: %v", err)
	}
	return ds
}

// savePairedDevice stores a device that looks paired (the lengths the
// schema's CHECK constraints want), as pairing would.
func savePairedDevice(t *testing.T, ds *DeviceStore, jid string) {
	t.Helper()
	ctx := context.Background()
	c, err := ds.Container(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dev := c.NewDevice()
	j, err := types.ParseJID(jid)
	if err != nil {
		t.Fatal(err)
	}
	dev.ID = &j
	dev.PushName = "Test Phone"
	dev.Account = &waAdv.ADVSignedDeviceIdentity{
		Details:             []byte{1, 2, 3},
		AccountSignatureKey: randBytes(32),
		AccountSignature:    randBytes(64),
		DeviceSignature:     randBytes(64),
	}
	if err := dev.Save(ctx); err != nil {
		t.Fatalf("save device: %v", err)
	}
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// manualClock is the shared manual clock, adapted to the engine's Timer.
type manualClock struct{ *clocktest.Clock }

func newManualClock() *manualClock {
	return &manualClock{clocktest.New(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))}
}

// AfterFunc has the signature Options.AfterFunc wants.
func (c *manualClock) AfterFunc(d time.Duration, f func()) Timer { return c.Clock.AfterFunc(d, f) }

func (c *manualClock) advance(d time.Duration)  { c.Advance(d) }
func (c *manualClock) pending() []time.Duration { return c.PendingDelays() }

// recorder is a worker's handler that records the events it is given.
type recorder struct {
	mu   sync.Mutex
	evs  []gateway.EngineEvent
	ch   chan gateway.EngineEvent
	fail error
}

func newRecorder() *recorder { return &recorder{ch: make(chan gateway.EngineEvent, 256)} }

func (r *recorder) handle(_ context.Context, ev gateway.EngineEvent) error {
	r.mu.Lock()
	fail := r.fail
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
	r.ch <- ev
	return fail
}

func (r *recorder) setFail(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

// next waits for the next event.
func (r *recorder) next(t *testing.T) gateway.EngineEvent {
	t.Helper()
	select {
	case ev := <-r.ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event from the engine")
		return nil
	}
}

// none checks that no event arrives for a short while.
func (r *recorder) none(t *testing.T) {
	t.Helper()
	select {
	case ev := <-r.ch:
		t.Fatalf("got event %T %+v, want none", ev, ev)
	case <-time.After(50 * time.Millisecond):
	}
}

// nextOf waits for the next event and checks its type.
func nextOf[T gateway.EngineEvent](t *testing.T, r *recorder) T {
	t.Helper()
	ev := r.next(t)
	got, ok := ev.(T)
	if !ok {
		var want T
		t.Fatalf("got event %T %+v, want %T", ev, ev, want)
	}
	return got
}

type engineSetup struct {
	deviceJID string
	proxy     string
	// sessionProxy is the session's own proxy (EngineConfig.Proxy).
	sessionProxy string
	banned       time.Time
	mediaDir     string
	lookup       func(ctx context.Context, waID string) (*gateway.Message, error)
}

// newTestEngine builds an engine on a SQLite device store with a manual clock.
func newTestEngine(t *testing.T, s engineSetup) (*Engine, *recorder, *manualClock) {
	t.Helper()
	ds := newDeviceStore(t, sqliteDB(t), DialectSQLite)
	if s.deviceJID != "" {
		savePairedDevice(t, ds, s.deviceJID)
	}
	rec := newRecorder()
	clock := newManualClock()
	if s.proxy == "" {
		s.proxy = proxytest.Dead(t, "socks5")
	}
	e, err := New(context.Background(), gateway.EngineConfig{
		SessionID: "sess-1", UserID: "user-1", DeviceJID: s.deviceJID, BannedUntil: s.banned, Handler: rec.handle,
		LookupMessage: s.lookup, Proxy: s.sessionProxy,
	}, Options{
		Store: ds, Proxy: s.proxy, MediaDir: s.mediaDir,
		Now: clock.Now, AfterFunc: clock.AfterFunc, Jitter: func() float64 { return 0 },
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(e.Disconnect)
	return e, rec, clock
}

// activate makes the engine active as Connect does, without dialling, so
// a test can inject whatsmeow events in isolation.
func activate(t *testing.T, e *Engine) uint64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gen++
	e.active, e.hctx = true, ctx
	return e.gen
}

// dispatch injects a whatsmeow event through the client's real dispatcher
// and reports whether every handler succeeded.
func dispatch(e *Engine, evt any) bool {
	e.mu.Lock()
	cli := e.cli
	e.mu.Unlock()
	return !cli.DangerousInternals().DispatchEvent(evt)
}
