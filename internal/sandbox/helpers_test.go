package sandbox

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// fakeClock is a manual clock: timers fire only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
	fired   bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped && !t.fired
	t.stopped = true
	return was
}

// Advance moves the clock and fires due timers in order, one at a time, so
// timers they schedule fire too when due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var due []*fakeTimer
		for _, t := range c.timers {
			if !t.stopped && !t.fired && !t.at.After(end) {
				due = append(due, t)
			}
		}
		if len(due) == 0 {
			c.now = end
			c.mu.Unlock()
			return
		}
		sort.SliceStable(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
		t := due[0]
		t.fired = true
		if t.at.After(c.now) {
			c.now = t.at
		}
		c.mu.Unlock()
		t.f()
	}
}

// Pending counts timers neither fired nor stopped.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped && !t.fired {
			n++
		}
	}
	return n
}

// recorder collects an engine's events.
type recorder struct {
	ch   chan gateway.EngineEvent
	mu   sync.Mutex
	fail func(gateway.EngineEvent) error
}

func newRecorder() *recorder { return &recorder{ch: make(chan gateway.EngineEvent, 256)} }

func (r *recorder) handle(_ context.Context, ev gateway.EngineEvent) error {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	r.ch <- ev
	if fail != nil {
		return fail(ev)
	}
	return nil
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
