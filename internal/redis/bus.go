package redis

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/fanout"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

const (
	// confirmTimeout bounds how long Subscribe waits for Redis to confirm a
	// new channel subscription.
	confirmTimeout = 5 * time.Second
	// resubscribeEvery is how often the bus subscribes its topics again
	// (see keepSubscribed): the longest a subscription the server refused
	// after a reconnect stays lost.
	resubscribeEvery = 10 * time.Second
)

var _ gateway.Bus = (*Bus)(nil)

// Bus is gateway.Bus on Redis pub/sub. A Bus holds one pub/sub connection,
// subscribed once to each topic that has local subscribers, and fans
// payloads out to them in process, each through its own buffer. go-redis
// reconnects that connection when it drops and resubscribes every channel;
// payloads published while it was down are lost, which is acceptable
// because the bus only carries wake-ups whose content is in the database.
// go-redis sends that resubscription without reading its answer, so a
// server that refuses it (an error reply) leaves the connection up and
// the channel silently unsubscribed; the bus therefore subscribes its
// topics again every resubscribeEvery (SUBSCRIBE is idempotent).
// Topics are channels named prefix+"bus:"+topic.
type Bus struct {
	client goredis.UniversalClient
	prefix string
	log    *slog.Logger
	ps     *goredis.PubSub
	done   chan struct{} // dispatch has returned
	stop   chan struct{} // closed by Close: keepSubscribed returns

	// cmdMu keeps SUBSCRIBE and UNSUBSCRIBE commands in the order of the
	// state changes they reflect, so a quick unsubscribe-then-subscribe of
	// one topic cannot leave it unsubscribed.
	cmdMu   sync.Mutex
	mu      sync.RWMutex
	topics  map[string]*topic
	pending map[string][]*signal // per channel, in the order SUBSCRIBEs were sent
	closed  bool
	dropped atomic.Uint64
}

type topic struct {
	subs  map[*fanout.Subscriber]struct{}
	ready *signal // Redis confirmed the subscription
}

// signal is a channel closed at most once.
type signal struct {
	once sync.Once
	ch   chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }
func (s *signal) fire()  { s.once.Do(func() { close(s.ch) }) }

// NewBus returns a bus on client whose channels start with prefix (such as
// "wsg:"). log receives connection and back-pressure warnings. Close it to
// release its connection.
func NewBus(client goredis.UniversalClient, prefix string, log *slog.Logger) *Bus {
	return newBus(client, prefix, log, resubscribeEvery)
}

// newBus is NewBus with the period of keepSubscribed (tests shorten it).
func newBus(client goredis.UniversalClient, prefix string, log *slog.Logger, every time.Duration) *Bus {
	log = defaults.Logger(log)
	b := &Bus{
		client:  client,
		prefix:  prefix + "bus:",
		log:     log,
		ps:      client.Subscribe(context.Background()),
		done:    make(chan struct{}),
		stop:    make(chan struct{}),
		topics:  make(map[string]*topic),
		pending: make(map[string][]*signal),
	}
	go b.dispatch(b.ps.ChannelWithSubscriptions(goredis.WithChannelSize(1024)))
	go b.keepSubscribed(every)
	return b
}

// keepSubscribed subscribes every topic with local subscribers again each
// period until Close. After a reconnect go-redis writes the SUBSCRIBE of
// every channel and never reads its answer: when the server refuses it
// (an error reply: a server still starting, a proxy mid-failover, an ACL
// change), go-redis drops the error, its health-check pings keep
// succeeding, and the channel stays unsubscribed for good; every cache
// invalidation, queue nudge and sandbox message on it would be lost. A
// SUBSCRIBE of a channel already subscribed changes nothing, so this
// costs one command a period and bounds such a loss to the period.
func (b *Bus) keepSubscribed(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		// Under cmdMu, so a topic unsubscribed meanwhile is not subscribed
		// again behind its UNSUBSCRIBE.
		b.cmdMu.Lock()
		b.mu.RLock()
		channels := make([]string, 0, len(b.topics))
		for ch := range b.topics {
			channels = append(channels, ch)
		}
		b.mu.RUnlock()
		if len(channels) > 0 {
			slices.Sort(channels)
			ctx, cancel := context.WithTimeout(context.Background(), confirmTimeout)
			// The confirmations find no waiter and are ignored, or release
			// a Subscribe whose own command was lost: the channel is then
			// subscribed, which is what it waits for. An error here is a
			// connection down; go-redis reconnects and this tries again.
			if err := b.ps.Subscribe(ctx, channels...); err != nil {
				b.log.Debug("bus resubscribe", "channels", len(channels), "error", err)
			}
			cancel()
		}
		b.cmdMu.Unlock()
	}
}

// Close unsubscribes everything and closes the pub/sub connection. Publish
// keeps working (it uses the client); Subscribe is refused.
func (b *Bus) Close() error {
	b.cmdMu.Lock()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.cmdMu.Unlock()
		return nil
	}
	b.closed = true
	close(b.stop)
	var subs []*fanout.Subscriber
	for _, t := range b.topics {
		for s := range t.subs {
			subs = append(subs, s)
		}
	}
	b.topics = make(map[string]*topic)
	b.mu.Unlock()
	b.cmdMu.Unlock()
	for _, s := range subs {
		s.Close()
	}
	err := b.ps.Close()
	<-b.done
	if err != nil {
		return translate(err)
	}
	return nil
}

