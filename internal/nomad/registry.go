package nomad

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Registry is a gateway.Registry over Nomad's native service discovery
// (DISCOVERY=nomad, service provider "nomad"): one blocking query on the
// workers' service, indexed by session. Nomad does not filter native
// registrations by health, so an entry can point at a worker that is
// still waiting for its session lock; calls to it fail with the worker's
// own "not running" answer until it connects. Consul discovery routes to
// healthy workers only and is preferred.
type Registry struct {
	client  *api.Client
	service string
	q       func(context.Context) *api.QueryOptions
	log     *slog.Logger
	wait    time.Duration

	table  atomic.Pointer[map[string]string]
	synced chan struct{}
	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
}

var _ gateway.Registry = (*Registry)(nil)

// NewRegistry starts watching the scheduler's worker service; Close stops it.
func (s *Scheduler) NewRegistry() *Registry {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Registry{client: s.cfg.Client, service: s.cfg.ServiceName, q: s.query, log: s.log.With("registry", "nomad"),
		wait: s.cfg.WatchWait, synced: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	go r.watch(ctx, s.cfg.RetryMin, s.cfg.RetryMax)
	return r
}

// Close stops the watch.
func (r *Registry) Close() error {
	r.cancel()
	<-r.done
	return nil
}

// Ping checks Nomad answers.
func (r *Registry) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var leader string
	_, err := r.client.Raw().Query("/v1/status/leader", &leader, r.q(ctx))
	return translate(err, "status")
}

// Endpoint returns the session's registered worker; CodeUnavailable when
// it has none, or before Nomad first answered.
func (r *Registry) Endpoint(ctx context.Context, sessionID string) (gateway.Endpoint, error) {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-r.synced:
	case <-t.C:
		return gateway.Endpoint{}, gateway.Errorf(gateway.CodeUnavailable, "Service discovery has not answered yet; try again in a few seconds.")
	case <-ctx.Done():
		return gateway.Endpoint{}, gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "Service discovery has not answered yet; try again in a few seconds.")
	}
	if url, ok := (*r.table.Load())[sessionID]; ok {
		return gateway.Endpoint{URL: url}, nil
	}
	return gateway.Endpoint{}, gateway.Errorf(gateway.CodeUnavailable, "The session has no running instance right now; it may be starting, restarting or stopped. Try again in a few seconds.")
}

func (r *Registry) watch(ctx context.Context, lo, hi time.Duration) {
	defer close(r.done)
	var index uint64
	failures := 0
	for ctx.Err() == nil {
		q := r.q(ctx)
		q.WaitIndex, q.WaitTime = index, r.wait
		regs, meta, err := r.client.Services().Get(r.service, q)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures == 1 || failures%10 == 0 {
				r.log.Warn("nomad service watch failed; keeping the last known workers", "error", err)
			}
			backoff.Sleep(ctx, backoff.Jittered(lo, hi, failures))
			continue
		}
		failures = 0
		index = nextIndex(index, meta.LastIndex)
		t := map[string]string{}
		newest := map[string]uint64{}
		for _, reg := range regs {
			sid := ""
			for _, tag := range reg.Tags {
				if v, ok := strings.CutPrefix(tag, "session-"); ok {
					sid = v
				}
			}
			if sid == "" || reg.Port == 0 || reg.CreateIndex < newest[sid] {
				continue
			}
			newest[sid] = reg.CreateIndex
			t[sid] = "http://" + net.JoinHostPort(reg.Address, strconv.Itoa(reg.Port))
		}
		r.table.Store(&t)
		r.once.Do(func() { close(r.synced) })
		backoff.Sleep(ctx, 100*time.Millisecond)
	}
}
