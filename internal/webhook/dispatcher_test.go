package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
	"github.com/whatsapp-saas/gateway/internal/sqlstore"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// patience is how long a test waits for asynchronous work.
const patience = 15 * time.Second

// verify is an independent Standard Webhooks verifier, written from the
// spec (not from Sign): the signed content is "msg_id.timestamp.payload",
// the key is the base64 part of the whsec_ secret, the header holds
// space-separated "v1,<base64>" signatures, any one of which may match, and
// the timestamp must be within five minutes.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp")
	}
	if d := now.Unix() - sec; d > 300 || d < -300 {
		return fmt.Errorf("timestamp out of tolerance")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.%s", id, ts, body)
	want := m.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no matching signature")
}

func newSecret(t *testing.T, b byte) string {
	t.Helper()
	key := make([]byte, 24)
	for i := range key {
		key[i] = b + byte(i)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

func TestSignMatchesIndependentVerifier(t *testing.T) {
	a, b := newSecret(t, 1), newSecret(t, 100)
	body := []byte(`{"id":"msg_1","type":"message","data":{"x":"ü"}}`)
	now := time.Now()
	sig, err := Sign([]string{a, b}, "msg_1", now.Unix(), body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", sig)
	for _, s := range []string{a, b} {
		if err := verify(s, h, body, now); err != nil {
			t.Fatalf("verify with %s: %v", s[:10], err)
		}
	}
	if err := verify(newSecret(t, 7), h, body, now); err == nil {
		t.Fatal("a wrong secret verified, want a failure")
	}
	if err := verify(a, h, append(body, ' '), now); err == nil {
		t.Fatal("a changed body verified, want a failure")
	}
	if err := verify(a, h, body, now.Add(10*time.Minute)); err == nil {
		t.Fatal("a stale timestamp verified, want a failure")
	}
	// A known vector, computed by hand from the spec's scheme, pins the format.
	got, err := Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
		[]byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("got %s, want the Standard Webhooks example signature %s", got, want)
	}
	if _, err := Sign([]string{"nope"}, "x", 1, nil); err == nil {
		t.Fatal("signed with a secret lacking whsec_, want an error")
	}
}

// fixture is a store with a tenant, a session and a clock.
type fixture struct {
	store   *sqlite.Store
	user    *gateway.User
	session *gateway.Session
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newTenant(t, st, "a@example.com")
}

// newTenant adds a tenant with a session to st.
func newTenant(t *testing.T, st *sqlite.Store, email string) *fixture {
	t.Helper()
	u := &gateway.User{Email: email, Role: gateway.RoleUser, Status: gateway.UserActive, PlanID: "free"}
	if err := st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	s := &gateway.Session{UserID: u.ID, Name: "s", Engine: gateway.EngineSandbox, Status: gateway.SessionCreated}
	if err := st.CreateSession(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	return &fixture{store: st, user: u, session: s}
}

func (f *fixture) hook(t *testing.T, url string, events ...string) *gateway.Webhook {
	t.Helper()
	w := &gateway.Webhook{UserID: f.user.ID, URL: url, Events: events, Active: true, Secret: newSecret(t, 3),
		Headers: map[string]string{"X-Tenant-Token": "abc"}}
	if err := f.store.CreateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) emit(t *testing.T, typ string) *gateway.Event {
	t.Helper()
	e := gateway.NewEvent(f.user.ID, f.session.ID, typ, map[string]string{"hello": "world"})
	if _, err := f.store.SetSessionState(t.Context(), f.user.ID, f.session.ID, gateway.SessionState{}, e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (f *fixture) deliveries(t *testing.T, w *gateway.Webhook) []*gateway.Delivery {
	t.Helper()
	list, _, err := f.store.ListDeliveries(t.Context(), f.user.ID, w.ID, gateway.DeliveryFilter{}, gateway.Page{Page: 1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func start(t *testing.T, cfg Config) *Dispatcher {
	t.Helper()
	if cfg.Client == nil {
		cfg.Client = ssrf.New(ssrf.Options{AllowPrivate: true}).Client(5 * time.Second)
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	return running(t, t.Context(), New(cfg))
}

// running starts d and closes it when the test or benchmark ends.
func running(tb testing.TB, ctx context.Context, d *Dispatcher) *Dispatcher {
	tb.Helper()
	if err := d.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d.Close(ctx)
	})
	return d
}

func TestDeliverRetryThenSucceed(t *testing.T) {
	f := newFixture(t)
	var (
		mu       sync.Mutex
		attempts = map[string]int{}
		verified = 0
		headers  http.Header
	)
	var w *gateway.Webhook
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := verify(w.Secret, r.Header, body, time.Now()); err != nil {
			t.Errorf("signature: %v", err)
		} else {
			verified++
		}
		var env map[string]any
		if err := json.Unmarshal(body, &env); err != nil {
			t.Errorf("body: %v", err)
		}
		for _, k := range []string{"id", "type", "timestamp", "session_id", "data"} {
			if _, ok := env[k]; !ok {
				t.Errorf("envelope lacks %q: %s", k, body)
			}
		}
		if env["id"] != r.Header.Get("webhook-id") {
			t.Errorf("got webhook-id %s for event %v, want the event id", r.Header.Get("webhook-id"), env["id"])
		}
		id := env["id"].(string)
		attempts[id]++
		headers = r.Header.Clone()
		if attempts[id] <= 2 {
			rw.WriteHeader(http.StatusInternalServerError)
			// A long answer: the log keeps its start only.
			_, _ = io.WriteString(rw, "database down "+strings.Repeat("x", 4<<10))
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	w = f.hook(t, srv.URL, gateway.EventAll)
	bus := inmem.NewBus()
	f.store.OnCommit(func(c sqlstore.Committed) {
		if c.Deliveries > 0 {
			_ = bus.Publish(context.Background(), TopicWake, nil)
		}
	})
	d := start(t, Config{Store: f.store, Bus: bus, Schedule: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond},
		PollInterval: time.Hour})
	var ids []string
	for range 5 {
		ids = append(ids, f.emit(t, gateway.EventMessage).ID)
	}
	polltest.Eventually(t, patience, "every delivery to succeed", func() bool {
		for _, del := range f.deliveries(t, w) {
			if del.Status != gateway.DeliverySucceeded {
				return false
			}
		}
		return true
	})
	for _, del := range f.deliveries(t, w) {
		if del.Attempts != 3 || del.LastStatusCode != 204 || del.DeliveredAt == nil {
			t.Fatalf("got %+v, want succeeded on the third attempt", del)
		}
		log, err := f.store.DeliveryAttempts(t.Context(), f.user.ID, del.ID)
		if err != nil || len(log) != 3 || log[0].StatusCode != 500 || log[2].StatusCode != 204 {
			t.Fatalf("got attempts %+v (%v), want 500, 500, 204", log, err)
		}
		// Each attempt shows what was sent (the envelope) and the start of
		// the answer; the 204 answered nothing.
		for i, a := range log {
			if !strings.Contains(a.RequestBody, `"id":"`+del.EventID+`"`) {
				t.Fatalf("attempt %d request body %q lacks the event id %s", i, a.RequestBody, del.EventID)
			}
		}
		if a := log[0]; !strings.HasPrefix(a.ResponseBody, "database down xx") || len(a.ResponseBody) != MaxLoggedResponse {
			t.Fatalf("the 500's response body is %d bytes starting %.20q, want the first %d", len(a.ResponseBody), a.ResponseBody, MaxLoggedResponse)
		}
		if log[2].ResponseBody != "" {
			t.Fatalf("the 204 answered nothing, logged %q", log[2].ResponseBody)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if attempts[id] != 3 {
			t.Fatalf("event %s: got %d attempts, want 3", id, attempts[id])
		}
	}
	if verified != 15 {
		t.Fatalf("got %d verified requests, want 15", verified)
	}
	if headers.Get("X-Tenant-Token") != "abc" || headers.Get("Content-Type") != "application/json" {
		t.Fatalf("got headers %v, want the custom header and JSON", headers)
	}
	if s := d.Stats(); s.Succeeded != 5 || s.Failed != 10 {
		t.Fatalf("got stats %+v, want 5 succeeded and 10 failed", s)
	}
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		schedule    []time.Duration
		wantStatus  gateway.DeliveryStatus
		wantCode    int
		wantActive  bool
		wantNextMin time.Duration // next attempt at least this long after the attempt
	}{
		{"2xx succeeds", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }, nil,
			gateway.DeliverySucceeded, 201, true, 0},
		{"redirects are failures, not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, []time.Duration{time.Hour}, gateway.DeliveryFailed, 302, true, 48 * time.Minute},
		{"410 disables the endpoint", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) },
			[]time.Duration{time.Hour}, gateway.DeliveryAbandoned, 410, false, 0},
		{"429 Retry-After postpones past the schedule", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7200")
			w.WriteHeader(429)
		}, []time.Duration{time.Second}, gateway.DeliveryFailed, 429, true, 2 * time.Hour},
		{"the schedule's end abandons", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
			[]time.Duration{}, gateway.DeliveryAbandoned, 500, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			w := f.hook(t, srv.URL, gateway.EventAll)
			f.emit(t, gateway.EventQR)
			schedule := tt.schedule
			if schedule == nil {
				schedule = []time.Duration{time.Hour}
			}
			before := time.Now() // the attempt, and the next one it schedules, come after
			start(t, Config{Store: f.store, Schedule: schedule, Jitter: 0.2})
			var del *gateway.Delivery
			polltest.Eventually(t, patience, "an attempt", func() bool {
				del = f.deliveries(t, w)[0]
				return del.Attempts == 1
			})
			if del.Status != tt.wantStatus || del.LastStatusCode != tt.wantCode {
				t.Fatalf("got %s with code %d, want %s with %d", del.Status, del.LastStatusCode, tt.wantStatus, tt.wantCode)
			}
			if tt.wantNextMin > 0 {
				if del.NextAttemptAt == nil || del.NextAttemptAt.Sub(before) < tt.wantNextMin {
					t.Fatalf("got next attempt %v, want at least %v after %v", del.NextAttemptAt, tt.wantNextMin, before)
				}
			}
			got, err := f.store.WebhookByID(t.Context(), f.user.ID, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Active != tt.wantActive {
				t.Fatalf("got endpoint active %v, want %v", got.Active, tt.wantActive)
			}
			if !tt.wantActive {
				evs, err := f.store.ListEvents(t.Context(), f.user.ID, gateway.EventFilter{Types: []string{gateway.EventWebhookDisabled}})
				if err != nil || len(evs) != 1 {
					t.Fatalf("got %d webhook.disabled events (%v), want 1", len(evs), err)
				}
			}
		})
	}
}

func TestDisableAfterLongFailure(t *testing.T) {
	f := newFixture(t)
	var (
		mu       sync.Mutex
		first    time.Time // when the first attempt arrived
		attempts int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if attempts++; attempts == 1 {
			first = time.Now()
		}
		mu.Unlock()
		w.WriteHeader(503)
	}))
	defer srv.Close()
	w := f.hook(t, srv.URL, gateway.EventAll)
	// Retries every 50 ms for a second, well past DisableAfter: the streak
	// outlasts it on the real clock whatever the machine's load, and the
	// endpoint goes off on the first failure after that.
	const disableAfter = 300 * time.Millisecond
	schedule := slices.Repeat([]time.Duration{50 * time.Millisecond}, 20)
	start(t, Config{Store: f.store, Schedule: schedule, DisableAfter: disableAfter})
	f.emit(t, gateway.EventQR)
	var got *gateway.Webhook
	polltest.Eventually(t, patience, "the endpoint disabled", func() bool {
		got, _ = f.store.WebhookByID(t.Context(), f.user.ID, w.ID)
		return !got.Active
	})
	if got.DisabledReason == "" {
		t.Fatal("got no reason for the disabled endpoint")
	}
	evs, err := f.store.ListEvents(t.Context(), f.user.ID, gateway.EventFilter{Types: []string{gateway.EventWebhookDisabled}})
	if err != nil || len(evs) != 1 {
		t.Fatalf("got %d webhook.disabled events (%v), want 1", len(evs), err)
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts < 2 {
		t.Fatalf("got the endpoint disabled after %d attempt, want it kept through the first failures", attempts)
	}
	if took := evs[0].Timestamp.Sub(first); took < disableAfter {
		t.Fatalf("got the endpoint disabled %v after its first failure, want at least DisableAfter (%v)", took, disableAfter)
	}
}

func TestPerEndpointCap(t *testing.T) {
	f := newFixture(t)
	var cur, peak atomic.Int32
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer cur.Add(-1)
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
	}))
	defer slow.Close()
	defer close(release) // before slow.Close, which waits for its handlers
	var fast atomic.Int32
	quick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fast.Add(1) }))
	defer quick.Close()
	f.hook(t, slow.URL, gateway.EventQR)
	f.hook(t, quick.URL, gateway.EventMessage)
	for range 10 {
		f.emit(t, gateway.EventQR)
	}
	for range 10 {
		f.emit(t, gateway.EventMessage)
	}
	// The tenant's share (4) leaves room beside its slow endpoint's 2.
	start(t, Config{Store: f.store, PerEndpoint: 2, PerTenant: 4, Workers: 8})
	polltest.Eventually(t, patience, "the fast endpoint served while the slow one hangs", func() bool { return fast.Load() == 10 })
	if p := peak.Load(); p > 2 {
		t.Fatalf("got %d requests at once to one endpoint, want at most 2", p)
	}
}

