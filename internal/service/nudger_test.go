package service

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// TestNudgerCoalesces checks that sends during a call in flight fold into
// one more call carrying the latest message, and that every session gets
// its own calls.
func TestNudgerCoalesces(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	calls := map[string][]string{}
	var inFlight atomic.Int32
	n := newNudger(func(ctx context.Context, sessionID, messageID string) error {
		if inFlight.Add(1) > 2 {
			t.Error("more than one call in flight per session")
		}
		defer inFlight.Add(-1)
		mu.Lock()
		calls[sessionID] = append(calls[sessionID], messageID)
		first := len(calls[sessionID]) == 1
		mu.Unlock()
		if first && sessionID == "a" {
			<-release
		}
		return nil
	})
	ctx := context.Background()
	n.nudge(ctx, "a", "m1")
	for i := 2; i <= 100; i++ {
		n.nudge(ctx, "a", "m"+itoa(i))
	}
	n.nudge(ctx, "b", "x1")
	close(release)
	n.wait()
	if got := calls["a"]; len(got) != 2 || got[0] != "m1" || got[1] != "m100" {
		t.Fatalf("session a calls = %v, want [m1 m100]", got)
	}
	if got := calls["b"]; len(got) != 1 || got[0] != "x1" {
		t.Fatalf("session b calls = %v, want [x1]", got)
	}
	// After the burst, a new nudge calls again.
	n.nudge(ctx, "a", "m101")
	n.wait()
	if got := calls["a"]; len(got) != 3 || got[2] != "m101" {
		t.Fatalf("session a calls = %v, want a third call for m101", got)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestNudgerRetriesUnreachableWorker: a worker that answers unavailable is
// called again with backoff until it answers; other errors are not retried.
func TestNudgerRetriesUnreachableWorker(t *testing.T) {
	var calls atomic.Int32
	n := newNudger(func(ctx context.Context, sessionID, messageID string) error {
		switch {
		case sessionID == "gone":
			calls.Add(1)
			return gateway.Errorf(gateway.CodeConflict, "no running instance")
		case calls.Add(1) < 3:
			return gateway.Errorf(gateway.CodeUnavailable, "not healthy yet")
		}
		return nil
	})
	n.retry = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond}
	n.nudge(context.Background(), "a", "m1")
	n.wait()
	if got := calls.Load(); got != 3 {
		t.Fatalf("%d calls, want 3 (two unavailable, then through)", got)
	}
	calls.Store(0)
	n.nudge(context.Background(), "gone", "m2")
	n.wait()
	if got := calls.Load(); got != 1 {
		t.Fatalf("%d calls to a session without an instance, want 1", got)
	}
	// Shutdown ends the retries.
	ctx, cancel := context.WithCancel(context.Background())
	n.retry = []time.Duration{time.Hour}
	calls.Store(-100)
	n.nudge(ctx, "a", "m3")
	cancel()
	n.wait()
}
