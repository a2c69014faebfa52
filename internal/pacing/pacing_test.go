package pacing

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// waits runs n waits in order and returns how long each one took: in a
// synctest bubble, exactly what the pacer slept.
func waits(t *testing.T, p *Pacer, n int) []time.Duration {
	t.Helper()
	var out []time.Duration
	for i := range n {
		start := time.Now()
		if err := p.Wait(context.Background(), nil); err != nil {
			t.Fatalf("wait %d: %v", i, err)
		}
		if d := time.Since(start); d > 0 {
			out = append(out, d)
		}
	}
	return out
}

func TestBurstThenRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(Config{RatePerMinute: 30, Burst: 3, Rand: func() float64 { return 0 }})
		// Three at once, then one every two seconds (30 a minute).
		want := []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}
		if diff := cmp.Diff(want, waits(t, p, 6)); diff != "" {
			t.Fatalf("sleeps (-want +got):\n%s", diff)
		}
		// A quiet minute refills the burst, never beyond it.
		time.Sleep(time.Minute) // the bubble's clock
		if diff := cmp.Diff([]time.Duration{2 * time.Second}, waits(t, p, 4)); diff != "" {
			t.Fatalf("sleeps after a quiet minute (-want +got):\n%s", diff)
		}
	})
}

func TestJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(Config{RatePerMinute: 60, Burst: 1, Jitter: 4 * time.Second, Rand: func() float64 { return 0.5 }})
		// Every send gets half the jitter (2 s), which also refills the one token.
		want := []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}
		if diff := cmp.Diff(want, waits(t, p, 3)); diff != "" {
			t.Fatalf("sleeps (-want +got):\n%s", diff)
		}
	})
}

func TestDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(Config{RatePerMinute: 0, Burst: 1, Jitter: time.Minute})
		if got := waits(t, p, 100); len(got) != 0 {
			t.Fatalf("sleeps %v, want none when pacing is off", got)
		}
		if p.Enabled() {
			t.Fatal("Enabled() = true with rate 0")
		}
	})
}

func TestCancelledWaitGivesTheSlotBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(Config{RatePerMinute: 60, Burst: 1, Rand: func() float64 { return 0 }})
		waits(t, p, 1)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := p.Wait(ctx, nil); err == nil {
			t.Fatal("cancelled wait: got nil, want the context's error")
		}
		// The cancelled wait did not consume a slot: the next one waits one
		// interval, not two.
		if diff := cmp.Diff([]time.Duration{time.Second}, waits(t, p, 1)); diff != "" {
			t.Fatalf("sleeps (-want +got):\n%s", diff)
		}
	})
}
