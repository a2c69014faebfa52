package sandbox

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/clocktest"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// fakeClock is the shared manual clock, adapted to the engine's Timer.
type fakeClock struct{ *clocktest.Clock }

func newFakeClock() *fakeClock {
	return &fakeClock{clocktest.New(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))}
}

// AfterFunc has the signature Options.AfterFunc wants.
func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer { return c.Clock.AfterFunc(d, f) }

// recorder collects an engine's events.
type recorder struct {
	ch    chan gateway.EngineEvent
	mu    sync.Mutex
	fail  func(gateway.EngineEvent) error
	calls int // handler calls: receipts handed over together are one
}

func newRecorder() *recorder { return &recorder{ch: make(chan gateway.EngineEvent, 256)} }

// handle records ev; receipts handed over together are recorded one by
// one, in order, as the tests expect them (a batch fails when fail refuses
// one of its receipts, as a transaction would).
func (r *recorder) handle(_ context.Context, ev gateway.EngineEvent) error {
	r.mu.Lock()
	fail := r.fail
	r.calls++
	r.mu.Unlock()
	evs := []gateway.EngineEvent{ev}
	if b, ok := ev.(gateway.EvReceipts); ok {
		evs = evs[:0]
		for _, rc := range b.Receipts {
			evs = append(evs, rc)
		}
	}
	var err error
	for _, ev := range evs {
		r.ch <- ev
		if fail != nil {
			if e := fail(ev); e != nil && err == nil {
				err = e
			}
		}
	}
	return err
}

func (r *recorder) next(t *testing.T) gateway.EngineEvent {
	t.Helper()
	select {
	case ev := <-r.ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event arrived")
		return nil
	}
}

// none checks that no event is waiting after the dispatcher had a moment to run.
func (r *recorder) none(t *testing.T) {
	t.Helper()
	select {
	case ev := <-r.ch:
		t.Fatalf("got event %#v, want none", ev)
	case <-time.After(50 * time.Millisecond):
	}
}

func nextAs[T gateway.EngineEvent](t *testing.T, r *recorder) T {
	t.Helper()
	ev := r.next(t)
	got, ok := ev.(T)
	if !ok {
		var want T
		t.Fatalf("got event %T %+v, want %T", ev, ev, want)
	}
	return got
}
