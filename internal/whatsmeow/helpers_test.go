package whatsmeow

import (
	"context"
	"crypto/rand"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/whatsapp-saas/gateway/internal/enginetest"
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

// The tests of the engine's timers (reconnects, QR codes, the watchdog)
// run in a synctest bubble, where the clock moves only when every
// goroutine of the bubble waits: hours of delays pass at once and exactly.

// advance lets d of the bubble's clock pass, then waits until every
// goroutine of the bubble waits again: the timers due within d have fired
// and what they started has run. Only inside synctest.Test.
func advance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// reconnectsAfter checks that the engine's next connection attempt comes
// exactly d from now: nothing a moment before, then the attempt's outcome
// (the dead proxy cannot be reached). Only inside synctest.Test.
func reconnectsAfter(t *testing.T, rec *recorder, d time.Duration) gateway.EvDisconnected {
	t.Helper()
	advance(d - time.Millisecond)
	rec.Quiet(t)
	advance(time.Millisecond)
	ev := nextOf[gateway.EvDisconnected](t, rec)
	if !strings.HasPrefix(ev.Reason, "Cannot reach the proxy") {
		t.Fatalf("got %+v, want the outcome of a connection attempt %v later", ev, d)
	}
	return ev
}

// recorder is a worker's handler that records the events it is given.
type recorder struct {
	*enginetest.Events
	mu   sync.Mutex
	fail error
}

func newRecorder() *recorder { return &recorder{Events: enginetest.NewEvents()} }

func (r *recorder) handle(_ context.Context, ev gateway.EngineEvent) error {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	r.Put(ev)
	return fail
}

func (r *recorder) setFail(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

// nextOf waits for the engine's next event and checks that it is a T.
func nextOf[T gateway.EngineEvent](t *testing.T, r *recorder) T {
	t.Helper()
	return enginetest.NextAs[T](t, r.Events)
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

// newTestEngine builds an engine on a SQLite device store.
func newTestEngine(t *testing.T, s engineSetup) (*Engine, *recorder) {
	t.Helper()
	ds := newDeviceStore(t, sqliteDB(t), DialectSQLite)
	if s.deviceJID != "" {
		savePairedDevice(t, ds, s.deviceJID)
	}
	rec := newRecorder()
	if s.proxy == "" {
		s.proxy = proxytest.Dead(t, "socks5")
	}
	e, err := New(context.Background(), gateway.EngineConfig{
		SessionID: "sess-1", UserID: "user-1", DeviceJID: s.deviceJID, BannedUntil: s.banned, Handler: rec.handle,
		LookupMessage: s.lookup, Proxy: s.sessionProxy,
	}, Options{
		Store: ds, Proxy: s.proxy, MediaDir: s.mediaDir,
		Jitter: func() float64 { return 0 },
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(e.Disconnect)
	return e, rec
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

// connectedEngine is an engine on a paired device whose client said it
// connected (the EvConnected already read).
func connectedEngine(t *testing.T) (*Engine, *recorder) {
	t.Helper()
	e, rec := newTestEngine(t, engineSetup{deviceJID: pairedJID})
	activate(t, e)
	dispatch(e, &events.Connected{})
	nextOf[gateway.EvConnected](t, rec)
	return e, rec
}

// dispatch injects a whatsmeow event through the client's real dispatcher
// and reports whether every handler succeeded.
func dispatch(e *Engine, evt any) bool {
	e.mu.Lock()
	cli := e.cli
	e.mu.Unlock()
	return !cli.DangerousInternals().DispatchEvent(evt)
}

// errorCase is an error whatsmeow may answer and the code the engine must
// translate it to.
type errorCase struct {
	err  error
	want gateway.Code
}

// checkCodes checks that translate (named name) gives each error its code.
func checkCodes(t *testing.T, name string, translate func(error) error, cases []errorCase) {
	t.Helper()
	for _, c := range cases {
		if got := gateway.ErrorCode(translate(c.err)); got != c.want {
			t.Errorf("%s(%v): got %s, want %s", name, c.err, got, c.want)
		}
	}
}
