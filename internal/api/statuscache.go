package api

import (
	"context"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/changes"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
)

// statusCache keeps the answers of the live views (a session's worker
// status, an instance) for a moment, so a warm gateway answers a status poll
// from memory instead of with two queries and a call to the worker. Entries
// are keyed by the resource's id and hold the tenant they were read for: a
// hit for any other tenant is a miss, and the read behind it answers 404 as
// before.
//
// Every change drops its entry: here at once when this gateway made it or
// its own worker saw it, on the other gateways when the bus notice arrives
// (STATUS_CACHE_TTL bounds a lost notice). A read that was under way when a
// change landed may hold the state from before it, so it is answered but
// not kept; nor are answers in a transition (starting, reconnecting), which
// move on by themselves.
type statusCache[V any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*statusEntry[V]
}

type statusEntry[V any] struct {
	owner string
	v     V
	exp   time.Time
	held  bool   // v is an answer; otherwise a read may be under way
	gen   uint64 // counts forgets, so a read can tell one landed while it ran
}

func newStatusCache[V any](ttl time.Duration) *statusCache[V] {
	return &statusCache[V]{ttl: ttl, m: map[string]*statusEntry[V]{}}
}

// get answers key for owner from memory, or loads it; keep says whether an
// answer may be kept (not a transition).
func (c *statusCache[V]) get(ctx context.Context, owner, key string, load func(context.Context) (V, error), keep func(V) bool) (V, error) {
	if c.ttl <= 0 {
		return load(ctx)
	}
	now := time.Now()
	c.mu.Lock()
	e := c.m[key]
	if e != nil && e.held && e.owner == owner && now.Before(e.exp) {
		v := e.v
		c.mu.Unlock()
		return v, nil
	}
	if e == nil {
		if len(c.m) >= maxCached {
			c.m = map[string]*statusEntry[V]{} // reads under way see their entry gone and keep nothing
		}
		e = &statusEntry[V]{}
		c.m[key] = e
	}
	gen := e.gen
	c.mu.Unlock()

	v, err := load(ctx)
	if err != nil || !keep(v) {
		return v, err
	}
	c.mu.Lock()
	if c.m[key] == e && e.gen == gen {
		e.owner, e.v, e.exp, e.held = owner, v, now.Add(c.ttl), true
	}
	c.mu.Unlock()
	return v, nil
}

// forget drops key's answer and spoils any read of it under way.
func (c *statusCache[V]) forget(key string) {
	c.mu.Lock()
	if e := c.m[key]; e != nil {
		var zero V
		e.v, e.held = zero, false
		e.gen++
	}
	c.mu.Unlock()
}

// settledStatus reports whether a worker's status may be kept: not while
// the worker is on its way somewhere (no engine yet, starting, reconnecting).
func settledStatus(st *instanceapi.Status) bool {
	switch st.State {
	case "", gateway.SessionCreated, gateway.SessionStarting, gateway.SessionReconnecting:
		return false
	}
	return true
}

// settledInstance reports whether an instance's view may be kept: not while
// it is pending, starting or restarting.
func settledInstance(i *gateway.Instance) bool {
	switch i.Status {
	case gateway.InstancePending, gateway.InstanceStarting, gateway.InstanceRestarting:
		return false
	}
	return true
}

// sessionStatus is GET /sessions/{id}/status's answer, through the cache.
func (s *Server) sessionStatus(ctx context.Context, userID, id string) (*instanceapi.Status, error) {
	return s.statuses.get(ctx, userID, id, func(ctx context.Context) (*instanceapi.Status, error) {
		return s.svc.WorkerStatus(ctx, userID, id)
	}, settledStatus)
}

// instance is one of the tenant's instances, through the cache.
func (s *Server) instance(ctx context.Context, userID, id string) (*gateway.Instance, error) {
	return s.instances.get(ctx, userID, id, func(ctx context.Context) (*gateway.Instance, error) {
		return s.svc.Instance(ctx, userID, id)
	}, settledInstance)
}

// SessionChanged drops the session's status here and tells the other
// gateways. The composition root calls it for each change an in-process
// worker reports and each change the use cases commit; it never blocks.
func (s *Server) SessionChanged(id string) {
	s.statuses.forget(id)
	s.notices.publish(gateway.TopicSessionsChanged, id)
}

// InstanceChanged drops the instance's view here and tells the other
// gateways; it never blocks.
func (s *Server) InstanceChanged(id string) {
	s.instances.forget(id)
	s.notices.publish(gateway.TopicInstancesChanged, id)
}

// notices publishes change notices when there is a bus (nil: none).
type notices struct{ p *changes.Publisher }

func (n notices) publish(topic, id string) {
	if n.p != nil {
		n.p.Publish(topic, id)
	}
}

// watchStatusChanges forgets the statuses and instances other gateways and
// workers say changed.
func (s *Server) watchStatusChanges() {
	if s.deps.Bus == nil {
		return
	}
	s.notices.p = changes.NewPublisher(s.deps.Bus, s.log)
	if s.cfg.StatusCacheTTL <= 0 {
		return
	}
	for topic, forget := range map[string]func(string){
		gateway.TopicSessionsChanged:  s.statuses.forget,
		gateway.TopicInstancesChanged: s.instances.forget,
	} {
		cancel, err := s.deps.Bus.Subscribe(context.Background(), topic, func(p []byte) { forget(string(p)) })
		if err != nil {
			// Without notices another gateway's change would go unseen
			// for a whole TTL: answer every read live instead.
			s.log.Warn("status cache off: no change notices", "topic", topic, "err", err)
			s.statuses.ttl, s.instances.ttl = 0, 0
			continue
		}
		s.watch.mu.Lock()
		s.watch.cancels = append(s.watch.cancels, cancel)
		s.watch.mu.Unlock()
	}
}
