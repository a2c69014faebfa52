package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/changes"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/local"
	"github.com/whatsapp-saas/gateway/internal/polltest"
	"github.com/whatsapp-saas/gateway/internal/redis"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
	"github.com/whatsapp-saas/gateway/internal/secrets"
	"github.com/whatsapp-saas/gateway/internal/service"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
	"github.com/whatsapp-saas/gateway/internal/worker"
)

// patience is how long a test waits for a bus notice.
const patience = 20 * time.Second

// countingWorkers counts the status calls the gateway makes to workers.
type countingWorkers struct {
	*instanceapi.Client
	statuses atomic.Int64
}

func (c *countingWorkers) Status(ctx context.Context, ep gateway.Endpoint) (*instanceapi.Status, error) {
	c.statuses.Add(1)
	return c.Client.Status(ctx, ep)
}

// instanceCounter counts instance and session reads in the store.
type instanceCounter struct {
	gateway.Store
	reads    atomic.Int64
	live     atomic.Int64
	sessions atomic.Int64
}

func (c *instanceCounter) SessionByID(ctx context.Context, userID, id string) (*gateway.Session, error) {
	c.sessions.Add(1)
	return c.Store.SessionByID(ctx, userID, id)
}

// LiveInstance counts the send path's readiness check (the session's live
// instance), which a warm ready-to-send entry skips.
func (c *instanceCounter) LiveInstance(ctx context.Context, userID, sessionID string) (*gateway.Instance, error) {
	c.live.Add(1)
	return c.Store.LiveInstance(ctx, userID, sessionID)
}

func (c *instanceCounter) InstanceByID(ctx context.Context, userID, id string) (*gateway.Instance, error) {
	c.reads.Add(1)
	return c.Store.InstanceByID(ctx, userID, id)
}

// gatePacer holds every send until its gate opens, so a test sees the
// queue filled.
type gatePacer struct{ open chan struct{} }