func TestRotationSignsWithBoth(t *testing.T) {
	f := newFixture(t)
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := r.Header.Clone()
		h.Set("X-Body", string(body))
		got <- h
	}))
	defer srv.Close()
	w := f.hook(t, srv.URL, gateway.EventAll)
	old := w.Secret
	expires := time.Now().Add(time.Hour)
	w.PreviousSecret, w.PreviousSecretExpiresAt, w.Secret = old, &expires, newSecret(t, 50)
	if err := f.store.UpdateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	start(t, Config{Store: f.store})
	f.emit(t, gateway.EventQR)
	h := <-got
	body := []byte(h.Get("X-Body"))
	if n := len(strings.Fields(h.Get("webhook-signature"))); n != 2 {
		t.Fatalf("got %d signatures, want 2 during the grace period", n)
	}
	for _, s := range []string{old, w.Secret} {
		if err := verify(s, h, body, time.Now()); err != nil {
			t.Fatalf("verify: %v", err)
		}
	}
}

func TestSlowTenantDelaysOnlyItself(t *testing.T) {
	a := newFixture(t)
	b := newTenant(t, a.store, "b@example.com")
	release := make(chan struct{})
	var blocked, peak atomic.Int32
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := blocked.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		blocked.Add(-1)
	}))
	defer hang.Close()
	defer close(release) // before hang.Close, which waits for its handlers
	var fast atomic.Int32
	quick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fast.Add(1) }))
	defer quick.Close()

	// Tenant A: four endpoints that never answer, with work older than B's.
	for i := range 4 {
		a.hook(t, fmt.Sprintf("%s/%d", hang.URL, i), gateway.EventQR)
	}
	for range 3 {
		a.emit(t, gateway.EventQR)
	}
	wb := b.hook(t, quick.URL, gateway.EventAll)
	const n = 5
	for range n {
		b.emit(t, gateway.EventMessage)
	}
	// Four workers, one request per endpoint: A's endpoints alone could
	// take every worker; its tenant share is two. The timeouts outlast the
	// test, so A's requests stay blocked throughout.
	start(t, Config{Store: a.store, Workers: 4, PerEndpoint: 1, PerTenant: 2, Timeout: time.Hour,
		Client: ssrf.New(ssrf.Options{AllowPrivate: true}).Client(time.Hour)})

	polltest.Eventually(t, patience, "tenant B's deliveries done", func() bool {
		for _, del := range b.deliveries(t, wb) {
			if del.Status != gateway.DeliverySucceeded {
				return false
			}
		}
		return true
	})
	if got := fast.Load(); got != n {
		t.Fatalf("got %d requests to B's endpoint, want %d", got, n)
	}
	if got := blocked.Load(); got == 0 {
		t.Fatal("got none of A's requests still blocked, want B served while A hangs")
	}
	if p := peak.Load(); p > 2 {
		t.Fatalf("got %d of A's requests in flight at once, want at most its share of 2", p)
	}
}

