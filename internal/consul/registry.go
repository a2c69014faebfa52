package consul

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// RegistryConfig is what a Registry is built from.
type RegistryConfig struct {
	Client *api.Client
	// Service is the workers' Consul service name (default DefaultService).
	Service string
	// WaitTime bounds one blocking query (default 5 min; Consul caps it at 10).
	WaitTime time.Duration
	// MinInterval is the least time between two queries, so a flapping
	// service cannot make the watch spin (default 100 ms).
	MinInterval time.Duration
	// RetryMin and RetryMax bound the backoff after a failed query
	// (defaults 500 ms and 30 s).
	RetryMin, RetryMax time.Duration
	// FirstSync is how long Endpoint waits for the first answer after
	// start before it gives up (default 5 s).
	FirstSync time.Duration
	Logger    *slog.Logger
}

// Registry is a gateway.Registry over Consul's health endpoint: one
// blocking query on the workers' service, passing entries only, indexed by
// session. Endpoint answers from memory; a watch failure keeps the last
// good table, so a Consul hiccup does not cut traffic to healthy workers.
type Registry struct {
	cfg    RegistryConfig
	log    *slog.Logger
	table  atomic.Pointer[routes]
	synced chan struct{} // closed after the first successful query
	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
}

var _ gateway.Registry = (*Registry)(nil)

// routes is one immutable snapshot of the healthy workers.
type routes struct {
	bySession map[string]route
	index     uint64
}

type route struct {
	url         string
	createIndex uint64
}

// NewRegistry starts watching; Close stops it.
func NewRegistry(cfg RegistryConfig) *Registry {
	cfg.Service = cmp.Or(cfg.Service, DefaultService)
	defaults.Positive(&cfg.WaitTime, 5*time.Minute)
	defaults.Positive(&cfg.MinInterval, 100*time.Millisecond)
	backoff.Bounds(&cfg.RetryMin, &cfg.RetryMax)
	defaults.Positive(&cfg.FirstSync, 5*time.Second)
	cfg.Logger = defaults.Logger(cfg.Logger)
	ctx, cancel := context.WithCancel(context.Background())
	r := &Registry{
		cfg: cfg, log: cfg.Logger.With("registry", "consul", "service", cfg.Service),
		synced: make(chan struct{}), cancel: cancel, done: make(chan struct{}),
	}
	go r.watch(ctx)
	return r
}

// Close stops the watch and waits for it.
func (r *Registry) Close() error {
	r.cancel()
	<-r.done
	return nil
}

// Endpoint returns the URL of the session's healthy worker. CodeUnavailable
// while it has none (starting, restarting, failed over, stopped) or while
// Consul has not answered yet.
func (r *Registry) Endpoint(ctx context.Context, sessionID string) (gateway.Endpoint, error) {
	select {
	case <-r.synced:
	default:
		t := time.NewTimer(r.cfg.FirstSync)
		defer t.Stop()
		select {
		case <-r.synced:
		case <-t.C:
			return gateway.Endpoint{}, gateway.Errorf(gateway.CodeUnavailable, "Service discovery has not answered yet; try again in a few seconds.")
		case <-ctx.Done():
			return gateway.Endpoint{}, gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "Service discovery has not answered yet; try again in a few seconds.")
		}
	}
	if rt, ok := r.table.Load().bySession[sessionID]; ok {
		return gateway.Endpoint{URL: rt.url}, nil
	}
	return gateway.Endpoint{}, gateway.Errorf(gateway.CodeUnavailable, "The session has no healthy instance right now; it may be starting, restarting or stopped. Try again in a few seconds.")
}

// Ping checks Consul answers (health).
func (r *Registry) Ping(ctx context.Context) error { return Ping(ctx, r.cfg.Client) }

// Healthy counts the sessions with a healthy worker, as last seen.
func (r *Registry) Healthy() int {
	if t := r.table.Load(); t != nil {
		return len(t.bySession)
	}
	return 0
}

// watch is the blocking-query loop: it resets the index when Consul's goes
// backwards (a snapshot restore or a new leader), backs off after errors
// and keeps the last good table meanwhile.
func (r *Registry) watch(ctx context.Context) {
	defer close(r.done)
	var index uint64
	failures := 0
	for ctx.Err() == nil {
		began := time.Now()
		q := (&api.QueryOptions{WaitIndex: index, WaitTime: r.cfg.WaitTime}).WithContext(ctx)
		entries, meta, err := r.cfg.Client.Health().Service(r.cfg.Service, "", true, q)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			d := backoff.Jittered(r.cfg.RetryMin, r.cfg.RetryMax, failures)
			if failures == 1 || failures%10 == 0 {
				r.log.Warn("consul watch failed; keeping the last known workers", "error", err, "failures", failures, "retry_in", d)
			}
			backoff.Sleep(ctx, d)
			continue
		}
		if failures > 0 {
			r.log.Info("consul watch recovered", "after_failures", failures)
		}
		failures = 0
		switch {
		case meta.LastIndex < index:
			index = 0 // went backwards: resync without blocking
		case meta.LastIndex == 0:
			index = 1 // never block on 0 after the first answer
		default:
			index = meta.LastIndex
		}
		r.table.Store(buildRoutes(entries, meta.LastIndex))
		r.once.Do(func() { close(r.synced) })
		if wait := r.cfg.MinInterval - time.Since(began); wait > 0 {
			backoff.Sleep(ctx, wait)
		}
	}
}

// buildRoutes indexes passing entries by session, preferring the newest
// registration when two claim a session (a failover in progress: the old
// one is about to go).
func buildRoutes(entries []*api.ServiceEntry, index uint64) *routes {
	t := &routes{bySession: make(map[string]route, len(entries)), index: index}
	for _, e := range entries {
		if e == nil || e.Service == nil {
			continue
		}
		sid := sessionOf(e.Service)
		if sid == "" || e.Service.Port == 0 {
			continue
		}
		host := e.Service.Address
		if host == "" && e.Node != nil {
			host = e.Node.Address
		}
		if host == "" {
			continue
		}
		rt := route{url: "http://" + net.JoinHostPort(host, strconv.Itoa(e.Service.Port)), createIndex: e.Service.CreateIndex}
		if old, ok := t.bySession[sid]; ok && old.createIndex > rt.createIndex {
			continue
		}
		t.bySession[sid] = rt
	}
	return t
}

func sessionOf(s *api.AgentService) string {
	if id := s.Meta[SessionMetaKey]; id != "" {
		return id
	}
	for _, tag := range s.Tags {
		if id, ok := strings.CutPrefix(tag, "session-"); ok && id != "" {
			return id
		}
	}
	return ""
}