func (p *gatePacer) Wait(ctx context.Context, _ *gateway.Message) error {
	select {
	case <-p.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// relay is service.Changes and a worker's Changed hook for one gateway, as
// cmd/gateway's changeRelay.
type relay struct{ s atomic.Pointer[Server] }

// to passes a change on to the gateway, once it is built.
func (r *relay) to(f func(*Server)) {
	if s := r.s.Load(); s != nil {
		f(s)
	}
}

func (r *relay) SessionChanged(id string) { r.to(func(s *Server) { s.SessionChanged(id) }) }

func (r *relay) SessionQueueChanged(id string) { r.to(func(s *Server) { s.SessionQueueChanged(id) }) }

func (r *relay) InstanceChanged(id string) { r.to(func(s *Server) { s.InstanceChanged(id) }) }

func (r *relay) PlanChanged(id string) { r.to(func(s *Server) { s.PlanChanged(id) }) }

// statusFixture is gateways sharing one store, bus and worker scheduler
// (as gateways share PostgreSQL, Redis and Nomad), with sandbox workers
// whose QR codes last as setQR says (the real clock: the workers serve
// HTTP, which a synctest bubble cannot hold).
type statusFixture struct {
	t       testing.TB
	store   *instanceCounter
	bus     gateway.Bus
	sched   *local.Scheduler
	qrMu    sync.Mutex
	qr      sandbox.Options // the QR fields of the next instance's engine
	workers *countingWorkers
	tokens  *auth.Tokens
	pacer   *gatePacer
	first   relay // the first gateway's: where in-process workers report
	user    *gateway.User
	key     string
	n       int
}

// workerShape says how workers tell of their changes: "embedded" to the
// first gateway (which publishes), "cluster" on the bus (cmd/instance).
func newStatusFixture(t testing.TB, bus gateway.Bus, workerShape string) *statusFixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gateway.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &statusFixture{t: t, store: &instanceCounter{Store: st}, bus: bus,
		pacer:  &gatePacer{open: make(chan struct{})},
		tokens: auth.NewTokens(secrets.NewStatic(secrets.Static{JWT: []byte("status-cache-test-secret-0123456789abcdef")}), "i", "a", time.Hour)}
	secret := func(context.Context) ([]byte, error) { return []byte("status-cache-internal"), nil }
	f.workers = &countingWorkers{Client: instanceapi.NewClient(nil, secret)}
	// One book of groups and accounts for every instance, as one Factory
	// would keep.
	groups, accounts := sandbox.NewMemGroups(), sandbox.NewMemAccounts()
	pub := changes.NewPublisher(bus, nil)
	t.Cleanup(pub.Close)
	f.sched = local.New(local.Config{PortStart: 41000, PortEnd: 41999, NewRunner: func(_ context.Context, spec gateway.InstanceSpec) (local.Runner, error) {
		changed := func() { f.first.SessionChanged(spec.SessionID) }
		queueChanged := func() { f.first.SessionQueueChanged(spec.SessionID) }
		if workerShape == "cluster" {
			changed = func() { pub.Publish(gateway.TopicSessionsChanged, spec.SessionID) }
			queueChanged = func() { pub.Publish(gateway.TopicSessionQueueChanged, spec.SessionID) }
		}
		f.qrMu.Lock()
		opts := sandbox.Options{QRFirstTTL: f.qr.QRFirstTTL, QRNextTTL: f.qr.QRNextTTL, QRCodes: f.qr.QRCodes,
			DeliveryDelay: -1, ReadDelay: -1, Groups: groups, Accounts: accounts}
		f.qrMu.Unlock()
		engines := map[string]gateway.EngineFactory{gateway.EngineSandbox: sandbox.Factory(opts)}
		return worker.New(worker.Config{SessionID: spec.SessionID, UserID: spec.UserID, EngineName: spec.Engine,
			Engines: engines, Store: st, Secret: secret, Pacer: f.pacer, Changed: changed, QueueChanged: queueChanged})
	}})
	t.Cleanup(func() { f.sched.Close() })
	f.user = &gateway.User{Email: "status@example.com", Name: "Status", PasswordHash: "x", Status: gateway.UserActive}
	if err := st.CreateUser(t.Context(), f.user); err != nil {
		t.Fatal(err)
	}
	return f
}

// setQR shapes the QR codes of the instances started from now on: the
// first lasts first, the others next, codes in all (zero: the defaults).
func (f *statusFixture) setQR(first, next time.Duration, codes int) {
	f.qrMu.Lock()
	defer f.qrMu.Unlock()
	f.qr = sandbox.Options{QRFirstTTL: first, QRNextTTL: next, QRCodes: codes}
}

// gateway starts one more gateway with a status cache of ttl; each of with
// may add to its dependencies (a logger, request metrics).
func (f *statusFixture) gateway(ttl time.Duration, with ...func(*Deps)) *Server {
	rel := &relay{}
	if f.n == 0 {
		rel = &f.first
	}
	f.n++
	svc := service.New(service.Deps{Stores: service.StoresOf(f.store), Cache: inmem.NewCache(), Scheduler: f.sched, Registry: f.sched,
		Workers: f.workers, Tokens: f.tokens, Background: f.t.Context(), Changes: rel},
		service.Settings{EnableAPIKeys: true, EnableWebhooks: true, Engines: []string{gateway.EngineSandbox}, DefaultEngine: gateway.EngineSandbox,
			MaxInstancesPerUser: 5, Mode: "embedded", SendCheckTTL: ttl, PlanCacheTTL: ttl})
	deps := Deps{Service: svc, Tokens: f.tokens, Limiter: inmem.NewRateLimiter(), Bus: f.bus}
	for _, w := range with {
		w(&deps)
	}
	s := New(deps, Config{StatusCacheTTL: ttl, UserCacheTTL: time.Minute})
	rel.s.Store(s)
	f.t.Cleanup(s.Close)
	if f.key == "" {
		k, err := svc.CreateAPIKey(f.t.Context(), f.user, service.CreateAPIKeyInput{Name: "status"})
		if err != nil {
			f.t.Fatal(err)
		}
		f.key = k.Key
	}
	return s
}

// call sends a request to gateway s and decodes the envelope's data into out.
func (f *statusFixture) call(s *Server, method, path string, body any, out any) int {
	f.t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, "/api/v1"+path, rd)
	req.Header.Set("X-API-Key", f.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if out != nil && rec.Code < 300 {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			f.t.Fatalf("%s %s: %v", method, path, err)
		}
		if err := json.Unmarshal(env.Data, out); err != nil {
			f.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return rec.Code
}

func (f *statusFixture) must(s *Server, method, path string, body any, want int, out any) {
	f.t.Helper()
	if got := f.call(s, method, path, body, out); got != want {
		f.t.Fatalf("%s %s: got %d, want %d", method, path, got, want)
	}
}

// start creates a session and its instance through gateway s.
func (f *statusFixture) start(s *Server) (sessionID, instanceID string) {
	f.t.Helper()
	var sess sessionData
	f.must(s, "POST", "/sessions", map[string]any{"session_name": "status"}, http.StatusCreated, &sess)
	var inst instanceData
	f.must(s, "POST", "/instances", map[string]any{"session_id": sess.Session.ID}, http.StatusCreated, &inst)
	return sess.Session.ID, inst.Instance.ID
}

// paired starts a session and its instance through gateway s and pairs
// it with a scan of its first QR code.
func (f *statusFixture) paired(s *Server) (sessionID, instanceID string) {
	f.t.Helper()
	sid, iid := f.start(s)
	f.waitStatus(s, sid, is("qr_pending"), "the QR code")
	f.must(s, "POST", "/sessions/"+sid+"/scan", nil, http.StatusOK, nil)
	return sid, iid
}

// status is a gateway's answer to GET /sessions/{id}/status: the state
// with its QR code and queue, or the HTTP status when it is refused.
func (f *statusFixture) status(s *Server, id string) string {
	f.t.Helper()
	var st workerStatusData
	if code := f.call(s, "GET", "/sessions/"+id+"/status", nil, &st); code != http.StatusOK {
		return http.StatusText(code)
	}
	view := string(st.Status.State)
	if st.Status.QR != nil {
		view += " qr=" + st.Status.QR.Code
	}
	if st.Status.QueueDepth > 0 {
		view += " queued"
	}
	return view
}

// waitStatus waits until gateway s answers want (each gateway's cache
// lasts far longer than the test: only a change notice explains it).
func (f *statusFixture) waitStatus(s *Server, id string, want func(string) bool, what string) string {
	f.t.Helper()
	return polltest.Until(f.t, patience, what, func() (string, bool) {
		v := f.status(s, id)
		return v, want(v)
	})
}

// settle waits until gateway s answers the status from memory: the
// notices of the changes before (its own included, echoed by the bus) have
// landed.
func (f *statusFixture) settle(s *Server, id string) {
	f.t.Helper()
	polltest.Eventually(f.t, patience, "the status answered from memory", func() bool {
		f.status(s, id)
		calls := f.workers.statuses.Load()
		f.status(s, id)
		return f.workers.statuses.Load() == calls
	})
}

// quiet waits until every change notice gateway s queued before the call
// has come back to s through the bus and been applied, so no echo of an
// earlier change can drop a cached answer afterwards. It queues a marker
// (an id no session has) on each topic through s's own publisher and waits
// for s to forget it: the bus hands each subscriber its topic's notices in
// the order they were sent, so the marker's arrival means those sent before
// it arrived. The publisher sends a batch in no set order, so a second
// marker, queued after the first arrived, covers the rest of the first's
// batch.
func (f *statusFixture) quiet(s *Server) {
	f.t.Helper()
	forgotten := func(c interface{ Forgotten(string) uint64 }, key string) func() bool {
		return func() bool { return c.Forgotten(key) > 0 }
	}
	for range 2 {
		marker := uuid.NewString()
		s.statuses.Watch(marker)
		s.instances.Watch(marker)
		s.notices.publish(gateway.TopicSessionsChanged, marker)
		s.notices.publish(gateway.TopicInstancesChanged, marker)
		polltest.Eventually(f.t, patience, "the marker notice back through the bus", forgotten(s.statuses, marker))
		queueMarker := uuid.NewString()
		s.statuses.Watch(queueMarker)
		s.notices.publish(gateway.TopicSessionQueueChanged, queueMarker)
		polltest.Eventually(f.t, patience, "the queue marker notice back through the bus", forgotten(s.statuses, queueMarker))
		polltest.Eventually(f.t, patience, "the marker notice back through the bus", forgotten(s.instances, marker))
	}
}

func is(state string) func(string) bool {
	return func(v string) bool { return strings.SplitN(v, " ", 2)[0] == state }
}

// buses runs a test on the in-memory bus and on Redis (TEST_REDIS_URL, or
// an in-process Redis).
func buses(t *testing.T, run func(t *testing.T, bus gateway.Bus)) {
	t.Run("mem", func(t *testing.T) { run(t, inmem.NewBus()) })
	t.Run("redis", func(t *testing.T) {
		url := os.Getenv("TEST_REDIS_URL")
		if url == "" {
			url = "redis://" + miniredis.RunT(t).Addr()
		}
		client, err := redis.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		// A prefix of its own: parallel runs on one Redis do not hear each other.
		bus := redis.NewBus(client, "statustest:"+t.Name()+time.Now().String()+":", nil)
		t.Cleanup(func() { bus.Close() })
		run(t, bus)
	})
}

// TestStatusFromMemoryUntilChanged: a warm gateway answers the status and
// the instance view without asking the worker or the store, and a change
// it commits answers differently at once.
func TestStatusFromMemoryUntilChanged(t *testing.T) {
	buses(t, func(t *testing.T, bus gateway.Bus) {
		f := newStatusFixture(t, bus, "embedded")
		gw := f.gateway(time.Hour)
		sid, iid := f.paired(gw)
		if got := f.status(gw, sid); got != "connected" {
			t.Fatalf("right after the scan: got %q, want connected", got)
		}

		// Settled, and the echoes of the gateway's own notices back: from
		// here only a new change may drop the cached answer.
		f.settle(gw, sid)
		f.quiet(gw)
		f.status(gw, sid)
		var inst instanceData
		f.must(gw, "GET", "/instances/"+iid, nil, http.StatusOK, &inst)
		calls := f.workers.statuses.Load()
		for range 20 {
			if got := f.status(gw, sid); got != "connected" {
				t.Fatalf("warm read: got %q, want connected", got)
			}
		}
		if n := f.workers.statuses.Load() - calls; n != 0 {
			t.Fatalf("20 warm reads asked the worker %d times, want 0", n)
		}
		reads := f.store.reads.Load()
		for range 5 {
			f.must(gw, "GET", "/instances/"+iid, nil, http.StatusOK, &inst)
		}
		if n := f.store.reads.Load() - reads; n != 0 {
			t.Fatalf("5 warm instance reads read the store %d times, want 0", n)
		}

		f.must(gw, "POST", "/sessions/"+sid+"/logout", nil, http.StatusOK, nil)
		if got := f.status(gw, sid); got != "logged_out" {
			t.Fatalf("right after the logout: got %q, want logged_out", got)
		}
		f.must(gw, "POST", "/instances/"+iid+"/stop", nil, http.StatusOK, nil)
		f.must(gw, "GET", "/instances/"+iid, nil, http.StatusOK, &inst)
		if inst.Instance.Status != gateway.InstanceStopped {
			t.Fatalf("right after the stop: instance %s, want stopped", inst.Instance.Status)
		}
		if got := f.status(gw, sid); got != http.StatusText(http.StatusConflict) {
			t.Fatalf("right after the stop: status answered %q, want Conflict", got)
		}
	})
}

// TestStatusStaleAtMostBusLatency: two gateways on one bus, each caching
// for an hour. A change made through one is answered by it at once and by
// the other as soon as the notice lands; with an hour's TTL only the
// notice can explain that, so a stale answer outlives the change by the
// bus latency at most.
func TestStatusStaleAtMostBusLatency(t *testing.T) {
	buses(t, func(t *testing.T, bus gateway.Bus) {
		f := newStatusFixture(t, bus, "embedded")
		a, b := f.gateway(time.Hour), f.gateway(time.Hour)
		sid, iid := f.paired(a)
		f.waitStatus(b, sid, is("connected"), "gateway b to see the scan")
		var inst instanceData
		f.must(b, "GET", "/instances/"+iid, nil, http.StatusOK, &inst)
		f.settle(b, sid)

		f.must(a, "POST", "/sessions/"+sid+"/logout", nil, http.StatusOK, nil)
		if got := f.status(a, sid); got != "logged_out" {
			t.Fatalf("gateway a, right after its logout: got %q", got)
		}
		f.waitStatus(b, sid, is("logged_out"), "gateway b to see the logout")

		f.must(a, "POST", "/instances/"+iid+"/stop", nil, http.StatusOK, nil)
		polltest.Eventually(t, patience, "gateway b to see the instance stopped", func() bool {
			f.must(b, "GET", "/instances/"+iid, nil, http.StatusOK, &inst)
			return inst.Instance.Status == gateway.InstanceStopped
		})
		f.waitStatus(b, sid, func(v string) bool { return v == http.StatusText(http.StatusConflict) }, "gateway b to refuse the stopped session's status")
	})
}

// TestStatusCacheFollowsEveryChange: workers tell of their changes only on
// the bus (the cluster shape), and two gateways caching for an hour follow
// every kind: a QR code appearing and refreshing, pairing, the queue
// filling and emptying, a logout, the QR timing out, the instance stopped
// and started again.
func TestStatusCacheFollowsEveryChange(t *testing.T) {
	buses(t, func(t *testing.T, bus gateway.Bus) {
		f := newStatusFixture(t, bus, "cluster")
		a, b := f.gateway(time.Hour), f.gateway(time.Hour)
		gws := []*Server{a, b}
		// Codes that turn over every 2 s, for as long as the test takes
		// to pair.
		f.setQR(2*time.Second, 2*time.Second, 1000)
		sid, iid := f.start(a)
		// Both warm, then a change, then both follow.
		step := func(what string, change func(), want func(string) bool) string {
			t.Helper()
			for _, s := range gws {
				f.status(s, sid)
			}
			change()
			var got string
			for i, s := range gws {
				got = f.waitStatus(s, sid, want, what+" on gateway "+string(rune('a'+i)))
			}
			return got
		}
		first := f.waitStatus(a, sid, is("qr_pending"), "the first QR code")
		f.waitStatus(b, sid, is("qr_pending"), "the first QR code on b")
		step("a new QR code", func() {}, // the first code expires by itself
			func(v string) bool { return is("qr_pending")(v) && v != first })
		step("pairing", func() { f.must(b, "POST", "/sessions/"+sid+"/scan", nil, http.StatusOK, nil) }, is("connected"))
		step("the queue filled", func() {
			f.must(a, "POST", "/messages/send", map[string]any{"session_id": sid, "recipient": "15550001234", "message": "hi"}, http.StatusCreated, nil)
		}, func(v string) bool { return v == "connected queued" })
		step("the queue emptied", func() { close(f.pacer.open) }, func(v string) bool { return v == "connected" })
		step("a logout", func() { f.must(b, "POST", "/sessions/"+sid+"/logout", nil, http.StatusOK, nil) }, is("logged_out"))
		step("the instance stopped", func() { f.must(a, "POST", "/instances/"+iid+"/stop", nil, http.StatusOK, nil) },
			func(v string) bool { return v == http.StatusText(http.StatusConflict) })
		// Once started again: one code for 5 s (time for both gateways to
		// show it), then the QR times out.
		f.setQR(5*time.Second, 0, 1)
		step("the instance started again", func() { f.must(b, "POST", "/instances/"+iid+"/start", nil, http.StatusOK, nil) }, is("qr_pending"))
		step("the QR codes running out", func() {}, is("disconnected"))
	})
}

// TestQueueFlipKeepsSendCheck: the worker's queue filling is a change of the
// live status, which every gateway follows, and not of the session's
// readiness to send: the next send on either gateway does not read the live
// instance again (it did when every queue flip dropped the check, once a
// drained batch under load). A stop still drops it (TestSendCheckDroppedOnEveryGateway).
func TestQueueFlipKeepsSendCheck(t *testing.T) {
	buses(t, func(t *testing.T, bus gateway.Bus) {
		for _, shape := range []string{"embedded", "cluster"} {
			t.Run(shape, func(t *testing.T) {
				f := newStatusFixture(t, bus, shape)
				a, b := f.gateway(time.Hour), f.gateway(time.Hour)
				sid, _ := f.start(a)
				f.waitStatus(a, sid, is("qr_pending"), "the QR code")
				f.must(a, "POST", "/sessions/"+sid+"/scan", nil, http.StatusOK, nil)
				f.settle(a, sid)
				f.quiet(a)
				f.quiet(b)
				send := func(s *Server) {
					f.must(s, "POST", "/messages/send", map[string]any{"session_id": sid, "recipient": "15550001234", "message": "hi"}, http.StatusCreated, nil)
				}
				// Both gateways warm their check, then the queue fills
				// (the pacer holds every send) and both statuses follow.
				f.status(a, sid)
				f.status(b, sid)
				send(b)
				send(a)
				for i, s := range []*Server{a, b} {
					f.waitStatus(s, sid, func(v string) bool { return v == "connected queued" }, "the queue filled on gateway "+string(rune('a'+i)))
				}
				f.quiet(a)
				f.quiet(b)
				live := f.store.live.Load()
				send(a)
				send(b)
				if n := f.store.live.Load() - live; n != 0 {
					t.Fatalf("2 sends after the queue filled read the live instance %d times, want 0", n)
				}
				close(f.pacer.open)
			})
		}
	})
}

// TestAnswerEncodedPerLanguage: a kept status answers, in each language,
// exactly what encoding the report for that request would write, the
// reason translated; an Arabic read after an English one is not answered
// the English body.
func TestAnswerEncodedPerLanguage(t *testing.T) {
	st := &instanceapi.Status{SessionID: "s1", Engine: "sandbox", State: gateway.SessionStopped,
		Reason: "The instance was stopped; start it to connect again.", StartedAt: time.Unix(1700000000, 0).UTC()}
	a := &answer[*instanceapi.Status]{v: st}
	bodies := map[string]string{}
	for _, lang := range []string{"en", "ar", "en", "ar"} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/sessions/s1/status", nil)
		req.Header.Set("Accept-Language", lang)
		got := httptest.NewRecorder()
		if err := ok(got, http.StatusOK, statusAnswer(req, a)); err != nil {
			t.Fatal(err)
		}
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusOK, envelope{Success: true, Data: statusView(lang, st)})
		if got.Body.String() != want.Body.String() {
			t.Errorf("%s: answered %s, want %s", lang, got.Body, want.Body)
		}
		if ct := got.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", lang, ct)
		}
		bodies[lang] = got.Body.String()
	}
	if bodies["en"] == bodies["ar"] || !strings.Contains(bodies["ar"], "أُوقف المثيل") {
		t.Errorf("the Arabic answer is not translated: %s", bodies["ar"])
	}
	if len(a.bodies) != 2 {
		t.Errorf("kept %d encoded bodies, want one per language (2)", len(a.bodies))
	}
	// Encoded once: further reads in a language write the kept body.
	views := 0
	counted := func(lang string, st *instanceapi.Status) any { views++; return statusView(lang, st) }
	fresh := &answer[*instanceapi.Status]{v: st}
	for range 3 {
		fresh.in("en", counted)
	}
	if views != 1 {
		t.Errorf("three English reads made the view %d times, want 1", views)
	}
}

