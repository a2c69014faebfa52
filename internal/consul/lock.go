package consul

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// LockKey is the Consul KV key of a session's lock.
func LockKey(prefix, sessionID string) string {
	prefix = cmp.Or(prefix, "whatsapp-gateway/locks")
	return prefix + "/session/" + sessionID
}

// LockConfig is what a Lock is built from.
type LockConfig struct {
	Client *api.Client
	// Key is the KV key to hold (see LockKey).
	Key string
	// Owner names the holder, stored in the key's value. Two holders with
	// the same non-empty Owner are successive incarnations of one task (the
	// Nomad allocation id): a new one takes over the old one's lock at
	// once instead of waiting for its TTL, because Nomad restarts a task
	// only after the previous process exited.
	Owner string
	// TTL of the Consul session (default 10 s, Consul's minimum). Consul
	// invalidates a session no sooner than TTL after its last renewal.
	TTL time.Duration
	// RenewEvery is the renewal period (default TTL/4).
	RenewEvery time.Duration
	// FenceAfter is how long renewals may fail before the lease counts as
	// lost (default TTL/2): well before Consul could hand the
	// lock to someone else, so two holders never overlap.
	FenceAfter time.Duration
	// LockDelay is Consul's lock-delay after an invalidation (default 5 s).
	LockDelay time.Duration
	// RetryDelay is the pause between attempts while the lock is taken or
	// Consul fails (default 1 s).
	RetryDelay time.Duration
	Logger     *slog.Logger
}

// Lock is a session-scoped mutual exclusion on a Consul KV key.
type Lock struct {
	cfg LockConfig
	log *slog.Logger
}

// NewLock returns a lock; nothing is taken before Acquire.
func NewLock(cfg LockConfig) (*Lock, error) {
	if cfg.Client == nil || cfg.Key == "" {
		return nil, errors.New("lock config lacks a client or a key")
	}
	defaults.Positive(&cfg.TTL, 10*time.Second)
	if cfg.RenewEvery <= 0 {
		cfg.RenewEvery = cfg.TTL / 4
	}
	if cfg.FenceAfter <= 0 {
		cfg.FenceAfter = cfg.TTL / 2
	}
	defaults.Positive(&cfg.LockDelay, 5*time.Second)
	defaults.Positive(&cfg.RetryDelay, time.Second)
	cfg.Logger = defaults.Logger(cfg.Logger)
	return &Lock{cfg: cfg, log: cfg.Logger.With("lock", cfg.Key)}, nil
}

// lockValue is what the key holds, for operators and for takeovers.
type lockValue struct {
	Owner    string    `json:"owner,omitempty"`
	Acquired time.Time `json:"acquired"`
}

// Lease is a held lock.
type Lease struct {
	l       *Lock
	session string
	lost    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
	held    atomic.Bool // the key is ours: keepAlive checks it stays so

	mu       sync.Mutex // serialises Release
	released bool
}

// Lost is closed when the lease can no longer be trusted: Consul dropped
// its session, or renewals failed for FenceAfter. The holder must stop
// (disconnect) at once.
func (s *Lease) Lost() <-chan struct{} { return s.lost }

// Release gives the lock back and destroys its session. Releasing the key
// first avoids Consul's lock-delay, so a successor takes it at once. A
// failed Release can be called again (until the session's TTL runs out,
// Consul keeps the key held); once it succeeded, Release does nothing.
func (s *Lease) Release(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return nil
	}
	s.stop()
	<-s.done
	wo := (&api.WriteOptions{}).WithContext(ctx)
	if _, _, err := s.l.cfg.Client.KV().Release(&api.KVPair{Key: s.l.cfg.Key, Session: s.session}, wo); err != nil {
		return unavailable(err, "The session lock could not be released.")
	}
	if _, err := s.l.cfg.Client.Session().Destroy(s.session, wo); err != nil {
		return unavailable(err, "The session lock's Consul session could not be destroyed.")
	}
	s.released = true
	return nil
}

// Acquire blocks until the lock is held (or ctx ends) and keeps it renewed
// until Release or until it is lost.
func (l *Lock) Acquire(ctx context.Context) (*Lease, error) {
	for {
		lease, err := l.attempt(ctx)
		if lease != nil {
			return lease, nil
		}
		if ctx.Err() != nil {
			return nil, gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "The session lock was not acquired.")
		}
		l.log.Warn("session lock not acquired yet", "error", err)
		backoff.Sleep(ctx, l.cfg.RetryDelay)
	}
}

