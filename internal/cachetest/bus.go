package cachetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/polltest"
)

// RunBus runs the gateway.Bus behaviour suite. newBus returns a bus with no
// subscribers that no other test uses; it registers its own cleanup.
func RunBus(t *testing.T, newBus func(t *testing.T) gateway.Bus) {
	suite[gateway.Bus]{
		{"DeliversToAll", testDeliversToAll},
		{"InOrder", testInOrder},
		{"PayloadIsCopied", testPayloadIsCopied},
		{"NoSubscribers", testNoSubscribers},
		{"Cancel", testCancel},
		{"ContextEnds", testContextEnds},
		{"TopicsIndependent", testTopicsIndependent},
		{"ResubscribeAfterLastCancel", testResubscribeAfterLastCancel},
		{"SlowSubscriberDoesNotBlock", testSlowSubscriberDoesNotBlock},
	}.run(t, newBus)
}

// inbox collects what a subscriber receives.
type inbox struct {
	mu  sync.Mutex
	got [][]byte
}

func (in *inbox) add(p []byte) {
	in.mu.Lock()
	in.got = append(in.got, p)
	in.mu.Unlock()
}

func (in *inbox) list() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]string, len(in.got))
	for i, p := range in.got {
		out[i] = string(p)
	}
	return out
}

func (in *inbox) has(s string) bool {
	for _, g := range in.list() {
		if g == s {
			return true
		}
	}
	return false
}

func subscribe(t *testing.T, ctx context.Context, b gateway.Bus, topic string) (*inbox, func()) {
	t.Helper()
	in := &inbox{}
	cancel, err := b.Subscribe(ctx, topic, in.add)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", topic, err)
	}
	t.Cleanup(cancel)
	return in, cancel
}

func publish(t *testing.T, b gateway.Bus, topic, payload string) {
	t.Helper()
	if err := b.Publish(context.Background(), topic, []byte(payload)); err != nil {
		t.Fatalf("Publish(%q): %v", topic, err)
	}
}

func waitFor(t *testing.T, in *inbox, payload string) {
	t.Helper()
	polltest.Eventually(t, patience, fmt.Sprintf("delivery of %q", payload), func() bool { return in.has(payload) })
}

// settle gives a delivery that should not happen a chance to show up
// before the test checks it did not.
func settle() { time.Sleep(100 * time.Millisecond) }

func testDeliversToAll(t *testing.T, b gateway.Bus) {
	ctx := context.Background()
	ins := make([]*inbox, 3)
	for i := range ins {
		ins[i], _ = subscribe(t, ctx, b, "news")
	}
	publish(t, b, "news", "hello")
	for i, in := range ins {
		waitFor(t, in, "hello")
		if got := in.list(); len(got) != 1 {
			t.Fatalf("subscriber %d got %q, want exactly [hello]", i, got)
		}
	}
}

func testInOrder(t *testing.T, b gateway.Bus) {
	in, _ := subscribe(t, context.Background(), b, "seq")
	const n = 100
	for i := range n {
		publish(t, b, "seq", fmt.Sprint(i))
	}
	polltest.Eventually(t, patience, "all payloads", func() bool { return len(in.list()) >= n })
	for i, got := range in.list() {
		if want := fmt.Sprint(i); got != want {
			t.Fatalf("payload %d = %q, want %q", i, got, want)
		}
	}
}

func testPayloadIsCopied(t *testing.T, b gateway.Bus) {
	in, _ := subscribe(t, context.Background(), b, "t")
	p := []byte("original")
	if err := b.Publish(context.Background(), "t", p); err != nil {
		t.Fatal(err)
	}
	copy(p, "XXXXXXXX")
	polltest.Eventually(t, patience, "delivery", func() bool { return len(in.list()) == 1 })
	if got := in.list()[0]; got != "original" {
		t.Fatalf("got %q, want %q", got, "original")
	}
}

func testNoSubscribers(t *testing.T, b gateway.Bus) {
	publish(t, b, "nobody-listens", "x")
}

func testCancel(t *testing.T, b gateway.Bus) {
	ctx := context.Background()
	gone, cancel := subscribe(t, ctx, b, "t")
	stays, _ := subscribe(t, ctx, b, "t")
	publish(t, b, "t", "before")
	waitFor(t, gone, "before")
	waitFor(t, stays, "before")
	cancel()
	cancel() // idempotent
	publish(t, b, "t", "after")
	waitFor(t, stays, "after")
	settle()
	if gone.has("after") {
		t.Fatalf("cancelled subscriber got %q, want only [before]", gone.list())
	}
}

func testContextEnds(t *testing.T, b gateway.Bus) {
	ctx, cancel := context.WithCancel(context.Background())
	gone, _ := subscribe(t, ctx, b, "t")
	control, _ := subscribe(t, context.Background(), b, "t")
	publish(t, b, "t", "before")
	waitFor(t, gone, "before")
	cancel()
	// The context ends asynchronously: probe until a payload reaches the
	// control subscriber but not the cancelled one, then check it stays so.
	i := 0
	polltest.Eventually(t, patience, "delivery to stop after the context ended", func() bool {
		i++
		probe := fmt.Sprint("probe-", i)
		publish(t, b, "t", probe)
		waitFor(t, control, probe)
		settle()
		return !gone.has(probe)
	})
	publish(t, b, "t", "last")
	waitFor(t, control, "last")
	settle()
	if gone.has("last") {
		t.Fatal("subscriber whose context ended still receives payloads")
	}
}

func testTopicsIndependent(t *testing.T, b gateway.Bus) {
	ctx := context.Background()
	a, _ := subscribe(t, ctx, b, "a")
	bb, _ := subscribe(t, ctx, b, "b")
	publish(t, b, "a", "for-a")
	publish(t, b, "b", "for-b")
	waitFor(t, a, "for-a")
	waitFor(t, bb, "for-b")
	settle()
	if got := a.list(); len(got) != 1 {
		t.Fatalf("topic a got %q, want [for-a]", got)
	}
	if got := bb.list(); len(got) != 1 {
		t.Fatalf("topic b got %q, want [for-b]", got)
	}
}

func testResubscribeAfterLastCancel(t *testing.T, b gateway.Bus) {
	ctx := context.Background()
	for round := range 3 {
		in, cancel := subscribe(t, ctx, b, "t")
		payload := fmt.Sprint("round-", round)
		publish(t, b, "t", payload)
		waitFor(t, in, payload)
		cancel()
	}
}

func testSlowSubscriberDoesNotBlock(t *testing.T, b gateway.Bus) {
	ctx := context.Background()
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	slow := &inbox{}
	cancel, err := b.Subscribe(ctx, "t", func(p []byte) { <-release; slow.add(p) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	fast, _ := subscribe(t, ctx, b, "t")

	const n = 2000
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := b.Publish(ctx, "t", []byte(fmt.Sprint(i))); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
	case <-time.After(patience):
		t.Fatal("Publish blocked behind a subscriber that does not return")
	}
	unblock()
	// Both subscribers may have dropped payloads while their buffers were
	// full; both must be receiving again once they catch up.
	i := 0
	polltest.Eventually(t, patience, "delivery after the backlog", func() bool {
		i++
		publish(t, b, "t", fmt.Sprint("final-", i))
		time.Sleep(20 * time.Millisecond)
		return fast.has(fmt.Sprint("final-", i)) && slow.has(fmt.Sprint("final-", i))
	})
}
