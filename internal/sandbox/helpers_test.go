package sandbox

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/whatsapp-saas/gateway/internal/enginetest"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// The tests that wait for the engine's timers run in a synctest bubble,
// where the clock moves only when every goroutine of the bubble waits: a
// minute of delays passes at once and exactly, and no test sleeps for real.

// advance lets d of the bubble's clock pass and then waits until every
// goroutine of the bubble waits again: the timers due within d have fired
// and what they started has run. Only inside synctest.Test.
func advance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// settled checks that nothing is left to happen: an hour later, the engine
// has emitted nothing more (no timer was left behind).
func (r *recorder) settled(t *testing.T) {
	t.Helper()
	advance(time.Hour)
	r.None(t)
}

// recorder collects an engine's events.
type recorder struct {
	*enginetest.Events
	mu    sync.Mutex
	fail  func(gateway.EngineEvent) error
	calls int // handler calls: receipts handed over together are one
}

func newRecorder() *recorder { return &recorder{Events: enginetest.NewEvents()} }

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
		r.Put(ev)
		if fail != nil {
			if e := fail(ev); e != nil && err == nil {
				err = e
			}
		}
	}
	return err
}

// nextAs waits for the engine's next event and checks that it is a T.
func nextAs[T gateway.EngineEvent](t *testing.T, r *recorder) T {
	t.Helper()
	return enginetest.NextAs[T](t, r.Events)
}
