package service

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// quotaStore is a counter with the store's batch semantics; a slow first
// write makes the sends behind it queue into one batch. The tests run in a
// synctest bubble, so the slow write's sleep is the bubble's clock and the
// order of the sends is exact.
type quotaStore struct {
	gateway.Store
	mu       sync.Mutex
	used     int64
	batches  []int
	failMany bool // a batch of more than one fails (a bad message in it)
	failed   bool // a batch failed
	singles  int  // sends written alone after a failed batch
}

func (q *quotaStore) CreateMessagesWithinQuota(_ context.Context, ms []*gateway.Message, _ string, _, _ time.Time, limit int64) (int64, int, error) {
	q.mu.Lock()
	first := len(q.batches) == 0
	q.batches = append(q.batches, len(ms))
	q.mu.Unlock()
	if first {
		time.Sleep(50 * time.Millisecond) // a slow first write, so that sends arriving meanwhile queue behind it
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.failMany && len(ms) > 1 {
		q.failed = true
		return 0, 0, errors.New("one message of the batch is bad")
	}
	if q.failed && len(ms) == 1 {
		q.singles++
	}
	before := q.used
	n := int64(len(ms))
	if limit >= 0 {
		n = max(0, min(n, limit-before))
	}
	q.used += n
	return before, int(n), nil
}

func sendAll(t *testing.T, b *sendBatcher, n int, limit int64) (ok []int64, refused int) {
	t.Helper()
	p := PeriodOf(time.Now())
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			used, err := b.storeMessage(&gateway.Message{ID: uuid.NewString(), UserID: "u1", Direction: gateway.DirectionOutbound}, p, limit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok = append(ok, used)
			case gateway.IsCode(err, gateway.CodeQuotaExceeded):
				refused++
			default:
				t.Errorf("send: %v", err)
			}
		})
		// Each send waits in the batcher before the next: the first one
		// leads (in the store's slow write), the rest queue behind it.
		synctest.Wait()
	}
	wg.Wait()
	return ok, refused
}

// TestSendBatcherGroupsAndKeepsTheQuota: sends queued behind a running
// write go out together, exactly the quota's room is accepted, and each
// accepted send learns its own place in the counter.
func TestSendBatcherGroupsAndKeepsTheQuota(t *testing.T) {
	synctest.Test(t, testSendBatcherGroups)
}

func testSendBatcherGroups(t *testing.T) {
	st := &quotaStore{}
	b := newSendBatcher(context.Background(), st)
	ok, refused := sendAll(t, b, 30, 12)
	if len(ok) != 12 || refused != 18 || st.used != 12 {
		t.Fatalf("%d accepted, %d refused, counter %d; want 12, 18, 12", len(ok), refused, st.used)
	}
	seen := map[int64]bool{}
	for _, u := range ok {
		if u < 1 || u > 12 || seen[u] {
			t.Fatalf("accepted sends got counters %v, want each of 1..12 once", ok)
		}
		seen[u] = true
	}
	// The leader alone, then everyone who queued behind its write at once.
	if len(st.batches) != 2 || st.batches[0] != 1 || st.batches[1] != 29 {
		t.Fatalf("30 sends were written in batches %v, want [1 29]", st.batches)
	}
}

// TestSendBatcherIsolatesABadMessage: a batch that fails is written again
// one message at a time, so each send gets its own answer.
func TestSendBatcherIsolatesABadMessage(t *testing.T) {
	synctest.Test(t, testSendBatcherIsolates)
}

func testSendBatcherIsolates(t *testing.T) {
	st := &quotaStore{failMany: true}
	b := newSendBatcher(context.Background(), st)
	ok, refused := sendAll(t, b, 10, -1)
	// The leader alone, the batch of 9 behind it fails, and each of the 9 is written alone.
	if len(ok) != 10 || refused != 0 || st.singles != 9 {
		t.Fatalf("%d accepted, %d refused, %d written alone; want 10, 0, 9", len(ok), refused, st.singles)
	}
}
