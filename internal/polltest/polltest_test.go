package polltest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// recorder stands in for t so that a failing wait can be observed; its
// Fatalf records instead of ending the goroutine.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestEventuallyReturnsOnceTheConditionHolds(t *testing.T) {
	r := &recorder{TB: t}
	calls := 0
	Eventually(r, time.Minute, "the third call", func() bool { calls++; return calls == 3 })
	if r.failed != "" || calls != 3 {
		t.Fatalf("calls = %d, failure %q; want 3 calls and no failure", calls, r.failed)
	}
}

func TestEventuallyFailsWithWhat(t *testing.T) {
	r := &recorder{TB: t}
	Eventually(r, 10*time.Millisecond, "the impossible", func() bool { return false })
	if !strings.Contains(r.failed, "the impossible") || strings.Contains(r.failed, "last:") {
		t.Fatalf("failure %q, want it to name what was awaited and no empty last value", r.failed)
	}
}

func TestUntilReturnsTheValueAndReportsTheLastOne(t *testing.T) {
	r := &recorder{TB: t}
	n := 0
	if got := Until(r, time.Minute, "five", func() (int, bool) { n++; return n, n == 5 }); got != 5 || r.failed != "" {
		t.Fatalf("Until = %d, failure %q; want 5", got, r.failed)
	}
	Until(r, 10*time.Millisecond, "a green light", func() (string, bool) { return "still red", false })
	if !strings.Contains(r.failed, "a green light") || !strings.Contains(r.failed, "last: still red") {
		t.Fatalf("failure %q, want what and the last value", r.failed)
	}
}

func TestInterval(t *testing.T) {
	for timeout, want := range map[time.Duration]time.Duration{
		time.Millisecond: 5 * time.Millisecond, 10 * time.Second: 20 * time.Millisecond, time.Hour: 100 * time.Millisecond,
	} {
		if got := interval(timeout); got != want {
			t.Errorf("interval(%v) = %v, want %v", timeout, got, want)
		}
	}
}
