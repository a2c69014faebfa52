package consul_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/whatsapp-saas/gateway/internal/consul"
	"github.com/whatsapp-saas/gateway/internal/consul/consultest"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// patience is how long a test waits for asynchronous work.
const patience = 10 * time.Second

func newRegistry(t *testing.T, fake *consultest.Server) *consul.Registry {
	t.Helper()
	r := consul.NewRegistry(consul.RegistryConfig{
		Client: fake.Client(), WaitTime: 2 * time.Second, MinInterval: time.Millisecond,
		RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, FirstSync: 2 * time.Second,
	})
	t.Cleanup(func() { r.Close() })
	return r
}

func endpointOf(r *consul.Registry, sid string) (string, error) {
	ep, err := r.Endpoint(context.Background(), sid)
	return ep.URL, err
}

func TestRegistryFollowsHealthyEntries(t *testing.T) {
	fake := consultest.New(t)
	r := newRegistry(t, fake)

	_, err := endpointOf(r, "s1")
	if gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Fatalf("no worker: got %v, want CodeUnavailable", err)
	}
	if msg := gateway.ErrorMessage(err); !strings.Contains(msg, "no healthy instance") {
		t.Errorf("message %q does not say why", msg)
	}

	fake.AddWorker("wa-worker", "w1", "s1", "10.0.0.7", 25123, api.HealthPassing)
	fake.AddWorker("wa-worker", "w2", "s2", "", 25124, api.HealthCritical) // not healthy yet
	fake.AddWorker("other", "o1", "s3", "10.0.0.9", 1, api.HealthPassing)  // another service
	polltest.Eventually(t, patience, "s1 routable", func() bool { u, _ := endpointOf(r, "s1"); return u == "http://10.0.0.7:25123" })
	if _, err := endpointOf(r, "s2"); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Errorf("critical worker: got %v, want CodeUnavailable", err)
	}
	if _, err := endpointOf(r, "s3"); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Errorf("other service: got %v, want CodeUnavailable", err)
	}

	// Passing again: routed, with the node's address when the service has none.
	fake.SetCheck("w2", api.HealthPassing)
	polltest.Eventually(t, patience, "s2 routable", func() bool { u, _ := endpointOf(r, "s2"); return u == "http://10.0.0.1:25124" })

	// The worker dies: the check goes critical and the route disappears.
	fake.SetCheck("w1", api.HealthCritical)
	polltest.Eventually(t, patience, "s1 gone", func() bool { _, err := endpointOf(r, "s1"); return err != nil })

	// A replacement registers elsewhere: traffic resumes by itself.
	fake.Remove("w1")
	fake.AddWorker("wa-worker", "w1b", "s1", "10.0.0.8", 26000, api.HealthPassing)
	polltest.Eventually(t, patience, "s1 back", func() bool { u, _ := endpointOf(r, "s1"); return u == "http://10.0.0.8:26000" })
	if got := r.Healthy(); got != 2 {
		t.Errorf("got %d healthy sessions, want 2", got)
	}
}

func TestRegistryPrefersNewestRegistrationDuringFailover(t *testing.T) {
	fake := consultest.New(t)
	fake.AddWorker("wa-worker", "old", "s1", "10.0.0.1", 1000, api.HealthPassing)
	fake.AddWorker("wa-worker", "new", "s1", "10.0.0.2", 2000, api.HealthPassing)
	r := newRegistry(t, fake)
	if u, err := endpointOf(r, "s1"); err != nil || u != "http://10.0.0.2:2000" {
		t.Fatalf("got %q, %v; want the newest registration", u, err)
	}
}