func TestTimedOutAttemptIsRetried(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body, so the server notices the dispatcher hanging up.
		_, _ = io.Copy(io.Discard, r.Body)
		if calls.Add(1) == 1 {
			select { // the dispatcher gives up first
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	defer close(stop)
	w := f.hook(t, srv.URL, gateway.EventAll)
	f.emit(t, gateway.EventQR)
	// Retries to spare: on a loaded machine (-race) a quick 204 can itself
	// miss a 50 ms timeout, and one spare retry would then be abandoned.
	start(t, Config{Store: f.store, Timeout: 50 * time.Millisecond, Schedule: slices.Repeat([]time.Duration{time.Millisecond}, 5)})
	var del *gateway.Delivery
	polltest.Eventually(t, patience, "the delivery to succeed after a timed-out attempt", func() bool {
		del = f.deliveries(t, w)[0]
		return del.Status == gateway.DeliverySucceeded
	})
	log, err := f.store.DeliveryAttempts(t.Context(), f.user.ID, del.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) < 2 || log[len(log)-1].StatusCode != 204 {
		t.Fatalf("got attempts %+v, want timeouts then a 204", log)
	}
	for _, a := range log[:len(log)-1] {
		if a.StatusCode != 0 || !strings.Contains(a.Error, "did not answer") {
			t.Fatalf("got attempts %+v, want timeouts before the 204", log)
		}
	}
}

// failingResults is a delivery store that stops recording results on demand.
type failingResults struct {
	gateway.DeliveryStore
	fail  atomic.Bool
	tried chan struct{}
}

func (s *failingResults) CompleteDeliveries(ctx context.Context, results []gateway.DeliveryResult, policy gateway.StreakPolicy) error {
	if !s.fail.Load() {
		return s.DeliveryStore.CompleteDeliveries(ctx, results, policy)
	}
	select {
	case s.tried <- struct{}{}:
	default:
	}
	return errors.New("database unavailable")
}

// dispatcherGoroutines lists the goroutines running dispatcher code.
func dispatcherGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "internal/webhook.(*Dispatcher)") {
			out = append(out, g)
		}
	}
	return out
}

