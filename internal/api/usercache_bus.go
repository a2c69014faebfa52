package api

import (
	"context"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// userWatch is the authentication caches' subscriptions to change notices.
type userWatch struct {
	mu      sync.Mutex
	cancels []func()
}

// UsersChangedTopic carries the id of a user whose account changed (plan,
// suspension), so every gateway drops it from its user cache at once
// instead of within the cache's TTL.
const UsersChangedTopic = "users.changed"

// APIKeysChangedTopic carries the id of an API key that changed
// (revocation), so every gateway drops it from its key cache at once.
const APIKeysChangedTopic = "apikeys.changed"

// watchUserChanges forgets cached users and keys other gateways (and this
// one) say changed. The subscriptions last as long as the bus.
func (s *Server) watchUserChanges() {
	if s.deps.Bus == nil || s.cfg.UserCacheTTL <= 0 {
		return
	}
	for topic, forget := range map[string]func(string){
		UsersChangedTopic:   s.users.forget,
		APIKeysChangedTopic: s.forgetAPIKey,
	} {
		cancel, err := s.deps.Bus.Subscribe(context.Background(), topic, func(p []byte) { forget(string(p)) })
		if err != nil {
			s.log.Warn("authentication cache without change notices", "topic", topic, "err", err)
			continue
		}
		s.watch.mu.Lock()
		s.watch.cancels = append(s.watch.cancels, cancel)
		s.watch.mu.Unlock()
	}
}

// Close ends the server's subscriptions; the composition root calls it on shutdown.
func (s *Server) Close() {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	for _, cancel := range s.watch.cancels {
		cancel()
	}
	s.watch.cancels = nil
	if s.notices.p != nil {
		s.notices.p.Close()
	}
}

// userChanged drops a user from this gateway's cache and tells the others.
func (s *Server) userChanged(ctx context.Context, id string) {
	s.users.forget(id)
	s.publishChange(ctx, UsersChangedTopic, id)
}

// apiKeyChanged drops a key from this gateway's cache and tells the others.
func (s *Server) apiKeyChanged(ctx context.Context, id string) {
	s.forgetAPIKey(id)
	s.publishChange(ctx, APIKeysChangedTopic, id)
}

func (s *Server) publishChange(ctx context.Context, topic, id string) {
	if s.deps.Bus != nil {
		if err := s.deps.Bus.Publish(context.WithoutCancel(ctx), topic, []byte(id)); err != nil {
			s.log.Warn("publish authentication change", "topic", topic, "err", err)
		}
	}
}

// forgetAPIKey drops the key with that id (the cache is keyed by hash).
func (s *Server) forgetAPIKey(id string) {
	s.keys.forgetIf(func(k *gateway.APIKey) bool { return k.ID == id })
}

// lookupThroughCaches puts the key and user caches in front of the store for
// AuthenticateAPIKey, which still checks revocation, expiry and the owner's
// status on every request.
func (s *Server) lookupThroughCaches() service.APIKeyLookup {
	return service.APIKeyLookup{
		Key: func(ctx context.Context, hash string) (*gateway.APIKey, error) {
			return s.keys.get(ctx, hash, s.svc.APIKeyByHash)
		},
		User: func(ctx context.Context, id string) (*gateway.User, error) {
			return s.users.get(ctx, id, s.svc.User)
		},
		// The cached copy learns its last use, or every request after the
		// first minute would record it again until the entry expires. Only
		// the copy this request read is replaced: one loaded since (after a
		// revocation) is kept as it is.
		Touched: func(k *gateway.APIKey, at time.Time) {
			s.keys.update(k.Hash, func(c *gateway.APIKey) (*gateway.APIKey, bool) {
				if c != k {
					return nil, false
				}
				touched := *k
				touched.LastUsedAt = &at
				return &touched, true
			})
		},
	}
}
