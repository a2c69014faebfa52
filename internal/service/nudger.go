package service

import (
	"context"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// nudger tells workers that messages are queued, off the request path and
// coalesced per session: while one call to a session's worker is in
// flight, further sends only mark "again", so a burst of a thousand sends
// costs a handful of calls, and the API answers without waiting on the
// worker. A worker that cannot be reached (starting, not yet healthy in
// discovery) is tried again with backoff for a few seconds. Losing a nudge
// loses nothing: workers drain their queue on every (re)connect, after
// every nudge, and every few seconds.
type nudger struct {
	call  func(ctx context.Context, sessionID, messageID string) error
	retry []time.Duration // waits before the retries of an unreachable worker
	mu    sync.Mutex
	m     map[string]*nudgeState
	wg    sync.WaitGroup
}

type nudgeState struct {
	again     bool
	messageID string
}

func newNudger(call func(ctx context.Context, sessionID, messageID string) error) *nudger {
	return &nudger{call: call, m: map[string]*nudgeState{},
		retry: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}}
}

// nudge schedules a call for the session, or folds into the one in flight.
func (n *nudger) nudge(ctx context.Context, sessionID, messageID string) {
	n.mu.Lock()
	if st, busy := n.m[sessionID]; busy {
		st.again, st.messageID = true, messageID
		n.mu.Unlock()
		return
	}
	n.m[sessionID] = &nudgeState{}
	n.mu.Unlock()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		id := messageID
		for {
			n.callWithRetry(ctx, sessionID, id)
			n.mu.Lock()
			st := n.m[sessionID]
			if !st.again {
				delete(n.m, sessionID)
				n.mu.Unlock()
				return
			}
			st.again, id = false, st.messageID
			n.mu.Unlock()
		}
	}()
}

// callWithRetry calls the worker, and again after each backoff step while
// it answers unavailable, until ctx ends.
func (n *nudger) callWithRetry(ctx context.Context, sessionID, messageID string) {
	for i := 0; ; i++ {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := n.call(cctx, sessionID, messageID)
		cancel()
		if err == nil || !gateway.IsCode(err, gateway.CodeUnavailable) || i >= len(n.retry) || !backoff.Sleep(ctx, n.retry[i]) {
			return
		}
	}
}

// wait blocks until no call is in flight (tests, shutdown).
func (n *nudger) wait() { n.wg.Wait() }
