// Package fanout delivers bus payloads to one subscriber's callback through
// a buffer of its own, so a slow subscriber never blocks a publisher: when
// its buffer is full, its payloads are dropped (a bus is a wake-up channel,
// never the only copy). Both Bus adapters (in-memory and Redis) use it.
package fanout

import (
	"context"
	"sync"
	"sync/atomic"
)

// Buffer is how many payloads a subscriber may fall behind by.
const Buffer = 256

// Subscriber runs one callback over its own buffer.
type Subscriber struct {
	fn      func([]byte)
	ch      chan []byte
	mu      sync.Mutex
	closed  bool
	stopped chan struct{}
	// Warned records that a drop was reported, so a lagging subscriber is
	// logged once, not once per payload.
	Warned atomic.Bool
}

// New returns a subscriber; start its delivery with go s.Run(), or with
// Start when a context bounds it.
func New(fn func([]byte)) *Subscriber {
	return &Subscriber{fn: fn, ch: make(chan []byte, Buffer), stopped: make(chan struct{})}
}

// Offer queues p without blocking and reports whether there was room.
func (s *Subscriber) Offer(p []byte) bool {
	select {
	case s.ch <- p:
		return true
	default:
		return false
	}
}

// Close stops delivery; it may be called more than once, and from inside the callback.
func (s *Subscriber) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stopped)
	}
	s.mu.Unlock()
}

// Done is closed by Close.
func (s *Subscriber) Done() <-chan struct{} { return s.stopped }

// Run delivers queued payloads until Close.
func (s *Subscriber) Run() {
	for {
		select {
		case <-s.stopped:
			return
		case p := <-s.ch:
			// A payload queued before Close is not delivered after it.
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			s.fn(p)
		}
	}
}

// Start runs delivery in the background and calls cancel (the adapter's
// unsubscribe, which closes s) when ctx ends first; the watcher goroutine
// ends with s either way. It returns cancel, the Subscribe result both
// adapters hand back.
func (s *Subscriber) Start(ctx context.Context, cancel func()) func() {
	go s.Run()
	go func() {
		select {
		case <-ctx.Done():
			cancel()
		case <-s.Done():
		}
	}()
	return cancel
}
