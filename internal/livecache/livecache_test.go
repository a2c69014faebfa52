package livecache

import (
	"context"
	"testing"
	"time"
)

func TestEntries(t *testing.T) {
	ctx := t.Context()
	loads := 0
	answer := "a"
	load := func(context.Context) (string, error) { loads++; return answer, nil }
	keepAll := func(string) bool { return true }
	c := New[string](time.Hour)

	get := func(owner string) string {
		t.Helper()
		v, err := c.Get(ctx, owner, "k", load, keepAll)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	get("u1")
	get("u1")
	if loads != 1 {
		t.Fatalf("two reads loaded %d times, want 1", loads)
	}
	get("u2") // another tenant's read never gets u1's answer
	if loads != 2 {
		t.Fatalf("another owner's read loaded %d times in all, want 2", loads)
	}
	answer = "b"
	c.Forget("k")
	if got := get("u2"); got != "b" || loads != 3 {
		t.Fatalf("after forget: got %q after %d loads, want b after 3", got, loads)
	}

	// A forget that lands while a read is under way spoils the read.
	c.Forget("k")
	v, _ := c.Get(ctx, "u1", "k", func(context.Context) (string, error) {
		c.Forget("k")
		return "before the change", nil
	}, keepAll)
	if v != "before the change" {
		t.Fatalf("the read under way answered %q", v)
	}
	answer = "after"
	if got := get("u1"); got != "after" {
		t.Fatalf("after a forget during the read: got %q, want the read after it", got)
	}

	// Answers keep refuses are answered, never kept.
	n := 0
	for range 2 {
		c.Get(ctx, "u1", "t", func(context.Context) (string, error) { n++; return "starting", nil },
			func(v string) bool { return v != "starting" })
	}
	if n != 2 {
		t.Fatalf("a transition was read %d times for 2 requests, want 2", n)
	}

	off := New[string](0)
	loads = 0
	off.Get(ctx, "u1", "k", load, keepAll)
	off.Get(ctx, "u1", "k", load, keepAll)
	if loads != 2 {
		t.Fatalf("STATUS_CACHE_TTL=0: %d loads for 2 reads, want 2", loads)
	}
}

// Off drops what is kept and keeps nothing after.
func TestOff(t *testing.T) {
	loads := 0
	load := func(context.Context) (int, error) { loads++; return loads, nil }
	keep := func(int) bool { return true }
	c := New[int](time.Hour)
	c.Get(t.Context(), "u", "k", load, keep)
	c.Off()
	c.Get(t.Context(), "u", "k", load, keep)
	c.Get(t.Context(), "u", "k", load, keep)
	if loads != 3 {
		t.Fatalf("%d loads for 3 reads around Off, want 3", loads)
	}
}
