package service

import (
	"context"
	"sync"
	"time"
)

// nudger tells workers that messages are queued, off the request path and
// coalesced per session: while one call to a session's worker is in
// flight, further sends only mark "again", so a burst of a thousand sends
// costs a handful of calls, and the API answers without waiting on the
// worker. Losing a nudge loses nothing: workers drain their queue on every
// (re)connect and after every nudge.
type nudger struct {
	call func(ctx context.Context, sessionID, messageID string) error
	mu   sync.Mutex
	m    map[string]*nudgeState
	wg   sync.WaitGroup
}

type nudgeState struct {
	again     bool
	messageID string
}

func newNudger(call func(ctx context.Context, sessionID, messageID string) error) *nudger {
	return &nudger{call: call, m: map[string]*nudgeState{}}
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
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_ = n.call(cctx, sessionID, id)
			cancel()
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

// wait blocks until no call is in flight (tests, shutdown).
func (n *nudger) wait() { n.wg.Wait() }
