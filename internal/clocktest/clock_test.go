package clocktest

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(start)
	var got []string
	c.AfterFunc(2*time.Second, func() {
		got = append(got, "b")
		c.AfterFunc(time.Second, func() { got = append(got, "c") }) // due at 3s: fires in the same Advance
	})
	c.AfterFunc(time.Second, func() { got = append(got, "a") })
	stopped := c.AfterFunc(time.Second, func() { got = append(got, "never") })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report pending once")
	}
	late := c.AfterFunc(10*time.Second, func() { got = append(got, "late") })
	c.Advance(5 * time.Second)
	if want := "abc"; join(got) != want {
		t.Fatalf("fired %q, want %q", join(got), want)
	}
	if !c.Now().Equal(start.Add(5 * time.Second)) {
		t.Fatalf("now = %v", c.Now())
	}
	if d := c.PendingDelays(); len(d) != 1 || d[0] != 10*time.Second || c.Pending() != 1 {
		t.Fatalf("pending = %v", d)
	}
	late.Stop()
	if c.Pending() != 0 {
		t.Fatal("stopped timer still pending")
	}
}

func join(s []string) string {
	out := ""
	for _, x := range s {
		out += x
	}
	return out
}
