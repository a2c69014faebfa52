// Package hashitest holds what the protocol-faithful fakes of HashiCorp
// APIs (Nomad, Consul) share: blocking queries on a raft-like index, the
// failures tests inject, and answers carrying that index in the
// X-<Product>-Index headers.
package hashitest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Block waits as a blocking query does: when the request names an index
// (?index=N) it returns once the server's index differs from N (a write, or
// an index reset), when ?wait (default 5 min, capped at maxWait) runs out,
// or when the client goes away. state returns the current index and a
// channel closed on the next change.
func Block(r *http.Request, maxWait time.Duration, state func() (uint64, <-chan struct{})) {
	q := r.URL.Query()
	idx, _ := strconv.ParseUint(q.Get("index"), 10, 64)
	if idx == 0 {
		return
	}
	wait := min(5*time.Minute, maxWait)
	if ws := q.Get("wait"); ws != "" {
		if d, err := time.ParseDuration(ws); err == nil {
			wait = min(d, maxWait)
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		cur, ch := state()
		if cur != idx {
			return
		}
		select {
		case <-ch:
		case <-t.C:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// WriteJSON answers v with the index headers of product ("Consul", "Nomad").
// v is encoded while mu is held, and index read under it: the fakes hand out
// pointers into their state (allocations, jobs), and a test changing that
// state while a blocking query answers must not race the encoder.
func WriteJSON(w http.ResponseWriter, product string, mu *sync.Mutex, index *uint64, v any) {
	mu.Lock()
	body, err := json.Marshal(v)
	idx := *index
	mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-"+product+"-Index", strconv.FormatUint(idx, 10))
	w.Header().Set("X-"+product+"-KnownLeader", "true")
	w.Header().Set("X-"+product+"-LastContact", "0")
	_, _ = w.Write(append(body, '\n'))
}

// Index is a fake's raft-like index: every write moves it on and wakes the
// blocking queries waiting on it. The fake's mutex guards it.
type Index struct {
	N       uint64
	changed chan struct{} // closed and replaced on every change
}

// Bump moves the index on (a write).
func (x *Index) Bump() { x.Set(x.N + 1) }

// Set moves the index to n (Bump, or a reset as a snapshot restore does)
// and wakes the watchers.
func (x *Index) Set(n uint64) {
	x.N = n
	if x.changed != nil {
		close(x.changed)
	}
	x.changed = make(chan struct{})
}

// State is the index and a channel closed on its next change, what Block
// waits on.
func (x *Index) State() (uint64, <-chan struct{}) {
	if x.changed == nil {
		x.changed = make(chan struct{})
	}
	return x.N, x.changed
}

// Failures injects failures: the next n requests of a fake answer 500.
type Failures struct {
	mu sync.Mutex
	n  int
}

// FailNext makes the next n requests answer 500.
func (f *Failures) FailNext(n int) {
	f.mu.Lock()
	f.n = n
	f.mu.Unlock()
}

// Fail answers 500 and reports true when the request is one to fail.
func (f *Failures) Fail(w http.ResponseWriter) bool {
	f.mu.Lock()
	fail := f.n > 0
	if fail {
		f.n--
	}
	f.mu.Unlock()
	if fail {
		http.Error(w, "rpc error: simulated failure", http.StatusInternalServerError)
	}
	return fail
}