func TestCloseEndsEveryWait(t *testing.T) {
	f := newFixture(t)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	f.hook(t, srv.URL, gateway.EventAll)
	store := &failingResults{DeliveryStore: f.store, tried: make(chan struct{}, 1)}
	d := New(Config{Store: store, Client: ssrf.New(ssrf.Options{AllowPrivate: true}).Client(5 * time.Second),
		PollInterval: 10 * time.Millisecond, Schedule: slices.Repeat([]time.Duration{time.Millisecond}, 50)})
	if err := d.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.emit(t, gateway.EventQR)
	// Retries on a short schedule, then results that cannot be recorded:
	// the result writer is between tries when Close comes.
	polltest.Eventually(t, patience, "a retried delivery", func() bool { return requests.Load() >= 2 })
	store.fail.Store(true)
	<-store.tried
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time left: everything must stop now
	d.Close(ctx)
	// Requests leave only from dispatcher goroutines: with none left, no
	// retry can be sent after Close, and nothing writes to the store. A
	// goroutine past its last step (Close saw it finish) may still be
	// returning: it gets a few turns of the scheduler, not a wait.
	g := dispatcherGoroutines()
	for i := 0; i < 1000 && len(g) > 0; i++ {
		runtime.Gosched()
		g = dispatcherGoroutines()
	}
	if len(g) > 0 {
		t.Fatalf("got %d dispatcher goroutines after Close, want none:\n%s", len(g), strings.Join(g, "\n\n"))
	}
}

