package api

import (
	"context"
	"sync"
)

// userWatch is the user cache's subscription to change notices.
type userWatch struct {
	mu     sync.Mutex
	cancel func()
}

// UsersChangedTopic carries the id of a user whose account changed (plan,
// suspension), so every gateway drops it from its user cache at once
// instead of within the cache's TTL.
const UsersChangedTopic = "users.changed"

// watchUserChanges forgets cached users other gateways (and this one) say
// changed. The subscription lasts as long as the bus.
func (s *Server) watchUserChanges() {
	if s.deps.Bus == nil || s.cfg.UserCacheTTL <= 0 {
		return
	}
	cancel, err := s.deps.Bus.Subscribe(context.Background(), UsersChangedTopic, func(p []byte) {
		s.users.forget(string(p))
	})
	if err != nil {
		s.log.Warn("user cache without change notices", "err", err)
		return
	}
	s.watch.mu.Lock()
	s.watch.cancel = cancel
	s.watch.mu.Unlock()
}

// Close ends the server's subscriptions; the composition root calls it on shutdown.
func (s *Server) Close() {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	if s.watch.cancel != nil {
		s.watch.cancel()
		s.watch.cancel = nil
	}
}

// userChanged drops a user from this gateway's cache and tells the others.
func (s *Server) userChanged(ctx context.Context, id string) {
	s.users.forget(id)
	if s.deps.Bus != nil {
		if err := s.deps.Bus.Publish(context.WithoutCancel(ctx), UsersChangedTopic, []byte(id)); err != nil {
			s.log.Warn("publish user change", "err", err)
		}
	}
}
