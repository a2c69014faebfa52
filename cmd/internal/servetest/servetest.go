// Package servetest runs a command's serve function in-process for the
// command's tests: it waits for the address serve listens on, and stops
// serve by ending its context.
package servetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrStillRunning is Stop's answer when serve did not return in time.
var ErrStillRunning = errors.New("serve did not stop")

// Server is a serve function running in-process.
type Server struct {
	// URL is http:// and the address serve listens on (127.0.0.1 for an
	// unspecified host).
	URL string

	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// Start runs serve, which sends the address it listens on to addrc. It
// fails the test when serve returns first or, when within is above 0, when
// no address comes within it.
func Start(t testing.TB, within time.Duration, serve func(ctx context.Context, addrc chan<- string) error) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, addrc) }()
	var timeout <-chan time.Time
	if within > 0 {
		timeout = time.After(within)
	}
	select {
	case addr := <-addrc:
		return &Server{URL: "http://" + strings.Replace(addr, "[::]", "127.0.0.1", 1), cancel: cancel, done: done}
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-timeout:
		cancel()
		t.Fatalf("serve did not start within %v", within)
	}
	return nil
}

// Stop ends serve's context and waits up to within for serve to return:
// it answers what serve returned, or ErrStillRunning. Later calls answer
// the same without waiting.
func (s *Server) Stop(within time.Duration) error {
	s.once.Do(func() {
		s.cancel()
		select {
		case s.err = <-s.done:
		case <-time.After(within):
			s.err = ErrStillRunning
		}
	})
	return s.err
}