// TestPolicyRefusalIsPermanent: a delivery the SSRF guard refuses (here a
// loopback receiver without WEBHOOK_ALLOW_PRIVATE_NETWORKS) is abandoned
// on its first attempt, with a reason that names the setting, instead of
// being retried on the schedule as if the receiver were down.
func TestPolicyRefusalIsPermanent(t *testing.T) {
	f := newFixture(t)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	w := f.hook(t, srv.URL, gateway.EventAll)
	f.emit(t, gateway.EventQR)
	start(t, Config{Store: f.store, Schedule: []time.Duration{time.Millisecond, time.Millisecond},
		Client: ssrf.New(ssrf.Options{}).Client(5 * time.Second)})
	var del *gateway.Delivery
	polltest.Eventually(t, patience, "an attempt", func() bool {
		del = f.deliveries(t, w)[0]
		return del.Attempts >= 1
	})
	if del.Status != gateway.DeliveryAbandoned || del.NextAttemptAt != nil {
		t.Fatalf("got %s, next attempt %v; want abandoned with no retry", del.Status, del.NextAttemptAt)
	}
	if !strings.Contains(del.LastError, "not allowed") || !strings.Contains(del.LastError, "WEBHOOK_ALLOW_PRIVATE_NETWORKS") {
		t.Errorf("got error %q, want the refusal and the setting named", del.LastError)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the receiver got %d requests, want none", n)
	}
}

// TestLoggedBodies: the log's copy of a body is bounded, cut on a
// character boundary, and valid UTF-8 whatever the endpoint answered.
func TestLoggedBodies(t *testing.T) {
	tests := []struct {
		in   []byte
		max  int
		want string
	}{
		{[]byte("ok"), 10, "ok"},
		{[]byte("abcdef"), 4, "abcd"},
		{[]byte("aé"), 2, "a"}, // é is two bytes: not cut in half
		{[]byte{'a', 0xff, 'b'}, 10, "a\uFFFDb"},
	}
	for _, tt := range tests {
		if got := logged(tt.in, tt.max); got != tt.want {
			t.Errorf("logged(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
