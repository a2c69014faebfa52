// Package polltest holds the one "wait until this holds" helper of the
// tests: asynchronous work (a worker starting, a webhook delivered, a bus
// message crossing Redis) is awaited by polling a condition under a
// deadline, never by a fixed sleep.
package polltest

import (
	"testing"
	"time"
)

// Eventually polls cond until it holds and fails t with what once timeout
// has passed without it.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	Until(t, timeout, what, func() (struct{}, bool) { return struct{}{}, cond() })
}

// Until polls cond until its ok holds and returns its value; once timeout
// has passed without it, it fails t with what and the last value, which
// says how far the wait got.
func Until[T any](t testing.TB, timeout time.Duration, what string, cond func() (T, bool)) T {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v, ok := cond()
		if ok {
			return v
		}
		if time.Now().After(deadline) {
			if _, empty := any(v).(struct{}); empty {
				t.Fatalf("timed out after %v waiting for %s", timeout, what)
			} else {
				t.Fatalf("timed out after %v waiting for %s; last: %v", timeout, what, v)
			}
			return v
		}
		time.Sleep(interval(timeout))
	}
}

// interval spaces the polls: a five-hundredth of the wait, from 5 ms (a
// tight loop would starve what it waits for on a loaded machine) to 100 ms
// (a live cluster's minute-long waits need no finer grain).
func interval(timeout time.Duration) time.Duration {
	return min(max(timeout/500, 5*time.Millisecond), 100*time.Millisecond)
}
