// Package pacing spaces out a session's sends against WhatsApp bans: a token
// bucket per session (a rate per minute after a burst) plus a random jitter,
// so a burst of API calls never becomes a burst on the wire. It implements
// the worker's Pacer seam. It keeps no queue of its own: the messages table
// is the queue, so paced messages wait as "queued" rows and survive a
// restart.
package pacing

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Config shapes a Pacer.
type Config struct {
	// RatePerMinute is the sustained rate; 0 or less turns pacing off.
	RatePerMinute int
	// Burst is how many sends may leave back to back after a quiet spell (at least 1).
	Burst int
	// Jitter is the largest random delay added to every send.
	Jitter time.Duration
	// Rand returns [0, 1) (rand.Float64 when nil). Time is the real
	// clock's: tests run the pacer in a testing/synctest bubble.
	Rand func() float64
}

// Pacer is one session's token bucket. It is safe for concurrent use, but a
// worker waits on it from its one send loop.
type Pacer struct {
	cfg Config

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// New returns a pacer whose bucket starts full.
func New(cfg Config) *Pacer {
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	if cfg.Jitter < 0 {
		cfg.Jitter = 0
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Pacer{cfg: cfg, tokens: float64(cfg.Burst)}
}

// Enabled reports whether the pacer delays anything.
func (p *Pacer) Enabled() bool { return p.cfg.RatePerMinute > 0 }

// Wait blocks until the next send may leave: at once while the burst
// lasts, then one every minute/RatePerMinute, each plus a random jitter. A
// cancelled wait gives its slot back.
func (p *Pacer) Wait(ctx context.Context, _ *gateway.Message) error {
	if !p.Enabled() {
		return ctx.Err()
	}
	d := p.reserve()
	if d <= 0 {
		return ctx.Err()
	}
	if !backoff.Sleep(ctx, d) {
		p.mu.Lock()
		p.tokens = min(p.tokens+1, float64(p.cfg.Burst))
		p.mu.Unlock()
		return ctx.Err()
	}
	return nil
}

// reserve takes one token and returns how long to wait for it.
func (p *Pacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	perSecond := float64(p.cfg.RatePerMinute) / 60
	if !p.last.IsZero() {
		if elapsed := now.Sub(p.last).Seconds(); elapsed > 0 {
			p.tokens = min(p.tokens+elapsed*perSecond, float64(p.cfg.Burst))
		}
	}
	p.last = now
	p.tokens--
	var wait time.Duration
	if p.tokens < 0 {
		wait = time.Duration(-p.tokens / perSecond * float64(time.Second))
	}
	return wait + time.Duration(p.cfg.Rand()*float64(p.cfg.Jitter))
}
