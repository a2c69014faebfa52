package changes

import (
	"context"
	"sync"
	"testing"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// recordingBus records what is published and can hold publishes back.
type recordingBus struct {
	gateway.Bus
	mu    sync.Mutex
	got   []string
	block chan struct{}
}

func (b *recordingBus) Publish(_ context.Context, topic string, payload []byte) error {
	if b.block != nil {
		<-b.block
	}
	b.mu.Lock()
	b.got = append(b.got, topic+" "+string(payload))
	b.mu.Unlock()
	return nil
}

// TestPublisherMergesAndFlushes: notices queued while one is being sent
// go out once each, and Close sends what is still queued.
func TestPublisherMergesAndFlushes(t *testing.T) {
	bus := &recordingBus{block: make(chan struct{})}
	p := NewPublisher(bus, nil)
	p.Publish("t", "first")
	// The run goroutine may be held in Publish of "first" or not have
	// started: either way, these three queue as two notices.
	p.Publish("t", "s1")
	p.Publish("t", "s1")
	p.Publish("u", "s1")
	close(bus.block)
	p.Close()
	p.Publish("t", "after close")

	count := map[string]int{}
	for _, g := range bus.got {
		count[g]++
	}
	want := map[string]int{"t first": 1, "t s1": 1, "u s1": 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%q published %d times, want %d (all: %v)", k, count[k], n, bus.got)
		}
	}
	if len(bus.got) != 3 {
		t.Errorf("published %v, want the 3 notices once each", bus.got)
	}
}
