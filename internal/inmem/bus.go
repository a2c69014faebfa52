package inmem

import (
	"context"
	"github.com/whatsapp-saas/gateway/internal/fanout"
	"sync"
	"sync/atomic"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// subscriberBuffer is how many payloads may wait for one subscriber (see
// internal/fanout): past it, payloads to that subscriber are dropped.
const subscriberBuffer = fanout.Buffer

var _ gateway.Bus = (*Bus)(nil)

// Bus is an in-process gateway.Bus. Each subscriber has its own buffer and
// goroutine, so Publish never waits for a subscriber's callback.
type Bus struct {
	mu      sync.RWMutex
	topics  map[string]map[*fanout.Subscriber]struct{}
	dropped atomic.Uint64
}

// NewBus returns a bus with no subscribers.
func NewBus() *Bus {
	return &Bus{topics: make(map[string]map[*fanout.Subscriber]struct{})}
}

// Dropped counts payloads not delivered because a subscriber's buffer was full.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }

// Publish hands a copy of payload to every current subscriber of topic
// without waiting for any of them.
func (b *Bus) Publish(ctx context.Context, topic string, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return gateway.WrapError(err, gateway.CodeUnavailable, "The message bus is unavailable.")
	}
	p := clone(payload)
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.topics[topic] {
		if !s.Offer(p) {
			b.dropped.Add(1)
		}
	}
	return nil
}

// Subscribe calls fn, on a goroutine of the subscription, for each payload
// published on topic until ctx ends or cancel is called. Payloads arrive in
// publication order. cancel does not wait for a call of fn under way (so fn
// may call it); after it returns, at most that one call still runs.
func (b *Bus) Subscribe(ctx context.Context, topic string, fn func(payload []byte)) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, gateway.WrapError(err, gateway.CodeUnavailable, "The message bus is unavailable.")
	}
	s := fanout.New(fn)
	b.mu.Lock()
	subs := b.topics[topic]
	if subs == nil {
		subs = make(map[*fanout.Subscriber]struct{})
		b.topics[topic] = subs
	}
	subs[s] = struct{}{}
	b.mu.Unlock()

	var once sync.Once
	cancel := func() {
		once.Do(func() {
			b.mu.Lock()
			if subs := b.topics[topic]; subs != nil {
				delete(subs, s)
				if len(subs) == 0 {
					delete(b.topics, topic)
				}
			}
			b.mu.Unlock()
			s.Close()
		})
	}
	return s.Start(ctx, cancel), nil
}
