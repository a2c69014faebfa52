package backoff

import (
	"context"
	"testing"
	"time"
)

func TestJitteredDoublesWithinBounds(t *testing.T) {
	lo, hi := 100*time.Millisecond, time.Second
	for _, tt := range []struct {
		failures int
		base     time.Duration
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {3, 400 * time.Millisecond}, {4, 800 * time.Millisecond}, {5, time.Second}, {50, time.Second}} {
		for range 200 {
			if d := Jittered(lo, hi, tt.failures); d < tt.base/2 || d > tt.base {
				t.Fatalf("after %d failures: %v, want within [%v, %v]", tt.failures, d, tt.base/2, tt.base)
			}
		}
	}
}

func TestCapped(t *testing.T) {
	lo, hi := 2*time.Second, 5*time.Minute
	for _, tt := range []struct {
		failures int
		want     time.Duration
	}{{0, 2 * time.Second}, {1, 2 * time.Second}, {2, 4 * time.Second}, {5, 32 * time.Second}, {9, 5 * time.Minute}, {1000, 5 * time.Minute}} {
		if got := Capped(lo, hi, tt.failures); got != tt.want {
			t.Errorf("Capped after %d failures = %v, want %v", tt.failures, got, tt.want)
		}
	}
	if got := Capped(time.Minute, time.Second, 3); got != time.Second {
		t.Errorf("Capped with lo above hi = %v, want hi", got)
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Fatal("an ended context reported a full wait")
	}
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("a short wait reported as cut short")
	}
}
