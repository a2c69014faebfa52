package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// patience is how long a test waits for asynchronous work.
const patience = 5 * time.Second

// fakeRunner serves /health and runs until cancelled, or as run says.
type fakeRunner struct {
	session string
	runs    atomic.Int32
	run     func(ctx context.Context, n int32) error
	exited  atomic.Int32
}

func (f *fakeRunner) Run(ctx context.Context) error {
	n := f.runs.Add(1)
	defer f.exited.Add(1)
	if f.run != nil {
		return f.run(ctx, n)
	}
	<-ctx.Done()
	return nil
}

func (f *fakeRunner) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, f.session)
	})
}

// freeRange finds n consecutive ports nothing listens on, below the
// ephemeral range so other tests' :0 listeners do not land in it, and
// below 21000, where the gateway's tests place their instances (packages
// run in parallel: a port checked free here may be taken there before a
// test uses it).
func freeRange(t *testing.T, n int) (int, int) {
	t.Helper()
	for base := 11000 + 37*(int(time.Now().UnixNano())%100); base < 21000; base += n + 7 {
		ok := true
		for p := base; p < base+n; p++ {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				ok = false
				break
			}
			ln.Close()
		}
		if ok {
			return base, base + n - 1
		}
	}
	t.Fatal("no free port range")
	return 0, 0
}

type harness struct {
	s       *Scheduler
	mu      sync.Mutex
	runners map[string]*fakeRunner
	built   atomic.Int32
	reports chan gateway.InstanceReport
}

func newHarness(t *testing.T, ports int, run func(ctx context.Context, n int32) error) *harness {
	t.Helper()
	start, end := freeRange(t, ports)
	h := &harness{runners: map[string]*fakeRunner{}, reports: make(chan gateway.InstanceReport, 64)}
	h.s = New(Config{
		PortStart: start, PortEnd: end,
		NewRunner: func(_ context.Context, spec gateway.InstanceSpec) (Runner, error) {
			h.built.Add(1)
			r := &fakeRunner{session: spec.SessionID, run: run}
			h.mu.Lock()
			h.runners[spec.SessionID] = r
			h.mu.Unlock()
			return r, nil
		},
		Report:  func(r gateway.InstanceReport) { h.reports <- r },
		Backoff: Backoff{Min: time.Millisecond, Max: 5 * time.Millisecond},
	})
	t.Cleanup(func() { _ = h.s.Close() })
	return h
}

func (h *harness) runner(id string) *fakeRunner {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.runners[id]
}

func spec(id string) gateway.InstanceSpec {
	return gateway.InstanceSpec{InstanceID: "inst-" + id, SessionID: id, UserID: "user-1", Engine: gateway.EngineSandbox}
}

var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

// get fetches url and returns the body.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestPortsAllocatedAndReleased(t *testing.T) {
	h := newHarness(t, 3, nil)
	ctx := context.Background()
	first := h.s.cfg.PortStart

	a, err := h.s.Start(ctx, spec("a"))
	if err != nil {
		t.Fatalf("Start a: %v", err)
	}
	b, err := h.s.Start(ctx, spec("b"))
	if err != nil {
		t.Fatalf("Start b: %v", err)
	}
	if a.Port != first || b.Port != first+1 || a.Driver != "local" || a.Address != "127.0.0.1:"+strconv.Itoa(first) {
		t.Fatalf("got placements %+v and %+v, want the first two ports", a, b)
	}
	ep, err := h.s.Endpoint(ctx, "b")
	if err != nil || ep.URL != "http://127.0.0.1:"+strconv.Itoa(first+1) {
		t.Fatalf("got endpoint %+v (%v)", ep, err)
	}
	if got := get(t, ep.URL+"/health"); got != "b" {
		t.Errorf("got %q from b's port, want b's handler", got)
	}

	if err := h.s.Stop(ctx, "a"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if r := h.runner("a"); r.exited.Load() != 1 {
		t.Errorf("Run of a exited %d times after Stop, want 1 (Stop waits for it)", r.exited.Load())
	}
	if _, err := h.s.Endpoint(ctx, "a"); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Errorf("endpoint of a stopped session: got %v, want unavailable", err)
	}
	ln, err := net.Listen("tcp", a.Address)
	if err != nil {
		t.Fatalf("a's port is still held after Stop: %v", err)
	}
	ln.Close()
	if err := h.s.Stop(ctx, "a"); err != nil {
		t.Errorf("second Stop: %v, want nil", err)
	}
	c, err := h.s.Start(ctx, spec("c"))
	if err != nil || c.Port != first {
		t.Errorf("got %+v (%v), want the freed first port", c, err)
	}
	select {
	case r := <-h.reports:
		t.Errorf("got report %+v, want none for plain starts and stops", r)
	default:
	}
}

func TestSkipsPortsHeldElsewhere(t *testing.T) {
	h := newHarness(t, 2, nil)
	held, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(h.s.cfg.PortStart))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	p, err := h.s.Start(context.Background(), spec("a"))
	if err != nil || p.Port != h.s.cfg.PortStart+1 {
		t.Errorf("got %+v (%v), want the second port", p, err)
	}
}

func TestNoFreePort(t *testing.T) {
	h := newHarness(t, 2, nil)
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		if _, err := h.s.Start(ctx, spec(id)); err != nil {
			t.Fatalf("Start %s: %v", id, err)
		}
	}
	_, err := h.s.Start(ctx, spec("c"))
	want := fmt.Sprintf("No free instance port in %d–%d.", h.s.cfg.PortStart, h.s.cfg.PortEnd)
	if !gateway.IsCode(err, gateway.CodeUnavailable) || gateway.ErrorMessage(err) != want {
		t.Fatalf("got %v, want unavailable %q", err, want)
	}
	if _, err := h.s.Endpoint(ctx, "c"); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Errorf("failed start left an endpoint: %v", err)
	}
	// The failed start left nothing behind: after a stop, c starts.
	if err := h.s.Stop(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Start(ctx, spec("c")); err != nil {
		t.Errorf("Start c after a stop: %v", err)
	}
}