// Dropped counts payloads not delivered because a local subscriber's buffer was full.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }

// Publish sends payload to every subscriber of topic in every process
// sharing this Redis and prefix. CodeUnavailable when Redis cannot be reached.
func (b *Bus) Publish(ctx context.Context, topic string, payload []byte) error {
	return translate(b.client.Publish(ctx, b.prefix+topic, payload).Err())
}

// Subscribe calls fn, on a goroutine of the subscription, for each payload
// published on topic until ctx ends or cancel is called. It returns once
// Redis has confirmed the subscription, so a payload published after it
// returns is delivered; CodeUnavailable when Redis does not confirm in
// time. Payloads arrive in publication order. cancel does not wait for a
// call of fn under way (so fn may call it); after it returns, at most that
// one call still runs.
func (b *Bus) Subscribe(ctx context.Context, topicName string, fn func(payload []byte)) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, unavailable(err)
	}
	channel := b.prefix + topicName
	s := fanout.New(fn)

	b.cmdMu.Lock()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.cmdMu.Unlock()
		return nil, gateway.Errorf(gateway.CodeUnavailable, "The message bus is closed.")
	}
	t := b.topics[channel]
	first := t == nil
	if first {
		t = &topic{subs: make(map[*fanout.Subscriber]struct{}), ready: newSignal()}
		b.topics[channel] = t
		b.pending[channel] = append(b.pending[channel], t.ready)
	}
	t.subs[s] = struct{}{}
	b.mu.Unlock()
	var subErr error
	if first {
		// On a write error go-redis still records the channel and
		// subscribes it when it reconnects, so waiting below is still right.
		subErr = b.ps.Subscribe(ctx, channel)
	}
	b.cmdMu.Unlock()

	var once sync.Once
	cancel := func() { once.Do(func() { b.unsubscribe(channel, s) }) }

	wait := time.NewTimer(confirmTimeout)
	defer wait.Stop()
	select {
	case <-t.ready.ch:
	case <-b.done:
		cancel()
		return nil, gateway.Errorf(gateway.CodeUnavailable, "The message bus is closed.")
	case <-ctx.Done():
		cancel()
		return nil, unavailable(ctx.Err())
	case <-wait.C:
		cancel()
		if subErr != nil {
			return nil, unavailable(subErr)
		}
		return nil, gateway.Errorf(gateway.CodeUnavailable, "The message bus did not confirm the subscription.")
	}

	return s.Start(ctx, cancel), nil
}

// unsubscribe removes a local subscriber, and the Redis subscription with
// the topic's last one.
func (b *Bus) unsubscribe(channel string, s *fanout.Subscriber) {
	s.Close()
	b.cmdMu.Lock()
	defer b.cmdMu.Unlock()
	b.mu.Lock()
	t := b.topics[channel]
	if t == nil {
		b.mu.Unlock()
		return
	}
	delete(t.subs, s)
	last := len(t.subs) == 0
	if last {
		delete(b.topics, channel)
		// A confirmation still awaited for this topic will never be
		// waited for: forget it, so it cannot be mistaken for the next one.
		q := b.pending[channel]
		for i, sig := range q {
			if sig == t.ready {
				b.pending[channel] = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(b.pending[channel]) == 0 {
			delete(b.pending, channel)
		}
	}
	b.mu.Unlock()
	if !last {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), confirmTimeout)
	defer cancel()
	// go-redis forgets the channel even when the command cannot be sent,
	// so it is not resubscribed after a reconnect.
	if err := b.ps.Unsubscribe(ctx, channel); err != nil {
		b.log.Warn("bus unsubscribe", "channel", channel, "error", err)
	}
}

// dispatch reads the pub/sub connection until Close.
func (b *Bus) dispatch(in <-chan any) {
	defer close(b.done)
	for m := range in {
		switch m := m.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				b.confirm(m.Channel)
			}
		case *goredis.Message:
			b.deliver(m.Channel, []byte(m.Payload))
		}
	}
}

// confirm releases the oldest Subscribe waiting for channel. Confirmations
// come back in the order SUBSCRIBEs were sent on the one connection;
// those sent by go-redis when it resubscribes after a reconnect find no
// waiter and are ignored, or release one whose command was lost with the
// old connection, which is then subscribed too.
func (b *Bus) confirm(channel string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.pending[channel]
	if len(q) == 0 {
		return
	}
	q[0].fire()
	if len(q) == 1 {
		delete(b.pending, channel)
		return
	}
	b.pending[channel] = q[1:]
}

func (b *Bus) deliver(channel string, payload []byte) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	t := b.topics[channel]
	if t == nil {
		return
	}
	for s := range t.subs {
		if s.Offer(payload) {
			continue
		}
		b.dropped.Add(1)
		if s.Warned.CompareAndSwap(false, true) {
			b.log.Warn("bus subscriber is falling behind; dropping its payloads", "channel", channel)
		}
	}
}
