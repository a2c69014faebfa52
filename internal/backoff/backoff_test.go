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
