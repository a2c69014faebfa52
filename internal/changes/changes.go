// Package changes publishes change notices on the bus: the id of something
// (a session, an instance) whose cached copies are stale now. A writer never
// waits for the bus: notices are merged and sent by one goroutine, so a burst
// of changes of one session costs one message, and a slow or lost bus slows
// no write. A notice that is lost costs only the cache's TTL.
package changes

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// publishTimeout bounds one publish, so a hung bus cannot hold notices for long.
const publishTimeout = 2 * time.Second

// Publisher merges and publishes change notices.
type Publisher struct {
	bus gateway.Bus
	log *slog.Logger

	mu      sync.Mutex
	pending map[notice]struct{}
	closed  bool
	signal  chan struct{}
	done    chan struct{}
	stop    context.CancelFunc
}

type notice struct{ topic, id string }

// NewPublisher starts a publisher on bus; Close stops it.
func NewPublisher(bus gateway.Bus, log *slog.Logger) *Publisher {
	log = defaults.Logger(log)
	ctx, stop := context.WithCancel(context.Background())
	p := &Publisher{bus: bus, log: log, pending: map[notice]struct{}{}, signal: make(chan struct{}, 1),
		done: make(chan struct{}), stop: stop}
	go p.run(ctx)
	return p
}

// Publish queues a notice that id changed, on topic; it never blocks. The
// same notice queued twice before it is sent is sent once.
func (p *Publisher) Publish(topic, id string) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.pending[notice{topic, id}] = struct{}{}
	p.mu.Unlock()
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	for {
		select {
		case <-ctx.Done():
			p.flush(context.Background()) // what was queued before Close
			return
		case <-p.signal:
		}
		p.flush(ctx)
	}
}

func (p *Publisher) flush(ctx context.Context) {
	p.mu.Lock()
	batch := p.pending
	p.pending = map[notice]struct{}{}
	p.mu.Unlock()
	for n := range batch {
		pctx, cancel := context.WithTimeout(ctx, publishTimeout)
		err := p.bus.Publish(pctx, n.topic, []byte(n.id))
		cancel()
		if err != nil {
			// The rest would wait as long for the same bus: dropped, as
			// notices published while a subscriber is cut off are.
			p.log.Warn("publish change notices", "topic", n.topic, "dropped", len(batch), "err", err)
			return
		}
	}
}

// Close sends what is queued and stops the publisher; later notices are dropped.
func (p *Publisher) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	p.stop()
	<-p.done
}
