package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/postgres"
	"github.com/whatsapp-saas/gateway/internal/postgres/pgtest"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
	"github.com/whatsapp-saas/gateway/internal/sqlstore"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// benchStore is a store with the OnCommit hook the gateway wires.
type benchStore interface {
	gateway.Store
	OnCommit(func(sqlstore.Committed))
}

func benchStores(b *testing.B) map[string]func(b *testing.B) benchStore {
	m := map[string]func(b *testing.B) benchStore{
		"sqlite": func(b *testing.B) benchStore {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
	}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		m["postgres"] = func(b *testing.B) benchStore {
			st, err := postgres.Open(context.Background(), pgtest.FreshSchema(b), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		}
	}
	return m
}

// benchFixture is a tenant with endpoints on a fast local receiver that
// notes when each event first arrives.
type benchFixture struct {
	st      benchStore
	user    *gateway.User
	session *gateway.Session
	srv     *httptest.Server
	got     atomic.Int64
	mu      sync.Mutex
	arrived map[string]time.Time
}

func newBenchFixture(b *testing.B, st benchStore, endpoints int) *benchFixture {
	f := &benchFixture{st: st, arrived: map[string]time.Time{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		now := time.Now()
		id := r.Header.Get("webhook-id")
		f.mu.Lock()
		if _, ok := f.arrived[id]; !ok {
			f.arrived[id] = now
		}
		f.mu.Unlock()
		f.got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(f.srv.Close)
	ctx := context.Background()
	f.user = &gateway.User{Email: "bench@example.com", Role: gateway.RoleUser, Status: gateway.UserActive, PlanID: "free"}
	if err := st.CreateUser(ctx, f.user); err != nil {
		b.Fatal(err)
	}
	f.session = &gateway.Session{UserID: f.user.ID, Name: "bench", Engine: gateway.EngineSandbox, Status: gateway.SessionConnected}
	if err := st.CreateSession(ctx, f.session); err != nil {
		b.Fatal(err)
	}
	for range endpoints {
		w := &gateway.Webhook{UserID: f.user.ID, URL: f.srv.URL, Events: []string{"*"}, Active: true, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
		if err := st.CreateWebhook(ctx, w); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// write stores n message.status events, per transactions of batch.
func (f *benchFixture) write(b *testing.B, n, batch int) []*gateway.Event {
	var all []*gateway.Event
	for n > 0 {
		k := min(n, batch)
		evs := make([]*gateway.Event, k)
		for i := range evs {
			evs[i] = gateway.NewEvent(f.user.ID, f.session.ID, gateway.EventMessageStatus,
				gateway.MessageStatusData{MessageID: "m", SessionID: f.session.ID, Recipient: "15550001111", Status: gateway.MessageDelivered})
		}
		if _, err := f.st.SetSessionState(context.Background(), f.user.ID, f.session.ID, gateway.SessionState{}, evs...); err != nil {
			b.Fatal(err)
		}
		all = append(all, evs...)
		n -= k
	}
	return all
}

func newBenchDispatcher(b *testing.B, st benchStore) *Dispatcher {
	bus := inmem.NewBus()
	d := New(Config{Store: st, Bus: bus, Client: ssrf.New(ssrf.Options{AllowPrivate: true}).Client(5 * time.Second),
		Workers: 128, PerEndpoint: 32, PerTenant: 128, PollInterval: time.Second})
	st.OnCommit(func(c sqlstore.Committed) {
		if c.Deliveries > 0 {
			d.Wake()
		}
	})
	return running(b, context.Background(), d)
}

// BenchmarkDispatchThroughput drains a backlog of deliveries to a fast
// local receiver: 4 endpoints × b.N/4 events, written before the clock
// starts; the clock stops when every result is recorded in the store.
func BenchmarkDispatchThroughput(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			st := open(b)
			f := newBenchFixture(b, st, 4)
			events := max(b.N/4, 1)
			f.write(b, events, 500)
			total := int64(events * 4)
			b.ResetTimer()
			start := time.Now()
			d := newBenchDispatcher(b, st)
			for d.Stats().Succeeded < total {
				time.Sleep(time.Millisecond) // a tight poll: polltest's coarser one would add to the measured time
			}
			// Results are recorded in batches: wait for the last one.
			for {
				m, err := st.CountDeliveries(context.Background(), f.user.ID, time.Time{})
				if err != nil {
					b.Fatal(err)
				}
				if int64(m[gateway.DeliverySucceeded]) == total {
					break
				}
				time.Sleep(time.Millisecond) // as above: the wait is part of the measurement
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkEventToDeliveryLag writes events one transaction each at a
// steady rate (500/s, 2 endpoints, so 1,000 deliveries/s) with the
// dispatcher running, and reports the lag from each commit to the
// receiver's first sight of it (the clock starts before the write, so the
// lag includes the commit).
func BenchmarkEventToDeliveryLag(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			st := open(b)
			f := newBenchFixture(b, st, 2)
			newBenchDispatcher(b, st)
			n := max(b.N, 200)
			committed := make(map[string]time.Time, n)
			tick := time.NewTicker(2 * time.Millisecond)
			defer tick.Stop()
			b.ResetTimer()
			for range n {
				<-tick.C
				t0 := time.Now()
				evs := f.write(b, 1, 1)
				committed[evs[0].ID] = t0
			}
			deadline := time.Now().Add(60 * time.Second)
			for f.got.Load() < int64(2*n) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond) // as above: the wait is part of the measurement
			}
			b.StopTimer()
			f.mu.Lock()
			defer f.mu.Unlock()
			lags := make([]time.Duration, 0, n)
			for id, at := range committed {
				got, ok := f.arrived[id]
				if !ok {
					b.Fatalf("event %s never arrived", id)
				}
				lags = append(lags, max(got.Sub(at), 0))
			}
			slices.Sort(lags)
			q := func(p float64) float64 {
				return float64(lags[int(p*float64(len(lags)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(q(0.5), "lag-p50-ms")
			b.ReportMetric(q(0.99), "lag-p99-ms")
			b.ReportMetric(q(1), "lag-max-ms")
		})
	}
}
