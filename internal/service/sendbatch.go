package service

import (
	"context"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// maxSendBatch bounds how many sends one transaction stores.
const maxSendBatch = 64

// sendBatcher stores concurrent sends of one tenant in one transaction (a
// group commit). Every send of a tenant updates the tenant's quota
// counter, so on PostgreSQL a tenant's sends otherwise queue one commit
// after another; batched, one commit carries all the sends that arrived
// while the previous one ran. A lone send is written at once, alone. The
// quota stays exact: the store gives a batch only the room the counter
// leaves.
type sendBatcher struct {
	store gateway.SaaSStore
	ctx   context.Context // the server's lifetime
	mu    sync.Mutex
	queue map[sendKey][]*sendItem // present while a writer runs for the key
}

// sendKey is what a batch shares: tenant, period and limit.
type sendKey struct {
	user, period string
	limit        int64
}

type sendItem struct {
	m    *gateway.Message
	done chan sendResult
}

type sendResult struct {
	used int64 // the counter including this message, or the counter when refused
	err  error
}

func newSendBatcher(ctx context.Context, store gateway.SaaSStore) *sendBatcher {
	return &sendBatcher{store: store, ctx: ctx, queue: map[sendKey][]*sendItem{}}
}

// storeMessage stores m within limit for period and returns the counter
// including it; CodeQuotaExceeded (with the counter) when there is no room.
// It waits for the batch m is written in, whatever ctx does: an accepted
// message is stored or refused, never left half-way.
func (b *sendBatcher) storeMessage(m *gateway.Message, p Period, limit int64) (int64, error) {
	it := &sendItem{m: m, done: make(chan sendResult, 1)}
	key := sendKey{user: m.UserID, period: p.Name, limit: limit}
	b.mu.Lock()
	q, busy := b.queue[key]
	b.queue[key] = append(q, it)
	b.mu.Unlock()
	if !busy {
		go b.write(key, p)
	}
	r := <-it.done
	return r.used, r.err
}

// write stores the key's queued sends, a batch at a time, until none is left.
func (b *sendBatcher) write(key sendKey, p Period) {
	for {
		b.mu.Lock()
		q := b.queue[key]
		if len(q) == 0 {
			delete(b.queue, key)
			b.mu.Unlock()
			return
		}
		n := min(len(q), maxSendBatch)
		batch := q[:n:n]
		b.queue[key] = q[n:]
		b.mu.Unlock()
		b.writeBatch(key, p, batch)
	}
}

func (b *sendBatcher) writeBatch(key sendKey, p Period, batch []*sendItem) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	ms := make([]*gateway.Message, len(batch))
	for i, it := range batch {
		ms[i] = it.m
	}
	before, stored, err := b.store.CreateMessagesWithinQuota(ctx, ms, p.Name, p.Start, p.End, key.limit)
	if err != nil && len(batch) > 1 {
		// One bad message (its session deleted meanwhile) must not fail
		// the others: each alone, so each gets its own answer.
		for _, it := range batch {
			b.writeBatch(key, p, []*sendItem{it})
		}
		return
	}
	for i, it := range batch {
		switch {
		case err != nil:
			it.done <- sendResult{err: err}
		case i < stored:
			it.done <- sendResult{used: before + int64(i) + 1}
		default:
			it.done <- sendResult{used: before + int64(stored),
				err: &gateway.Error{Code: gateway.CodeQuotaExceeded, Message: "The monthly message limit is reached."}}
		}
	}
}
