package pacing

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock advances by exactly what the pacer sleeps and records the sleeps.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) taken() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.sleeps
	c.sleeps = nil
	return out
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)} }

func waitN(t *testing.T, p *Pacer, n int) {
	t.Helper()
	for i := range n {
		if err := p.Wait(context.Background(), nil); err != nil {
			t.Fatalf("wait %d: %v", i, err)
		}
	}
}

func TestBurstThenRate(t *testing.T) {
	clock := newClock()
	p := New(Config{RatePerMinute: 30, Burst: 3, Clock: clock, Rand: func() float64 { return 0 }})
	waitN(t, p, 6)
	// Three at once, then one every two seconds (30 a minute).
	want := []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}
	if diff := cmp.Diff(want, clock.taken()); diff != "" {
		t.Fatalf("sleeps (-want +got):\n%s", diff)
	}
	// A quiet minute refills the burst, never beyond it.
	clock.advance(time.Minute)
	waitN(t, p, 4)
	if diff := cmp.Diff([]time.Duration{2 * time.Second}, clock.taken()); diff != "" {
		t.Fatalf("sleeps after a quiet minute (-want +got):\n%s", diff)
	}
}

func TestJitter(t *testing.T) {
	clock := newClock()
	p := New(Config{RatePerMinute: 60, Burst: 1, Jitter: 4 * time.Second, Clock: clock, Rand: func() float64 { return 0.5 }})
	waitN(t, p, 3)
	// Every send gets half the jitter; after the first, the rate's second too.
	want := []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}
	if diff := cmp.Diff(want, clock.taken()); diff != "" {
		t.Fatalf("sleeps (-want +got):\n%s", diff)
	}
}

func TestDisabled(t *testing.T) {
	clock := newClock()
	p := New(Config{RatePerMinute: 0, Burst: 1, Jitter: time.Minute, Clock: clock})
	waitN(t, p, 100)
	if got := clock.taken(); len(got) != 0 {
		t.Fatalf("sleeps %v, want none when pacing is off", got)
	}
	if p.Enabled() {
		t.Fatal("Enabled() = true with rate 0")
	}
}

func TestCancelledWaitGivesTheSlotBack(t *testing.T) {
	clock := newClock()
	p := New(Config{RatePerMinute: 60, Burst: 1, Clock: clock, Rand: func() float64 { return 0 }})
	waitN(t, p, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Wait(ctx, nil); err == nil {
		t.Fatal("cancelled wait: got nil, want the context's error")
	}
	// The cancelled wait did not consume a slot: the next one waits one
	// interval, not two.
	waitN(t, p, 1)
	if diff := cmp.Diff([]time.Duration{time.Second}, clock.taken()); diff != "" {
		t.Fatalf("sleeps (-want +got):\n%s", diff)
	}
}
