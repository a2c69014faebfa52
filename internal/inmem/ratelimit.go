package inmem

import (
	"context"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

var _ gateway.RateLimiter = (*RateLimiter)(nil)

// RateLimiter is an exact sliding-window limiter: a key is allowed limit
// requests in any window-long span. It remembers the instants of the
// allowed requests still inside the window (at most limit per key), so a
// denial can say exactly when the next request will pass. Keys whose
// window has passed are swept periodically; call Close to stop the sweep.
type RateLimiter struct {
	shards[*window]
}

// window is one key's log: the instants (since the limiter's epoch) of its
// allowed requests, oldest first, in a ring of at most limit entries, and
// the window length last used with it. The ring makes every check O(1)
// amortised however large the limit: expired hits are dropped by moving the
// head, never by copying the log.
type window struct {
	ring   []time.Duration
	head   int // index of the oldest hit
	n      int // hits held
	length time.Duration
}

func (w *window) at(i int) time.Duration { return w.ring[(w.head+i)%len(w.ring)] }

// push appends a hit (the caller has checked n < limit). The ring grows
// geometrically up to limit, so a huge limit costs memory only as it is used.
func (w *window) push(now time.Duration, limit int) {
	if w.n == len(w.ring) {
		w.resize(min(limit, max(16, 2*len(w.ring))))
	}
	w.ring[(w.head+w.n)%len(w.ring)] = now
	w.n++
}

// resize copies the hits, oldest first, into a ring of the given capacity.
func (w *window) resize(capacity int) {
	ring := make([]time.Duration, capacity)
	for i := 0; i < w.n; i++ {
		ring[i] = w.at(i)
	}
	w.ring, w.head = ring, 0
}

// NewRateLimiter returns a limiter and starts its sweeper.
func NewRateLimiter() *RateLimiter {
	l := &RateLimiter{}
	// A key with no hit left in its window is done with.
	l.start(func(now time.Duration, w *window) bool {
		w.trim(now)
		return w.n == 0
	})
	return l
}

// Allow counts one request for key against limit per window. A denied
// request is not counted, so hammering a closed door does not keep it
// closed. limit < 1 or window <= 0 is a CodeInternal error (a caller's bug:
// unlimited and "none allowed" are decided before asking).
func (l *RateLimiter) Allow(_ context.Context, key string, limit int, length time.Duration) (gateway.RateResult, error) {
	if limit < 1 || length <= 0 {
		return gateway.RateResult{}, gateway.Errorf(gateway.CodeInternal, "The rate limit is misconfigured.")
	}
	s := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := l.now()
	w := s.m[key]
	if w == nil {
		w = &window{}
		s.m[key] = w
	}
	w.length = length
	w.trim(now)
	res := gateway.RateResult{Limit: limit}
	if w.n < limit {
		w.push(now, limit)
		res.Allowed = true
	} else {
		// The request passes once enough of the oldest hits have left the
		// window for the count to drop below limit (the limit may have
		// been lowered since they were counted).
		res.RetryAfter = w.at(w.n-limit) + length - now
	}
	res.Remaining = max(0, limit-w.n)
	res.ResetAfter = w.at(w.n-1) + length - now
	return res, nil
}

// trim drops the hits that have left the window ending at now.
func (w *window) trim(now time.Duration) {
	for w.n > 0 && w.at(0) <= now-w.length {
		w.head = (w.head + 1) % len(w.ring)
		w.n--
	}
}

// Reset forgets key.
func (l *RateLimiter) Reset(_ context.Context, key string) error {
	s := l.shard(key)
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
	return nil
}