func TestStartIsIdempotent(t *testing.T) {
	h := newHarness(t, 5, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]gateway.Placement, 20)
	for i := range got {
		wg.Go(func() {
			p, err := h.s.Start(ctx, spec("a"))
			if err != nil {
				t.Errorf("Start: %v", err)
			}
			got[i] = p
		})
	}
	wg.Wait()
	for i, p := range got {
		if p != got[0] {
			t.Errorf("start %d got %+v, want %+v", i, p, got[0])
		}
	}
	if n := h.built.Load(); n != 1 {
		t.Errorf("built %d runners, want 1", n)
	}
	if n := h.s.Running(); n != 1 {
		t.Errorf("got %d running, want 1", n)
	}
}

func TestCrashRestarts(t *testing.T) {
	tests := []struct {
		name  string
		crash func() error
	}{
		{"panic", func() error { panic("boom") }},
		{"error", func() error { return errors.New("database gone") }},
		{"early return", func() error { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, 1, func(ctx context.Context, n int32) error {
				if n == 1 {
					return tt.crash()
				}
				<-ctx.Done()
				return nil
			})
			ctx := context.Background()
			p, err := h.s.Start(ctx, spec("a"))
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			var reports []gateway.InstanceReport
			for len(reports) < 2 {
				select {
				case r := <-h.reports:
					reports = append(reports, r)
				case <-time.After(5 * time.Second):
					t.Fatalf("got reports %+v, want restarting then running", reports)
				}
			}
			r0, r1 := reports[0], reports[1]
			if r0.SessionID != "a" || r0.InstanceID != "inst-a" || r0.UserID != "user-1" {
				t.Errorf("got report %+v, want it to name the instance", r0)
			}
			if r0.Update.Status != gateway.InstanceRestarting || r0.Update.Restarts != 1 || r0.Update.LastError == "" {
				t.Errorf("got first update %+v, want restarting, 1 restart, an error", r0.Update)
			}
			if r1.Update.Status != gateway.InstanceRunning || r1.Update.Restarts != 1 {
				t.Errorf("got second update %+v, want running after 1 restart", r1.Update)
			}
			polltest.Eventually(t, patience, "a second run of worker a", func() bool { return h.runner("a").runs.Load() == 2 })
			// The port and server survived the crash.
			if got := get(t, "http://"+p.Address+"/health"); got != "a" {
				t.Errorf("got %q after the restart, want a's handler", got)
			}
		})
	}
}

func TestStopDuringBackoff(t *testing.T) {
	h := newHarness(t, 1, func(context.Context, int32) error { return errors.New("always") })
	h.s.cfg.Backoff = Backoff{Min: time.Hour, Max: time.Hour}
	ctx := context.Background()
	if _, err := h.s.Start(ctx, spec("a")); err != nil {
		t.Fatal(err)
	}
	<-h.reports // restarting, now waiting an hour
	if err := h.s.Stop(ctx, "a"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if n := h.runner("a").runs.Load(); n != 1 {
		t.Errorf("got %d runs, want 1", n)
	}
}

func TestBackoffDelay(t *testing.T) {
	s := New(Config{Backoff: Backoff{Min: 100 * time.Millisecond, Max: time.Second}})
	defer s.Close()
	for attempt, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 20 {
			d := s.delay(attempt)
			if d < want/2 || d > want {
				t.Errorf("attempt %d: got %v, want in [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	if d := s.delay(1000); d > time.Second {
		t.Errorf("got %v for a huge attempt, want capped at 1s", d)
	}
}

func TestManyInstances(t *testing.T) {
	base := runtime.NumGoroutine()
	const n = 200
	h := newHarness(t, n, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	ports := make([]gateway.Placement, n)
	for i := range n {
		wg.Go(func() {
			p, err := h.s.Start(ctx, spec(strconv.Itoa(i)))
			if err != nil {
				t.Errorf("Start %d: %v", i, err)
			}
			ports[i] = p
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, p := range ports {
		if seen[p.Port] {
			t.Errorf("port %d given twice", p.Port)
		}
		seen[p.Port] = true
		ep, err := h.s.Endpoint(ctx, strconv.Itoa(i))
		if err != nil {
			t.Fatalf("Endpoint %d: %v", i, err)
		}
		wg.Go(func() {
			if got := get(t, ep.URL+"/health"); got != strconv.Itoa(i) {
				t.Errorf("session %d's port answered %q", i, got)
			}
		})
	}
	wg.Wait()
	if _, err := h.s.Start(ctx, spec("one too many")); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Errorf("got %v, want unavailable past the range", err)
	}
	if err := h.s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := h.s.Running(); n != 0 {
		t.Errorf("got %d running after Close, want 0", n)
	}
	if _, err := h.s.Start(ctx, spec("late")); !gateway.IsCode(err, gateway.CodeUnavailable) {
		t.Errorf("Start after Close: got %v, want unavailable", err)
	}
	// Every goroutine (servers, supervisors, connections) is gone.
	polltest.Eventually(t, patience, "the goroutines back to the base count", func() bool { return runtime.NumGoroutine() <= base })
	if got := runtime.NumGoroutine(); got > base {
		t.Errorf("got %d goroutines, want at most %d", got, base)
	}
}
