package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// EventsTopic is the bus topic that wakes a tenant's event streams after
// its events commit. Payloads carry nothing: the store is the source of truth.
func EventsTopic(userID string) string { return "events." + userID }

// Stream timing: a wake-up from the bus reads at once; without one the
// store is read every streamPoll (a lost bus loses nothing); a comment
// every streamPing keeps proxies from closing an idle stream.
const (
	streamPoll = 2 * time.Second
	streamPing = 15 * time.Second
	// streamReread is how far back each read looks again: PostgreSQL hands
	// out sequence numbers at insert and commits in any order, so an event
	// may become visible after one with a higher number was sent.
	streamReread = 10 * time.Second
	streamPage   = 500
)

// streamCloser is a channel closed once, at shutdown; its zero value works.
type streamCloser struct {
	once sync.Once
	mu   sync.Mutex
	ch   chan struct{}
}

func (c *streamCloser) done() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// streamSlots counts each tenant's open streams (GET /events and QR
// streams), so one tenant cannot hold an unbounded number of long-lived
// connections and store readers. The count is this process's: behind a
// load balancer a tenant may hold max on each gateway.
type streamSlots struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

// take holds a slot for userID until the returned release is called;
// CodeRateLimited when the tenant holds max already.
func (c *streamSlots) take(userID string) (release func(), err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[userID] >= c.max {
		return nil, gateway.Errorf(gateway.CodeRateLimited,
			"This account has %d event streams open, the most allowed at once; close one before opening another.", c.max)
	}
	if c.open == nil {
		c.open = map[string]int{}
	}
	c.open[userID]++
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.open[userID]--; c.open[userID] <= 0 {
			delete(c.open, userID)
		}
	}, nil
}

// CloseStreams ends every event stream (the server is shutting down;
// clients reconnect elsewhere with Last-Event-ID).
func (s *Server) CloseStreams() {
	ch := s.streams.done()
	s.streams.once.Do(func() { close(ch) })
}

// handleEvents streams the caller's events as server-sent events: id is
// the event's sequence number (resume with Last-Event-ID), event its type,
// data the webhook envelope. Filters: session_id, types (comma-separated
// subscription names).
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	userID := who(r).User.ID
	release, err := s.streamSlots.take(userID)
	if err != nil {
		return err
	}
	defer release()
	q, err := query(r)
	if err != nil {
		return err
	}
	f := gateway.EventFilter{Limit: streamPage}
	if v := q.Get("session_id"); v != "" {
		if _, err := uuid.Parse(v); err != nil {
			return gateway.Errorf(gateway.CodeInvalid, "The session_id must be a UUID.")
		}
		f.SessionID = v
	}
	if f.SessionID, err = ownSession(r, f.SessionID); err != nil {
		return err
	}
	if v := q.Get("types"); v != "" {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				f.Types = append(f.Types, t)
			}
		}
	}
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = q.Get("last_event_id")
	}
	var after int64
	if last != "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return gateway.Errorf(gateway.CodeInvalid, "Last-Event-ID must be the id of an event of this stream.")
		}
		after = n
	} else {
		n, err := s.svc.LastEventSeq(r.Context(), userID)
		if err != nil {
			return err
		}
		after = n
	}
	// Validate the filters before the stream starts, so errors get an envelope.
	probe := f
	probe.AfterSeq, probe.Limit = after, 1
	if _, err := s.svc.Events(r.Context(), userID, probe); err != nil {
		return err
	}
	flusher, canFlush := w.(http.Flusher)
	if !canFlush {
		return gateway.Errorf(gateway.CodeInternal, "Streaming is not supported here.")
	}
	ctx := r.Context()
	wake := make(chan struct{}, 1)
	if s.deps.Bus != nil {
		cancel, err := s.deps.Bus.Subscribe(ctx, EventsTopic(userID), func([]byte) {
			select {
			case wake <- struct{}{}:
			default:
			}
		})
		if err == nil {
			defer cancel()
		} else {
			s.log.Warn("event stream without bus wake-ups", "err", err)
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 2000\n\n")
	flusher.Flush()

	st := &streamState{floor: after, sent: map[int64]time.Time{}, lang: langOf(r)}
	closing := s.streams.done()
	poll := time.NewTicker(streamPoll)
	defer poll.Stop()
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		if err := s.streamSince(ctx, w, userID, f, st); err != nil {
			if ctx.Err() == nil {
				s.log.Warn("event stream read", "err", err)
			}
		}
		flusher.Flush()
		select {
		case <-ctx.Done():
			return nil
		case <-closing:
			return nil
		case <-wake:
		case <-poll.C:
		case <-ping.C:
			fmt.Fprintf(w, ": ping\n\n")
		}
	}
}

// streamState is what a stream has sent: everything up to floor, and the
// events above it sent within streamReread (re-read, not re-sent).
type streamState struct {
	floor int64
	sent  map[int64]time.Time
	// lang is the language the events' reasons are written in (reasons.go).
	lang string
}

// streamSince writes the events after the state's floor not sent yet.
func (s *Server) streamSince(ctx context.Context, w http.ResponseWriter, userID string, f gateway.EventFilter, st *streamState) error {
	now := time.Now()
	f.AfterSeq = st.floor
	for {
		list, err := s.svc.Events(ctx, userID, f)
		if err != nil {
			return err
		}
		for _, e := range list {
			if _, dup := st.sent[e.Seq]; dup {
				continue
			}
			local := *e
			local.Data = localEventData(st.lang, e.Data)
			b, err := json.Marshal(&local)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, b); err != nil {
				return err
			}
			st.sent[e.Seq] = now
		}
		if len(list) < f.Limit {
			break
		}
		f.AfterSeq = list[len(list)-1].Seq
	}
	st.settle(now)
	return nil
}

// settle raises the floor to the highest event sent more than streamReread
// ago: anything below it has had time to commit. Events sent since stay
// above the floor, re-read on each wake-up and skipped as duplicates, so
// an event committed late with a lower number is still sent.
func (st *streamState) settle(now time.Time) {
	floor := st.floor
	for seq, at := range st.sent {
		if now.Sub(at) > streamReread && seq > floor {
			floor = seq
		}
	}
	if floor == st.floor {
		return
	}
	st.floor = floor
	for seq := range st.sent {
		if seq <= floor {
			delete(st.sent, seq)
		}
	}
}
