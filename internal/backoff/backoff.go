// Package backoff holds what the gateway's retry loops share: a wait that
// ends with its context, and a doubling delay with jitter, so many clients
// retrying at once (workers after a Consul outage, gateways after a Nomad
// one) spread out instead of arriving together.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleep waits d, or until ctx ends; it reports whether the whole wait
// passed (false: ctx ended first).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Capped is the delay after failures consecutive failures before jitter:
// lo for the first, doubled for each one after, capped at hi. It is the
// one exponential in the gateway; callers that spread it themselves (the
// whatsmeow engine, whose tests fix the random part) start from it.
func Capped(lo, hi time.Duration, failures int) time.Duration {
	d := lo
	for i := 1; i < failures && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// Jittered is Capped of which a random upper half is taken ("equal
// jitter").
func Jittered(lo, hi time.Duration, failures int) time.Duration {
	d := Capped(lo, hi, failures)
	half := d / 2
	return half + rand.N(d-half+1)
}

// Bounds fills unset retry bounds with the gateway's defaults: lo 500ms;
// hi 30s, and never below lo.
func Bounds(lo, hi *time.Duration) {
	if *lo <= 0 {
		*lo = 500 * time.Millisecond
	}
	if *hi < *lo {
		*hi = max(30*time.Second, *lo)
	}
}