// attempt creates a Consul session and tries to take the key with it
// until it succeeds, the session is lost, or ctx ends.
func (l *Lock) attempt(ctx context.Context) (*Lease, error) {
	c := l.cfg.Client
	name := "whatsapp-instance " + l.cfg.Key
	id, _, err := c.Session().Create(&api.SessionEntry{
		Name: name, TTL: l.cfg.TTL.String(), LockDelay: l.cfg.LockDelay, Behavior: api.SessionBehaviorRelease,
	}, (&api.WriteOptions{}).WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("create consul session: %w", err)
	}
	kctx, stop := context.WithCancel(context.Background())
	lease := &Lease{l: l, session: id, lost: make(chan struct{}), stop: stop, done: make(chan struct{})}
	go l.keepAlive(kctx, lease)
	value, _ := json.Marshal(lockValue{Owner: l.cfg.Owner, Acquired: time.Now().UTC()})
	var index uint64
	for {
		select {
		case <-lease.lost:
			l.abandon(lease)
			return nil, errors.New("consul session lost while waiting for the lock")
		default:
		}
		ok, _, err := c.KV().Acquire(&api.KVPair{Key: l.cfg.Key, Value: value, Session: id}, (&api.WriteOptions{}).WithContext(ctx))
		if err == nil && ok {
			l.log.Info("session lock acquired", "consul_session", id)
			lease.held.Store(true)
			return lease, nil
		}
		if ctx.Err() != nil {
			l.abandon(lease)
			return nil, ctx.Err()
		}
		if err != nil {
			l.log.Warn("session lock acquire", "error", err)
			backoff.Sleep(ctx, l.cfg.RetryDelay)
			continue
		}
		// Taken (or in lock-delay): see by whom, then wait for a change,
		// or for this attempt's own session to be lost.
		pair, meta, err := l.waitKey(ctx, lease, index)
		if err != nil {
			backoff.Sleep(ctx, l.cfg.RetryDelay)
			continue
		}
		if meta.LastIndex < index {
			index = 0
		} else {
			index = meta.LastIndex
		}
		if pair == nil || pair.Session == "" {
			backoff.Sleep(ctx, l.cfg.RetryDelay) // free but refused: lock-delay
			index = 0
			continue
		}
		if pair.Session != id && l.takeOver(ctx, pair) {
			index = 0
		}
	}
}

// waitKey is a blocking read of the key, cut short when the waiting
// attempt's session is lost (it has to start over with a new one).
func (l *Lock) waitKey(ctx context.Context, lease *Lease, index uint64) (*api.KVPair, *api.QueryMeta, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-lease.lost:
			cancel()
		case <-wctx.Done():
		}
	}()
	return l.cfg.Client.KV().Get(l.cfg.Key, (&api.QueryOptions{WaitIndex: index, WaitTime: l.cfg.TTL}).WithContext(wctx))
}

// takeOver releases the key from a previous incarnation of this very task,
// which is known to be dead. It reports whether it did.
func (l *Lock) takeOver(ctx context.Context, pair *api.KVPair) bool {
	if l.cfg.Owner == "" {
		return false
	}
	var v lockValue
	if json.Unmarshal(pair.Value, &v) != nil || v.Owner != l.cfg.Owner {
		return false
	}
	wo := (&api.WriteOptions{}).WithContext(ctx)
	if _, _, err := l.cfg.Client.KV().Release(&api.KVPair{Key: l.cfg.Key, Session: pair.Session}, wo); err != nil {
		return false
	}
	_, _ = l.cfg.Client.Session().Destroy(pair.Session, wo)
	l.log.Info("took over the session lock from a previous run of this task", "old_consul_session", pair.Session)
	return true
}

func (l *Lock) abandon(lease *Lease) {
	lease.stop()
	<-lease.done
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, _ = l.cfg.Client.Session().Destroy(lease.session, (&api.WriteOptions{}).WithContext(ctx))
}

// keepAlive renews the session until ctx ends; it closes lease.lost when
// Consul no longer knows the session, renewals failed for FenceAfter, or
// (once held) the key no longer names the session: someone deleted or
// overwrote it, and another holder may take it without any lock-delay.
func (l *Lock) keepAlive(ctx context.Context, lease *Lease) {
	defer close(lease.done)
	t := time.NewTicker(l.cfg.RenewEvery)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, l.cfg.RenewEvery)
		entry, _, err := l.cfg.Client.Session().Renew(lease.session, (&api.WriteOptions{}).WithContext(rctx))
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil && entry == nil:
			l.log.Error("session lock lost: consul dropped the session")
			close(lease.lost)
			return
		case err != nil:
			if time.Since(last) >= l.cfg.FenceAfter {
				l.log.Error("session lock lost: renewals failed past the fence", "error", err, "since_last_renewal", time.Since(last).Round(time.Millisecond))
				close(lease.lost)
				return
			}
			l.log.Warn("session lock renewal failed", "error", err)
		default:
			last = time.Now()
			if lease.held.Load() && !l.stillHeld(ctx, lease) {
				l.log.Error("session lock lost: the lock key was deleted or taken from this session")
				close(lease.lost)
				return
			}
		}
	}
}

// stillHeld reads the key: false only when Consul answers that it is gone
// or held by another session (a failed read proves nothing; the renewal
// fence covers an unreachable Consul).
func (l *Lock) stillHeld(ctx context.Context, lease *Lease) bool {
	rctx, cancel := context.WithTimeout(ctx, l.cfg.RenewEvery)
	defer cancel()
	pair, _, err := l.cfg.Client.KV().Get(l.cfg.Key, (&api.QueryOptions{}).WithContext(rctx))
	if err != nil || ctx.Err() != nil {
		return true
	}
	return pair != nil && pair.Session == lease.session
}
