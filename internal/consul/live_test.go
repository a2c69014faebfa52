package consul_test

// The tests in this file run the package against a real Consul agent, the
// one at TEST_CONSUL_ADDR (TEST_CONSUL_TOKEN when ACLs are on), and skip
// without it:
//
//	TEST_CONSUL_ADDR=http://127.0.0.1:8500 go test -race -run Live ./internal/consul/
//
// The agent must run on this machine (a dev agent will do: consul agent
// -dev): its HTTP checks call back into httptest servers on 127.0.0.1.
// Every name the tests create carries a random suffix, so runs against a
// shared agent do not collide, and everything is removed in t.Cleanup.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/whatsapp-saas/gateway/internal/consul"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// liveAddr returns TEST_CONSUL_ADDR or skips the test.
func liveAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("TEST_CONSUL_ADDR")
	if addr == "" {
		t.Skip("set TEST_CONSUL_ADDR to run against a live Consul agent")
	}
	return addr
}

// newLiveClient returns a client of the Consul HTTP API at addr, carrying
// TEST_CONSUL_TOKEN when it is set.
func newLiveClient(t *testing.T, addr string) *api.Client {
	t.Helper()
	// Through the config, not a header: CONSUL_HTTP_TOKEN in the
	// environment would override a header.
	c, err := consul.NewClient(addr, os.Getenv("TEST_CONSUL_TOKEN"))
	if err != nil {
		t.Fatalf("consul client for %s: %v", addr, err)
	}
	return c
}

// liveClient returns a client of the live agent after checking it answers.
func liveClient(t *testing.T) *api.Client {
	t.Helper()
	addr := liveAddr(t)
	c := newLiveClient(t, addr)
	if err := consul.Ping(context.Background(), c); err != nil {
		t.Fatalf("TEST_CONSUL_ADDR=%s: %v", addr, err)
	}
	return c
}

// suffix is a random lowercase name part, unique per call.
func suffix() string { return strings.ToLower(rand.Text()[:10]) }

// healthServer is a worker's (or the gateway's) health endpoint whose
// answer the test switches.
type healthServer struct {
	*httptest.Server
	path   string
	status atomic.Int32
	hits   atomic.Int32
}

