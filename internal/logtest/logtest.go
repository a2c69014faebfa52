// Package logtest holds what tests need to read logs written by code that
// logs from several goroutines (servers, workers, background loops).
package logtest

import (
	"bytes"
	"sync"
)

// Buffer is a log destination safe for concurrent writers and a reading
// test.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