func TestRegistryKeepsLastTableThroughFailures(t *testing.T) {
	fake := consultest.New(t)
	fake.AddWorker("wa-worker", "w1", "s1", "10.0.0.7", 25123, api.HealthPassing)
	r := newRegistry(t, fake)
	if u, err := endpointOf(r, "s1"); err != nil || u != "http://10.0.0.7:25123" {
		t.Fatalf("got %q, %v", u, err)
	}
	before := fake.Requests("GET /v1/health/service/wa-worker")
	fake.FailNext(5)
	fake.AddWorker("wa-worker", "w9", "s9", "10.0.0.9", 9, api.HealthPassing) // wakes the watch into the failures
	polltest.Eventually(t, patience, "the watch to retry past the 500s", func() bool {
		return fake.Requests("GET /v1/health/service/wa-worker") >= before+6
	})
	if u, err := endpointOf(r, "s1"); err != nil || u != "http://10.0.0.7:25123" {
		t.Errorf("during failures: got %q, %v; want the last good route", u, err)
	}
	polltest.Eventually(t, patience, "recovery shows s9", func() bool { _, err := endpointOf(r, "s9"); return err == nil })
}

func TestRegistryHandlesIndexReset(t *testing.T) {
	fake := consultest.New(t)
	r := newRegistry(t, fake)
	fake.AddWorker("wa-worker", "w1", "s1", "10.0.0.7", 1, api.HealthPassing)
	polltest.Eventually(t, patience, "s1", func() bool { _, err := endpointOf(r, "s1"); return err == nil })
	// The index goes back (snapshot restore); a change at a lower index
	// must still be seen, which only works if the watch resynced from 0.
	fake.ResetIndex(3)
	fake.AddWorker("wa-worker", "w2", "s2", "10.0.0.8", 2, api.HealthPassing)
	polltest.Eventually(t, patience, "s2 after reset", func() bool { _, err := endpointOf(r, "s2"); return err == nil })
}

func TestRegistryUnavailableBeforeFirstAnswer(t *testing.T) {
	fake := consultest.New(t)
	fake.Close() // Consul is down from the start
	r := consul.NewRegistry(consul.RegistryConfig{Client: fake.Client(), RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond, FirstSync: 50 * time.Millisecond})
	defer r.Close()
	_, err := endpointOf(r, "s1")
	if gateway.ErrorCode(err) != gateway.CodeUnavailable || !strings.Contains(gateway.ErrorMessage(err), "Service discovery") {
		t.Fatalf("got %v, want CodeUnavailable about discovery", err)
	}
	if err := r.Ping(context.Background()); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Errorf("ping: got %v, want CodeUnavailable", err)
	}
}

