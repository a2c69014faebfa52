// Package clocktest is a manual clock for tests of code that schedules
// timers (the sandbox and whatsmeow engines): time moves only when a test
// advances it, so tests never sleep for timers nor assert durations.
package clocktest

import (
	"slices"
	"sync"
	"time"
)

// Clock is a manual clock. Its zero value is not usable; call New.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*Timer
}

// Timer is one scheduled call.
type Timer struct {
	c       *Clock
	at      time.Time
	d       time.Duration
	f       func()
	stopped bool
	fired   bool
}

// New returns a clock set at start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f after d of the clock's time.
func (c *Clock) AfterFunc(d time.Duration, f func()) *Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &Timer{c: c, at: c.now.Add(d), d: d, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop cancels the call; it reports whether the call was still pending.
func (t *Timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped && !t.fired
	t.stopped = true
	return was
}

// Advance moves the clock by d and fires the timers due, earliest first, one
// at a time and outside the clock's lock, so timers scheduled by a firing
// timer fire too when they fall due within d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var next *Timer
		for _, t := range c.timers {
			if !t.stopped && !t.fired && !t.at.After(end) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		next.fired = true
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.f()
	}
}

// Pending counts timers neither fired nor stopped.
func (c *Clock) Pending() int { return len(c.PendingDelays()) }

// PendingDelays returns the delays the waiting timers were scheduled with,
// in order of scheduling.
func (c *Clock) PendingDelays() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for _, t := range c.timers {
		if !t.stopped && !t.fired {
			out = append(out, t.d)
		}
	}
	return slices.Clip(out)
}
