// Package enginetest holds what the tests of the WhatsApp engines (sandbox,
// whatsmeow) share: the events an engine hands its handler, read back in
// the order it emitted them.
package enginetest

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// patience is how long Next waits for an event.
const patience = 10 * time.Second

// Events is a buffer of an engine's events, in order.
type Events struct {
	ch chan gateway.EngineEvent
}

// NewEvents returns an empty buffer; it holds 256 events unread before
// Put blocks the engine.
func NewEvents() *Events { return &Events{ch: make(chan gateway.EngineEvent, 256)} }

// Put records ev; the engine's handler calls it.
func (e *Events) Put(ev gateway.EngineEvent) { e.ch <- ev }

// Next waits for the next event.
func (e *Events) Next(t testing.TB) gateway.EngineEvent {
	t.Helper()
	select {
	case ev := <-e.ch:
		return ev
	case <-time.After(patience):
		t.Fatal("no event from the engine")
		return nil
	}
}

// None checks that no event arrives for a short while (50 ms: inside a
// synctest bubble, of the bubble's clock).
func (e *Events) None(t testing.TB) {
	t.Helper()
	select {
	case ev := <-e.ch:
		t.Fatalf("got event %T %+v, want none", ev, ev)
	case <-time.After(50 * time.Millisecond):
	}
}

// Quiet checks that no event is waiting once every goroutine of the
// synctest bubble waits, without letting the bubble's clock move. Only
// inside synctest.Test.
func (e *Events) Quiet(t testing.TB) {
	t.Helper()
	synctest.Wait()
	select {
	case ev := <-e.ch:
		t.Fatalf("got event %T %+v, want none", ev, ev)
	default:
	}
}

// NextAs waits for the next event and checks that it is a T.
func NextAs[T gateway.EngineEvent](t testing.TB, e *Events) T {
	t.Helper()
	ev := e.Next(t)
	got, ok := ev.(T)
	if !ok {
		var want T
		t.Fatalf("got event %T %+v, want %T", ev, ev, want)
	}
	return got
}