func TestRegisterGateway(t *testing.T) {
	fake := consultest.New(t)
	c := fake.Client()
	dereg, err := consul.Register(context.Background(), c, consul.Registration{
		ID: "gw-1", Name: "whatsapp-gateway", Address: "10.0.0.5", Port: 3000, Tags: []string{"http"},
		HealthURL: "http://10.0.0.5:3000/health/ready",
	})
	if err != nil {
		t.Fatal(err)
	}
	e := fake.Registered("gw-1")
	if e == nil || e.Service.Service != "whatsapp-gateway" || e.Service.Port != 3000 || e.Checks[0].Definition.HTTP != "http://10.0.0.5:3000/health/ready" {
		t.Fatalf("got registration %+v", e)
	}
	if got, want := e.Checks[0].Name, "10s/2s/1m0s"; got != want {
		t.Errorf("check timings: got %q, want %q", got, want)
	}
	if err := dereg(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fake.Registered("gw-1") != nil {
		t.Error("still registered after deregister")
	}
	if err := consul.Ping(context.Background(), c); err != nil {
		t.Errorf("ping: %v", err)
	}
}

func newLock(t *testing.T, fake *consultest.Server, owner string) *consul.Lock {
	t.Helper()
	l, err := consul.NewLock(consul.LockConfig{
		Client: fake.Client(), Key: consul.LockKey("", "s1"), Owner: owner,
		TTL: 10 * time.Second, RenewEvery: 10 * time.Millisecond, FenceAfter: 60 * time.Millisecond, RetryDelay: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// acquired is a lease of the lock of owner on the fake, taken at once.
func acquired(t *testing.T, fake *consultest.Server, owner string) *consul.Lease {
	t.Helper()
	l, err := newLock(t, fake, owner).Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// waitLost fails the test unless l is told it is lost within 5s.
func waitLost(t *testing.T, l *consul.Lease, msg string) {
	t.Helper()
	select {
	case <-l.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal(msg)
	}
}

func TestLockExcludesAndHandsOver(t *testing.T) {
	fake := consultest.New(t)
	ctx := context.Background()
	a := acquired(t, fake, "alloc-a")
	key := consul.LockKey("", "s1")
	holder, value := fake.Holder(key)
	var v struct{ Owner string }
	_ = json.Unmarshal(value, &v)
	if holder == "" || v.Owner != "alloc-a" {
		t.Fatalf("holder %q owner %q, want a session of alloc-a", holder, v.Owner)
	}

	got := make(chan *consul.Lease, 1)
	go func() {
		l, err := newLock(t, fake, "alloc-b").Acquire(ctx)
		if err == nil {
			got <- l
		}
	}()
	select {
	case <-got:
		t.Fatal("a second holder acquired a held lock")
	case <-time.After(100 * time.Millisecond):
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	var b *consul.Lease
	select {
	case b = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter did not get the released lock")
	}
	defer b.Release(ctx)
	if h, _ := fake.Holder(key); h == holder || h == "" {
		t.Errorf("holder after hand-over: %q (first was %q)", h, holder)
	}
}

func TestLockTakesOverFromItsOwnPreviousRun(t *testing.T) {
	fake := consultest.New(t)
	ctx := context.Background()
	// A previous run of the same allocation held the lock and was killed:
	// its session is still alive in Consul (renewals stop, TTL not over).
	old := acquired(t, fake, "alloc-a")
	_ = old // never released: the process died
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	l, err := newLock(t, fake, "alloc-a").Acquire(cctx)
	if err != nil {
		t.Fatalf("same owner did not take over: %v", err)
	}
	defer l.Release(ctx)
	waitLost(t, old, "the old lease was not told it is lost")
}

func TestLockLostWhenSessionExpires(t *testing.T) {
	fake := consultest.New(t)
	l := acquired(t, fake, "")
	for _, id := range fake.Sessions() {
		fake.ExpireSession(id)
	}
	waitLost(t, l, "lease not lost after its session expired")
}

func TestLockFencesWhenConsulIsUnreachable(t *testing.T) {
	fake := consultest.New(t)
	l := acquired(t, fake, "")
	fake.FailNext(1 << 30) // every renewal fails from now on
	waitLost(t, l, "lease not fenced while renewals fail")
}

func TestLockAcquireHonoursContext(t *testing.T) {
	fake := consultest.New(t)
	held := acquired(t, fake, "a")
	defer held.Release(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := newLock(t, fake, "b").Acquire(ctx); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Fatalf("got %v, want CodeUnavailable after the context ended", err)
	}
}

// Deleting a held key (an operator cleaning up KV, say) frees it for
// another holder without any lock-delay: the holder must learn it at once.
func TestLockLostWhenKeyDeleted(t *testing.T) {
	fake := consultest.New(t)
	l := acquired(t, fake, "a")
	if _, err := fake.Client().KV().Delete(consul.LockKey("", "s1"), nil); err != nil {
		t.Fatal(err)
	}
	waitLost(t, l, "lease not lost after its key was deleted")
}

func TestLeaseReleaseCanBeRetried(t *testing.T) {
	fake := consultest.New(t)
	ctx := context.Background()
	l := acquired(t, fake, "a")
	key := consul.LockKey("", "s1")
	fake.FailNext(1 << 30)
	if err := l.Release(ctx); gateway.ErrorCode(err) != gateway.CodeUnavailable {
		t.Fatalf("release while Consul fails: %v, want CodeUnavailable", err)
	}
	if h, _ := fake.Holder(key); h == "" {
		t.Fatal("the key was freed although the release failed")
	}
	fake.FailNext(0)
	if err := l.Release(ctx); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if h, _ := fake.Holder(key); h != "" {
		t.Errorf("key still held by %q after a successful release", h)
	}
	if s := fake.Sessions(); len(s) != 0 {
		t.Errorf("sessions left: %v", s)
	}
	if err := l.Release(ctx); err != nil {
		t.Errorf("release after release: %v", err)
	}
}
