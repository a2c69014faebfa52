// Package cachetest holds the behaviour suites every adapter of
// gateway.Cache, gateway.RateLimiter and gateway.Bus must pass (in-memory
// and Redis alike), so the two shapes of the product behave the same.
//
// Expiry is tested with short windows and polling with a generous deadline,
// never by asserting how long something took.
package cachetest

import "time"

// short is the expiry used where a test waits for something to expire.
const short = 200 * time.Millisecond

// long is an expiry no test outlives, used where nothing must expire.
const long = time.Hour

// patience bounds every wait for something that must eventually happen; it
// is far above the expected time so a loaded machine does not fail a test.
const patience = 10 * time.Second

// fresh reports whether less than half of short has passed since start, so
// something set to expire after short must still be there. Checks that
// assume so are skipped on a machine too loaded to keep up, rather than
// failing.
func fresh(start time.Time) bool { return time.Since(start) < short/2 }