func newHealthServer(t *testing.T, path string) *healthServer {
	t.Helper()
	h := &healthServer{path: path}
	h.status.Store(http.StatusOK)
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != h.path {
			http.NotFound(w, r)
			return
		}
		h.hits.Add(1)
		w.WriteHeader(int(h.status.Load()))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *healthServer) port(t *testing.T) int {
	t.Helper()
	u, err := url.Parse(h.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// registerWorker registers a worker instance with the local agent the way
// jobs/instance.nomad.hcl does: the session in a tag (and, withMeta, in the
// service meta too), an HTTP check on the instance's health path. The
// check runs every second so the tests see transitions quickly.
func registerWorker(t *testing.T, c *api.Client, service, id, sessionID, addr string, port int, checkURL string, withMeta bool) {
	t.Helper()
	reg := &api.AgentServiceRegistration{
		ID: id, Name: service, Address: addr, Port: port,
		Tags: []string{consul.SessionTag(sessionID), "tenant-live"},
		Check: &api.AgentServiceCheck{
			Name: "instance-health", HTTP: checkURL, Interval: "1s", Timeout: "1s",
		},
	}
	if withMeta {
		reg.Meta = map[string]string{consul.SessionMetaKey: sessionID, "tenant_id": "live"}
	}
	if err := c.Agent().ServiceRegister(reg); err != nil {
		t.Fatalf("register worker %s: %v", id, err)
	}
	t.Cleanup(func() { _ = c.Agent().ServiceDeregister(id) })
}

func newLiveRegistry(t *testing.T, c *api.Client, service string) *consul.Registry {
	t.Helper()
	r := consul.NewRegistry(consul.RegistryConfig{
		Client: c, Service: service, WaitTime: 5 * time.Second,
		RetryMin: 50 * time.Millisecond, RetryMax: time.Second, FirstSync: 5 * time.Second,
	})
	t.Cleanup(func() { r.Close() })
	return r
}

// routedTo reports whether the registry routes sid to want.
func routedTo(r *consul.Registry, sid, want string) func() bool {
	return func() bool { u, err := endpointOf(r, sid); return err == nil && u == want }
}

// unroutable reports whether the registry answers CodeUnavailable for sid.
func unroutable(r *consul.Registry, sid string) func() bool {
	return func() bool {
		_, err := endpointOf(r, sid)
		return gateway.IsCode(err, gateway.CodeUnavailable)
	}
}

func TestLiveRegistryFollowsWorkerHealth(t *testing.T) {
	c := liveClient(t)
	t.Parallel()
	run := suffix()
	service, sid, id := "wa-worker-live-"+run, "live-"+run, "wa-live-"+run
	health := newHealthServer(t, "/health")
	r := newLiveRegistry(t, c, service)

	if _, err := endpointOf(r, sid); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Fatalf("before registration: got %v, want CodeUnavailable", err)
	}

	registerWorker(t, c, service, id, sid, "127.0.0.1", health.port(t), health.URL+"/health", true)
	want := "http://127.0.0.1:" + strconv.Itoa(health.port(t))
	polltest.Eventually(t, patience, "the worker to be routed once its check passes", routedTo(r, sid, want))
	if got := r.Healthy(); got != 1 {
		t.Errorf("got %d healthy sessions, want 1", got)
	}
	if health.hits.Load() == 0 {
		t.Error("routed, but the agent never called the health endpoint")
	}
	if _, err := endpointOf(r, "live-other-"+run); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Errorf("unknown session: got %v, want CodeUnavailable", err)
	}

	// The worker turns unhealthy: Consul marks the check critical and the
	// registry stops routing to it.
	health.status.Store(http.StatusInternalServerError)
	polltest.Eventually(t, patience, "the failing worker to be unrouted", unroutable(r, sid))
	checks, _, err := c.Health().Checks(service, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || checks[0].Status != api.HealthCritical {
		t.Errorf("consul checks while failing: %+v, want one critical", checks)
	}
	if got := r.Healthy(); got != 0 {
		t.Errorf("got %d healthy sessions while failing, want 0", got)
	}

	// It recovers: traffic resumes by itself.
	health.status.Store(http.StatusOK)
	polltest.Eventually(t, patience, "the recovered worker to be routed again", routedTo(r, sid, want))

	// It stops: the deregistration removes the route.
	if err := c.Agent().ServiceDeregister(id); err != nil {
		t.Fatal(err)
	}
	polltest.Eventually(t, patience, "the deregistered worker to be unrouted", unroutable(r, sid))
	entries, _, err := c.Health().Service(service, "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("consul still lists %d instances after deregistration", len(entries))
	}
	if err := r.Ping(context.Background()); err != nil {
		t.Errorf("registry ping: %v", err)
	}
}

func TestLiveRegistryPrefersNewestInstanceOfASession(t *testing.T) {
	c := liveClient(t)
	t.Parallel()
	run := suffix()
	service, sid := "wa-worker-live-"+run, "live-"+run
	oldHealth, newHealth := newHealthServer(t, "/health"), newHealthServer(t, "/health")
	r := newLiveRegistry(t, c, service)

	// Tags only: a worker registered without the session meta is found by
	// its SessionTag.
	registerWorker(t, c, service, "wa-live-old-"+run, sid, "127.0.0.1", oldHealth.port(t), oldHealth.URL+"/health", false)
	oldURL := "http://127.0.0.1:" + strconv.Itoa(oldHealth.port(t))
	polltest.Eventually(t, patience, "the first instance to be routed", routedTo(r, sid, oldURL))

	// A failover starts a second instance of the session while the first
	// still passes; the newer registration wins. It has no address of its
	// own, so its URL is the node's.
	name, err := c.Agent().NodeName()
	if err != nil {
		t.Fatal(err)
	}
	node, _, err := c.Catalog().Node(name, nil)
	if err != nil || node == nil || node.Node == nil {
		t.Fatalf("catalog node %q: %+v, %v", name, node, err)
	}
	registerWorker(t, c, service, "wa-live-new-"+run, sid, "", newHealth.port(t), newHealth.URL+"/health", false)
	newURL := "http://" + node.Node.Address + ":" + strconv.Itoa(newHealth.port(t))
	polltest.Eventually(t, patience, "the newer instance to take the traffic", routedTo(r, sid, newURL))
	if got := r.Healthy(); got != 1 {
		t.Errorf("got %d healthy sessions, want 1 (two instances of one session)", got)
	}

	// The newer one goes away: the older one, still passing, is routed again.
	if err := c.Agent().ServiceDeregister("wa-live-new-" + run); err != nil {
		t.Fatal(err)
	}
	polltest.Eventually(t, patience, "the older instance to be routed again", routedTo(r, sid, oldURL))
}

func TestLiveRegisterGateway(t *testing.T) {
	c := liveClient(t)
	t.Parallel()
	run := suffix()
	id, name := "whatsapp-gateway-live-"+run, "whatsapp-gateway-live-"+run
	health := newHealthServer(t, "/health/ready")
	ctx := context.Background()

	reg := consul.Registration{
		ID: id, Name: name, Address: "127.0.0.1", Port: health.port(t),
		Tags: []string{"http"}, Meta: map[string]string{"version": "live"},
		HealthURL: health.URL + "/health/ready", Interval: time.Second, Timeout: time.Second,
	}
	dereg, err := consul.Register(ctx, c, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Agent().ServiceDeregister(id) })

	svcs, err := c.Agent().Services()
	if err != nil {
		t.Fatal(err)
	}
	s := svcs[id]
	if s == nil {
		t.Fatalf("the agent does not list %s", id)
	}
	if s.Service != name || s.Address != "127.0.0.1" || s.Port != reg.Port || len(s.Tags) != 1 || s.Tags[0] != "http" || s.Meta["version"] != "live" {
		t.Errorf("got service %+v, want %s at 127.0.0.1:%d tagged http with meta version=live", s, name, reg.Port)
	}

	// The check is the agent's, polls HealthURL, and goes passing.
	serviceChecks := func() []*api.AgentCheck {
		t.Helper()
		all, err := c.Agent().Checks()
		if err != nil {
			t.Fatal(err)
		}
		var out []*api.AgentCheck
		for _, ch := range all {
			if ch.ServiceID == id {
				out = append(out, ch)
			}
		}
		return out
	}
	polltest.Eventually(t, patience, "the gateway's check to pass", func() bool {
		cs := serviceChecks()
		return len(cs) == 1 && cs[0].Status == api.HealthPassing
	})
	// The agent does not return the check's definition; its output names
	// the URL it called.
	cs := serviceChecks()
	if cs[0].Type != "http" || !strings.Contains(cs[0].Output, reg.HealthURL) {
		t.Errorf("got check type %q output %q, want an http check of %s", cs[0].Type, cs[0].Output, reg.HealthURL)
	}
	if health.hits.Load() == 0 {
		t.Error("the check passed but the agent never called HealthURL")
	}
	entries, _, err := c.Health().Service(name, "", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Service.ID != id {
		t.Errorf("got %d passing instances of %s, want just %s", len(entries), name, id)
	}

	// Registering the same ID again (a restart) replaces the service and
	// its check instead of adding a second one.
	reg.Tags = []string{"http", "restarted"}
	if _, err := consul.Register(ctx, c, reg); err != nil {
		t.Fatal(err)
	}
	svcs, err = c.Agent().Services()
	if err != nil {
		t.Fatal(err)
	}
	if s := svcs[id]; s == nil || len(s.Tags) != 2 {
		t.Errorf("after re-registering: got %+v, want the new tags", s)
	}
	if got := len(serviceChecks()); got != 1 {
		t.Errorf("after re-registering: got %d checks, want 1", got)
	}

	if err := dereg(ctx); err != nil {
		t.Fatal(err)
	}
	svcs, err = c.Agent().Services()
	if err != nil {
		t.Fatal(err)
	}
	if svcs[id] != nil {
		t.Error("the agent still lists the gateway after deregister")
	}
	if got := len(serviceChecks()); got != 0 {
		t.Errorf("got %d checks left after deregister, want 0", got)
	}
}

// liveLockKey returns a lock key unique to this test, removed after it.
// liveLockCase starts a live lock test: the client (skipping the test
// without a Consul agent), then in parallel with the others, on a key of
// its own.
func liveLockCase(t *testing.T) (*api.Client, string) {
	t.Helper()
	c := liveClient(t)
	t.Parallel()
	return c, liveLockKey(t, c)
}

func liveLockKey(t *testing.T, c *api.Client) string {
	t.Helper()
	prefix := "whatsapp-gateway-live/" + suffix()
	t.Cleanup(func() { _, _ = c.KV().DeleteTree(prefix+"/", nil) })
	return consul.LockKey(prefix+"/locks", "s1")
}

// liveLockConfig has Consul's shortest TTL, quick renewals and retries, so
// lost leases and hand-overs show within a second or two, and the default
// lock-delay (5 s), long enough that a hand-over that had to wait it out
// is told apart from one that did not.
func liveLockConfig(c *api.Client, key, owner string) consul.LockConfig {
	return consul.LockConfig{
		Client: c, Key: key, Owner: owner, TTL: 10 * time.Second, RenewEvery: 200 * time.Millisecond,
		FenceAfter: time.Second, LockDelay: 5 * time.Second, RetryDelay: 100 * time.Millisecond,
	}
}

func newLiveLockFrom(t *testing.T, cfg consul.LockConfig) *consul.Lock {
	t.Helper()
	l, err := consul.NewLock(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newLiveLock(t *testing.T, c *api.Client, key, owner string) *consul.Lock {
	t.Helper()
	return newLiveLockFrom(t, liveLockConfig(c, key, owner))
}

// acquire takes l within a deadline and releases it after the test.
func acquire(t *testing.T, l *consul.Lock) *consul.Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lease, err := l.Acquire(ctx)
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	t.Cleanup(func() { _ = lease.Release(context.Background()) })
	return lease
}

// holder returns the Consul session holding key ("" when free) and the
// owner recorded in its value.
func holder(t *testing.T, c *api.Client, key string) (session, owner string) {
	t.Helper()
	pair, _, err := c.KV().Get(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pair == nil {
		return "", ""
	}
	var v struct{ Owner string }
	_ = json.Unmarshal(pair.Value, &v)
	return pair.Session, v.Owner
}

// sessionExists reports whether Consul still knows the session.
func sessionExists(t *testing.T, c *api.Client, id string) bool {
	t.Helper()
	e, _, err := c.Session().Info(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e != nil
}

func lostWithin(t *testing.T, lease *consul.Lease, d time.Duration, what string) {
	t.Helper()
	select {
	case <-lease.Lost():
	case <-time.After(d):
		t.Fatalf("lease not lost within %v after %s", d, what)
	}
}

func TestLiveLockExcludesAndHandsOver(t *testing.T) {
	c, key := liveLockCase(t)

	a := acquire(t, newLiveLock(t, c, key, "alloc-a"))
	first, owner := holder(t, c, key)
	if first == "" || owner != "alloc-a" {
		t.Fatalf("got holder %q owner %q, want a session of alloc-a", first, owner)
	}
	e, _, err := c.Session().Info(first, nil)
	if err != nil || e == nil {
		t.Fatalf("the holder's session: %+v, %v", e, err)
	}
	if e.TTL != "10s" || e.Behavior != api.SessionBehaviorRelease {
		t.Errorf("got session TTL %q behavior %q, want 10s and release", e.TTL, e.Behavior)
	}

	// Another owner does not get a held lock: Acquire waits until its
	// context ends and then answers CodeUnavailable.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if lease, err := newLiveLock(t, c, key, "alloc-b").Acquire(ctx); !gateway.IsCode(err, gateway.CodeUnavailable) {
		if lease != nil {
			_ = lease.Release(context.Background())
		}
		t.Fatalf("second owner on a held lock: got %v, want CodeUnavailable after its deadline", err)
	}
	if h, _ := holder(t, c, key); h != first {
		t.Fatalf("the holder changed to %q while %q held the lock", h, first)
	}

	// A waiter gets it as soon as the holder releases: well before the
	// 5 s lock-delay, which Release avoids by freeing the key first.
	waiter := newLiveLock(t, c, key, "alloc-b")
	got := make(chan *consul.Lease, 1)
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(func() {
		wcancel()
		if l := <-got; l != nil { // the test ended before taking it
			_ = l.Release(context.Background())
		}
	})
	go func() {
		defer close(got)
		if l, err := waiter.Acquire(wctx); err == nil {
			got <- l
		}
	}()
	if err := a.Release(context.Background()); err != nil {
		t.Fatalf("release: %v", err)
	}
	if sessionExists(t, c, first) {
		t.Error("the released lease's Consul session still exists")
	}
	var b *consul.Lease
	select {
	case b = <-got:
	case <-time.After(3 * time.Second):
		t.Fatal("the waiter did not get the released lock within 3s")
	}
	if b == nil {
		t.Fatal("the waiter gave up without the lock")
	}
	t.Cleanup(func() { _ = b.Release(context.Background()) })
	second, owner := holder(t, c, key)
	if second == "" || second == first || owner != "alloc-b" {
		t.Errorf("after hand-over: holder %q owner %q, want a new session of alloc-b", second, owner)
	}
	if err := b.Release(context.Background()); err != nil {
		t.Fatalf("release: %v", err)
	}
	if h, _ := holder(t, c, key); h != "" {
		t.Errorf("key still held by %q after the last release", h)
	}
	if sessionExists(t, c, second) {
		t.Error("the second lease's Consul session still exists after release")
	}
}

func TestLiveLockLostWhenSessionDestroyed(t *testing.T) {
	c, key := liveLockCase(t)
	cfg := liveLockConfig(c, key, "alloc-a")
	cfg.LockDelay = 500 * time.Millisecond
	lease := acquire(t, newLiveLockFrom(t, cfg))
	id, _ := holder(t, c, key)

	// An operator (or Consul, on a failed node check) ends the session.
	if _, err := c.Session().Destroy(id, nil); err != nil {
		t.Fatal(err)
	}
	lostWithin(t, lease, 5*time.Second, "its session was destroyed")
	if h, _ := holder(t, c, key); h != "" {
		t.Errorf("key still held by %q after its session was destroyed", h)
	}
	// The key is free again once the lock-delay (500 ms here) is over.
	acquire(t, newLiveLock(t, c, key, "alloc-b"))
	if h, owner := holder(t, c, key); h == "" || h == id || owner != "alloc-b" {
		t.Errorf("after the loss: holder %q owner %q, want a new session of alloc-b", h, owner)
	}
}

// Deleting a held key frees it at once (no lock-delay: the session is
// still valid): the holder learns it within a renewal period.
func TestLiveLockLostWhenKeyDeleted(t *testing.T) {
	c, key := liveLockCase(t)
	lease := acquire(t, newLiveLock(t, c, key, "alloc-a"))
	if _, err := c.KV().Delete(key, nil); err != nil {
		t.Fatal(err)
	}
	lostWithin(t, lease, 5*time.Second, "its key was deleted")
}

// A Release that failed can be retried and then frees the key.
func TestLiveLockReleaseRetried(t *testing.T) {
	c, key := liveLockCase(t)
	lease := acquire(t, newLiveLock(t, c, key, "alloc-a"))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := lease.Release(done); err == nil {
		t.Fatal("release with an ended context succeeded")
	}
	if h, _ := holder(t, c, key); h == "" {
		t.Fatal("key freed although the release failed")
	}
	if err := lease.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h, _ := holder(t, c, key); h != "" {
		t.Errorf("key still held by %q after the retried release", h)
	}
}

// A worker waiting for a held lock whose own Consul session is lost (a
// node check failing, an operator) starts over with a new session at once,
// not after its blocking read of the unchanged key runs out (the TTL).
func TestLiveLockWaiterStartsOverWhenItsSessionIsLost(t *testing.T) {
	c, key := liveLockCase(t)
	acquire(t, newLiveLock(t, c, key, "alloc-a"))
	holderID, _ := holder(t, c, key)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if lease, err := newLiveLock(t, c, key, "alloc-b").Acquire(ctx); err == nil {
			lease.Release(context.Background())
		}
	}()
	waiters := func() []string {
		all, _, err := c.Session().List(nil)
		if err != nil {
			t.Error(err)
			return nil
		}
		var out []string
		for _, e := range all {
			if e.Name == "whatsapp-instance "+key && e.ID != holderID {
				out = append(out, e.ID)
			}
		}
		return out
	}
	var first string
	polltest.Eventually(t, 5*time.Second, "the waiter's session", func() bool {
		w := waiters()
		if len(w) == 1 {
			first = w[0]
		}
		return first != ""
	})
	time.Sleep(300 * time.Millisecond) // the waiter is in its blocking read now
	if _, err := c.Session().Destroy(first, nil); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	polltest.Eventually(t, 5*time.Second, "a new session of the waiter", func() bool {
		w := waiters()
		return len(w) == 1 && w[0] != first
	})
	t.Logf("waiter started over %s after losing its session", time.Since(began).Round(time.Millisecond))
}

func TestLiveLockTakesOverFromItsOwnPreviousRun(t *testing.T) {
	c, key := liveLockCase(t)
	// A previous run of the same allocation holds the lock and was killed:
	// its Consul session lives on until its TTL (10 s) runs out.
	old := acquire(t, newLiveLock(t, c, key, "alloc-a"))
	oldID, _ := holder(t, c, key)

	began := time.Now()
	acquire(t, newLiveLock(t, c, key, "alloc-a"))
	if d := time.Since(began); d >= 10*time.Second {
		t.Errorf("took over after %v, want well before the old session's TTL", d)
	}
	if h, owner := holder(t, c, key); h == "" || h == oldID || owner != "alloc-a" {
		t.Errorf("after take-over: holder %q owner %q, want a new session of alloc-a", h, owner)
	}
	if sessionExists(t, c, oldID) {
		t.Error("the previous run's session survived the take-over")
	}
	lostWithin(t, old, 5*time.Second, "a successor took the lock over")
}

func TestLiveLockFencesBeforeConsulFreesTheKey(t *testing.T) {
	addr := liveAddr(t)
	c, key := liveLockCase(t)

	// The lease talks to Consul through a proxy the test can cut, as a
	// network partition between a worker and its agent would.
	target, err := url.Parse(addr)
	if err != nil {
		t.Fatal(err)
	}
	var cut atomic.Bool
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cut.Load() {
			http.Error(w, "partitioned", http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	lease := acquire(t, newLiveLock(t, newLiveClient(t, proxy.URL), key, "alloc-a"))
	t.Cleanup(func() { cut.Store(false) }) // runs before the release in acquire's cleanup
	id, _ := holder(t, c, key)

	cut.Store(true)
	lostWithin(t, lease, 5*time.Second, "renewals started failing")
	// The fence fired while Consul still holds the key for this session:
	// nobody else could have taken the lock yet, so the two never overlap.
	if h, _ := holder(t, c, key); h != id {
		t.Errorf("when the lease was fenced the key was held by %q, want still %q", h, id)
	}
	if !sessionExists(t, c, id) {
		t.Error("when the lease was fenced Consul had already dropped its session")
	}
}