// TestSessionReadFromMemoryUntilChanged: two gateways on one bus, workers
// telling of their changes only on the bus (the cluster shape), each
// caching for an hour. A warm GET /sessions/{id} reads nothing from the
// store, and every write of the session (an edit, a worker's state report,
// the delete) is answered by the gateway that made it at once and by the
// other as soon as the notice lands: with an hour's TTL only the notice
// can explain that.
func TestSessionReadFromMemoryUntilChanged(t *testing.T) {
	buses(t, func(t *testing.T, bus gateway.Bus) {
		f := newStatusFixture(t, bus, "cluster")
		a, b := f.gateway(time.Hour), f.gateway(time.Hour)
		sid, _ := f.paired(a)
		read := func(s *Server) (int, gateway.Session) {
			var d sessionData
			code := f.call(s, "GET", "/sessions/"+sid, nil, &d)
			return code, d.Session
		}
		waitFor := func(s *Server, what string, want func(int, gateway.Session) bool) {
			t.Helper()
			polltest.Eventually(t, patience, what, func() bool { return want(read(s)) })
		}
		// The sandbox reports its history (off here) after pairing: wait for it.
		synced := func(code int, sess gateway.Session) bool {
			return code == http.StatusOK && sess.Status == gateway.SessionConnected &&
				sess.HistorySync != nil && sess.HistorySync.Status != gateway.HistorySyncing
		}
		waitFor(a, "gateway a to see the session paired and its history stored", synced)
		waitFor(b, "gateway b to see the session paired and its history stored", synced)
		f.quiet(a)
		f.quiet(b)
		read(a)
		read(b)
		n := f.store.sessions.Load()
		for range 10 {
			if code, sess := read(a); code != http.StatusOK || sess.Status != gateway.SessionConnected {
				t.Fatalf("warm read on a: %d %s", code, sess.Status)
			}
			read(b)
		}
		if got := f.store.sessions.Load() - n; got != 0 {
			t.Fatalf("20 warm session reads read the store %d times, want 0", got)
		}

		f.must(a, "PATCH", "/sessions/"+sid, map[string]any{"session_name": "renamed"}, http.StatusOK, nil)
		if _, sess := read(a); sess.Name != "renamed" {
			t.Fatalf("gateway a, right after its edit: name %q", sess.Name)
		}
		waitFor(b, "gateway b to see the edit", func(_ int, sess gateway.Session) bool { return sess.Name == "renamed" })

		f.must(b, "POST", "/sessions/"+sid+"/logout", nil, http.StatusOK, nil)
		for i, s := range []*Server{a, b} {
			waitFor(s, "gateway "+string(rune('a'+i))+" to see the logout",
				func(_ int, sess gateway.Session) bool { return sess.Status == gateway.SessionLoggedOut })
		}

		f.must(a, "DELETE", "/sessions/"+sid, nil, http.StatusOK, nil)
		if code, _ := read(a); code != http.StatusNotFound {
			t.Fatalf("gateway a, right after its delete: %d, want 404", code)
		}
		waitFor(b, "gateway b to see the delete", func(code int, _ gateway.Session) bool { return code == http.StatusNotFound })
	})
}
