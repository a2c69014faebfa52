package webhook

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// TopicWake is the bus topic that wakes dispatchers when deliveries are
// written. Its payloads carry nothing: the store says what is due.
const TopicWake = "webhooks.wake"

// DefaultSchedule is the delay before each retry (Svix's): the first
// attempt is immediate, then 5s, 5m, 30m, 2h, 5h, 10h and 10h, about 27.6
// hours in all, after which a delivery is abandoned.
var DefaultSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Config configures a Dispatcher. Zero values take the defaults noted.
type Config struct {
	Store gateway.DeliveryStore
	// Bus wakes the dispatcher when deliveries are written (optional: the
	// poll interval covers a missing or lost bus).
	Bus gateway.Bus
	// Client sends the requests; it must not follow redirects. Default: an
	// SSRF-guarded client refusing private networks.
	Client *http.Client
	Logger *slog.Logger
	// Timeout bounds each request (15s); an attempt cut by it is a failure,
	// retried on the schedule.
	Timeout time.Duration
	// Schedule is the delay before each retry (DefaultSchedule); past its
	// end a delivery is abandoned.
	Schedule []time.Duration
	// Jitter spreads each retry delay by up to ± this fraction (0.2).
	Jitter float64
	// DisableAfter turns an endpoint off once it has failed every attempt
	// for this long (5 days; negative: never).
	DisableAfter time.Duration
	// Workers bounds requests in flight (128). PerEndpoint bounds them per
	// endpoint (16) and PerTenant per tenant (Workers/4, at most Workers):
	// a tenant whose endpoints hang holds its share of the workers and no
	// more, and the claims skip it until a slot of its own frees up. A
	// PerTenant above PerEndpoint leaves a tenant room beside one slow
	// endpoint of its own.
	Workers     int
	PerEndpoint int
	PerTenant   int
	// PollInterval is how often the outbox is read without a wake-up (1s).
	PollInterval time.Duration
	// BatchSize is the most deliveries claimed at once (100).
	BatchSize int
	// MaxRetryAfter caps how long a Retry-After answer may postpone a retry (24h).
	MaxRetryAfter time.Duration
	// UserAgent is sent with every request.
	UserAgent string
}

// Stats are counters since the dispatcher started.
type Stats struct {
	Attempts  int64 // HTTP requests made
	Succeeded int64
	Failed    int64 // attempts that failed and will be retried
	Abandoned int64
}

// Dispatcher is the pool that sends due deliveries.
type Dispatcher struct {
	cfg   Config
	log   *slog.Logger
	lease time.Duration

	wake    chan struct{} // a bus wake-up or a freed slot
	results chan gateway.DeliveryResult

	mu        sync.Mutex
	inflight  int
	endpoints map[string]*endpoint
	tenants   map[string]*share
	nextRetry time.Time // when the earliest retry written falls due, if before the next poll

	attempts, succeeded, failed, abandoned atomic.Int64

	stop      context.CancelFunc // stops claiming
	hardStop  context.CancelFunc // aborts requests in flight
	sendCtx   context.Context
	flushStop context.CancelFunc // gives up writing results
	flushCtx  context.Context
	loopDone  chan struct{}
	sends     sync.WaitGroup
	flushDone chan struct{}
	started   atomic.Bool
	closeOnce sync.Once
}

// share is one tenant's part of the pool: requests in flight (at most
// PerTenant) and deliveries waiting for a slot of their endpoint (at most
// PerTenant too, so its queues cannot hold the claims either).
type share struct {
	inflight, queued int
}

// endpoint is one webhook's share of the pool.
type endpoint struct {
	inflight int
	queue    []*gateway.ClaimedDelivery // claimed, waiting for a slot of this endpoint
}

// New returns a dispatcher; Start runs it.
func New(cfg Config) *Dispatcher {
	cfg.Logger = defaults.Logger(cfg.Logger)
	defaults.Positive(&cfg.Timeout, 15*time.Second)
	if cfg.Client == nil {
		cfg.Client = ssrf.New(ssrf.Options{}).Client(cfg.Timeout)
	}
	if cfg.Schedule == nil {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Jitter < 0 || cfg.Jitter >= 1 {
		cfg.Jitter = 0
	}
	if cfg.DisableAfter == 0 {
		cfg.DisableAfter = 5 * 24 * time.Hour
	}
	defaults.Positive(&cfg.Workers, 128)
	defaults.Positive(&cfg.PerEndpoint, 16)
	if cfg.PerTenant <= 0 {
		cfg.PerTenant = max(1, cfg.Workers/4)
	}
	cfg.PerTenant = min(cfg.PerTenant, cfg.Workers)
	defaults.Positive(&cfg.PollInterval, time.Second)
	defaults.Positive(&cfg.BatchSize, 100)
	defaults.Positive(&cfg.MaxRetryAfter, 24*time.Hour)
	cfg.UserAgent = cmp.Or(cfg.UserAgent, "whatsapp-gateway-webhooks/1")
	return &Dispatcher{
		cfg: cfg, log: cfg.Logger,
		// A claim outlives the request it covers, with room to wait for an
		// endpoint slot and record the result; a dispatcher that dies leaves
		// its claims to the others (or to itself, restarted) after it.
		lease:     2*cfg.Timeout + 5*time.Second,
		wake:      make(chan struct{}, 1),
		results:   make(chan gateway.DeliveryResult, 4096),
		endpoints: map[string]*endpoint{},
		tenants:   map[string]*share{},
		loopDone:  make(chan struct{}),
		flushDone: make(chan struct{}),
	}
}

// Start runs the claim loop and the result writer until Close.
func (d *Dispatcher) Start(ctx context.Context) error {
	if !d.started.CompareAndSwap(false, true) {
		return errors.New("webhook dispatcher started twice, or after Close")
	}
	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	d.sendCtx, d.hardStop = context.WithCancel(context.WithoutCancel(ctx))
	d.flushCtx, d.flushStop = context.WithCancel(context.WithoutCancel(ctx))
	d.stop = stop
	if d.cfg.Bus != nil {
		cancel, err := d.cfg.Bus.Subscribe(loopCtx, TopicWake, func([]byte) { d.Wake() })
		if err != nil {
			// The poll interval still finds every delivery.
			d.log.Warn("webhook dispatcher runs without bus wake-ups", "err", err)
		} else {
			context.AfterFunc(loopCtx, cancel)
		}
	}
	go d.writeResults()
	go d.loop(loopCtx)
	return nil
}

// Wake makes the dispatcher look for due deliveries now.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Close stops claiming, waits for requests in flight until ctx ends (then
// aborts them: their deliveries are retried after the lease), and writes
// every result it can before ctx ends (what is not written is sent again
// after its lease). Deliveries claimed but not started are released. When
// Close returns, nothing of the dispatcher runs: no request, no retry, no
// write. A dispatcher closed before Start never starts.
func (d *Dispatcher) Close(ctx context.Context) {
	d.closeOnce.Do(func() {
		if d.started.CompareAndSwap(false, true) {
			return
		}
		d.stop()
		<-d.loopDone
		d.releaseQueued()
		done := make(chan struct{})
		go func() { d.sends.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			d.hardStop()
			<-done
		}
		d.hardStop()
		close(d.results)
		select {
		case <-d.flushDone:
		case <-ctx.Done():
			d.flushStop()
			<-d.flushDone
		}
		d.flushStop()
	})
}

// Stats returns the counters.
func (d *Dispatcher) Stats() Stats {
	return Stats{Attempts: d.attempts.Load(), Succeeded: d.succeeded.Load(), Failed: d.failed.Load(), Abandoned: d.abandoned.Load()}
}

func (d *Dispatcher) loop(ctx context.Context) {
	defer close(d.loopDone)
	ticker := time.NewTicker(d.cfg.PollInterval)
	defer ticker.Stop()
	failures := 0
	for {
		claim := d.capacity()
		full := false
		if claim.Limit > 0 {
			claim.Now, claim.Lease = time.Now(), d.lease
			claimed, err := d.cfg.Store.ClaimDeliveries(ctx, claim)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil:
				failures++
				d.log.Warn("claim webhook deliveries", "err", err, "failures", failures)
			default:
				failures = 0
				d.dispatch(ctx, claimed)
				full = len(claimed) == claim.Limit
			}
		}
		if full && failures == 0 {
			// More may be due: claim again at once, unless stopping.
			if ctx.Err() != nil {
				return
			}
			continue
		}
		// Sleep until a wake-up, the next poll, the earliest retry written
		// (when before the poll), or the end of a pause after a failed claim.
		var wait time.Duration
		if failures > 0 {
			wait = backoff.Jittered(100*time.Millisecond, 5*time.Second, failures)
		} else if at := d.retryDue(); !at.IsZero() {
			wait = max(at.Sub(time.Now()), time.Nanosecond)
		}
		if !d.sleep(ctx, ticker.C, wait) {
			return
		}
	}
}

// sleep waits for a wake-up, a tick or wait (none when 0); false when ctx ended.
func (d *Dispatcher) sleep(ctx context.Context, tick <-chan time.Time, wait time.Duration) bool {
	var timer <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-d.wake:
	case <-tick:
	case <-timer:
		d.mu.Lock()
		d.nextRetry = time.Time{}
		d.mu.Unlock()
	}
	return true
}

// retryDue returns when the earliest retry written falls due, or zero.
func (d *Dispatcher) retryDue() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nextRetry
}

// capacity returns how many deliveries may be claimed now, and the
// endpoints and tenants whose share is taken.
func (d *Dispatcher) capacity() gateway.DeliveryClaim {
	d.mu.Lock()
	defer d.mu.Unlock()
	queued := 0
	c := gateway.DeliveryClaim{PerUser: d.cfg.PerTenant}
	for id, e := range d.endpoints {
		queued += len(e.queue)
		if e.inflight >= d.cfg.PerEndpoint {
			c.SkipWebhooks = append(c.SkipWebhooks, id)
		}
	}
	for id, sh := range d.tenants {
		if sh.inflight >= d.cfg.PerTenant {
			c.SkipUsers = append(c.SkipUsers, id)
		}
	}
	c.Limit = min(d.cfg.BatchSize, d.cfg.Workers-d.inflight-queued)
	return c
}

// dispatch starts claimed deliveries within the caps; the rest wait in
// their endpoint's queue (up to one more round, when the endpoint is busy
// and the tenant's queues have room) or go back to the store.
func (d *Dispatcher) dispatch(ctx context.Context, claimed []*gateway.ClaimedDelivery) {
	var release []*gateway.ClaimedDelivery
	d.mu.Lock()
	for _, c := range claimed {
		sh := d.tenants[c.Delivery.UserID]
		if sh == nil {
			sh = &share{}
			d.tenants[c.Delivery.UserID] = sh
		}
		e := d.endpoints[c.Webhook.ID]
		if e == nil {
			e = &endpoint{}
			d.endpoints[c.Webhook.ID] = e
		}
		switch {
		case e.inflight < d.cfg.PerEndpoint && sh.inflight < d.cfg.PerTenant:
			e.inflight++
			sh.inflight++
			d.inflight++
			d.sends.Add(1)
			go d.send(c)
		case e.inflight >= d.cfg.PerEndpoint && len(e.queue) < d.cfg.PerEndpoint && sh.queued < d.cfg.PerTenant:
			// Started by the endpoint's next finished request, which
			// frees a slot of the same tenant.
			e.queue = append(e.queue, c)
			sh.queued++
		default:
			release = append(release, c)
		}
		d.forget(c)
	}
	d.mu.Unlock()
	for _, c := range release {
		if err := d.cfg.Store.ReleaseDelivery(ctx, c.Delivery.ID, c.Delivery.LockedUntil, time.Now()); err != nil {
			d.log.Warn("release webhook delivery", "delivery_id", c.Delivery.ID, "err", err)
		}
	}
}

// forget drops the entries of c's endpoint and tenant once they hold
// nothing; d.mu is held.
func (d *Dispatcher) forget(c *gateway.ClaimedDelivery) {
	if e := d.endpoints[c.Webhook.ID]; e != nil && e.inflight == 0 && len(e.queue) == 0 {
		delete(d.endpoints, c.Webhook.ID)
	}
	if sh := d.tenants[c.Delivery.UserID]; sh != nil && sh.inflight == 0 && sh.queued == 0 {
		delete(d.tenants, c.Delivery.UserID)
	}
}

// done frees the slots of a finished delivery and starts its endpoint's
// next queued one, in the slot of the same tenant just freed.
func (d *Dispatcher) done(c *gateway.ClaimedDelivery) {
	d.mu.Lock()
	e, sh := d.endpoints[c.Webhook.ID], d.tenants[c.Delivery.UserID]
	e.inflight--
	sh.inflight--
	d.inflight--
	if len(e.queue) > 0 && d.sendCtx.Err() == nil {
		next := e.queue[0]
		e.queue = e.queue[1:]
		e.inflight++
		sh.queued--
		sh.inflight++
		d.inflight++
		d.sends.Add(1)
		go d.send(next)
	}
	d.forget(c)
	d.mu.Unlock()
	d.Wake()
}

// releaseQueued gives back deliveries claimed but not started.
func (d *Dispatcher) releaseQueued() {
	d.mu.Lock()
	var release []*gateway.ClaimedDelivery
	for _, e := range d.endpoints {
		for _, c := range e.queue {
			d.tenants[c.Delivery.UserID].queued--
		}
		release = append(release, e.queue...)
		e.queue = nil
	}
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range release {
		d.mu.Lock()
		d.forget(c)
		d.mu.Unlock()
		_ = d.cfg.Store.ReleaseDelivery(ctx, c.Delivery.ID, c.Delivery.LockedUntil, time.Now())
	}
}

// send makes one attempt and reports its result.
func (d *Dispatcher) send(c *gateway.ClaimedDelivery) {
	defer d.sends.Done()
	defer d.done(c)
	r := d.attempt(c)
	switch r.Status {
	case gateway.DeliverySucceeded:
		d.succeeded.Add(1)
	case gateway.DeliveryFailed:
		d.failed.Add(1)
	case gateway.DeliveryAbandoned:
		d.abandoned.Add(1)
	}
	d.results <- r
}

// attempt posts a claimed delivery and decides what happens next.
func (d *Dispatcher) attempt(c *gateway.ClaimedDelivery) gateway.DeliveryResult {
	w, ev, del := c.Webhook, c.Event, c.Delivery
	r := gateway.DeliveryResult{DeliveryID: del.ID, WebhookID: w.ID, UserID: del.UserID, Lease: del.LockedUntil}
	now := time.Now()
	if !w.Active {
		r.Status, r.Error, r.At = gateway.DeliveryAbandoned, "The endpoint is disabled.", now
		return r
	}
	body, err := json.Marshal(ev)
	if err != nil {
		r.Status, r.Error, r.At = gateway.DeliveryAbandoned, "The event could not be encoded.", now
		return r
	}
	secrets := []string{w.Secret}
	if w.PreviousSecret != "" && w.PreviousSecretExpiresAt != nil && now.Before(*w.PreviousSecretExpiresAt) {
		secrets = append(secrets, w.PreviousSecret)
	}
	ts := now.Unix()
	sig, err := Sign(secrets, ev.ID, ts, body)
	if err != nil {
		r.Status, r.Error, r.At = gateway.DeliveryAbandoned, "The endpoint's signing secret is not valid.", now
		return r
	}
	ctx, cancel := context.WithTimeout(d.sendCtx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		r.Status, r.Error, r.At = gateway.DeliveryAbandoned, "The endpoint URL is not valid.", now
		return r
	}
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", d.cfg.UserAgent)
	// Set as written in the spec (lower case), which is how the standard
	// libraries look them up; HTTP header names are case-insensitive anyway.
	req.Header[HeaderID] = []string{ev.ID}
	req.Header[HeaderTimestamp] = []string{strconv.FormatInt(ts, 10)}
	req.Header[HeaderSignature] = []string{sig}
	if ev.RequestID != "" {
		// The API call that caused the event, as the caller saw it in
		// its own X-Request-Id (also in the body as request_id).
		req.Header.Set("X-Request-Id", ev.RequestID)
	}

	d.attempts.Add(1)
	start := time.Now()
	resp, err := d.cfg.Client.Do(req)
	r.Attempted = true
	r.RequestBody = logged(body, MaxLoggedRequest)
	r.Latency = time.Since(start)
	r.At = time.Now()
	var retryAfter time.Duration
	if err != nil {
		r.Error = describe(err, d.cfg.Timeout)
		if ssrf.Blocked(err) {
			// A policy refusal does not go away with time: retrying would
			// only fill the log with the same refusal for days.
			r.Status = gateway.DeliveryAbandoned
			return r
		}
	} else {
		// Read a little so the connection can be reused; the log keeps
		// only its start, for the tenant to see what the endpoint said.
		head, _ := io.ReadAll(io.LimitReader(resp.Body, MaxLoggedResponse))
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		resp.Body.Close()
		r.ResponseBody = logged(head, MaxLoggedResponse)
		r.StatusCode = resp.StatusCode
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			r.Status = gateway.DeliverySucceeded
			return r
		}
		r.Error = fmt.Sprintf("The endpoint answered %d %s.", resp.StatusCode, http.StatusText(resp.StatusCode))
		if resp.StatusCode == http.StatusGone {
			r.Status = gateway.DeliveryAbandoned
			r.Disable = "The endpoint answered 410 Gone."
			return r
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), r.At)
		}
	}
	attempts := del.Attempts + 1
	if attempts > len(d.cfg.Schedule) {
		r.Status = gateway.DeliveryAbandoned
		return r
	}
	delay := d.jitter(d.cfg.Schedule[attempts-1])
	if retryAfter > delay {
		delay = min(retryAfter, d.cfg.MaxRetryAfter)
	}
	next := r.At.Add(delay)
	r.Status, r.NextAttemptAt = gateway.DeliveryFailed, &next
	return r
}

// jitter spreads a delay by up to ± Jitter of it.
func (d *Dispatcher) jitter(delay time.Duration) time.Duration {
	if d.cfg.Jitter == 0 || delay <= 0 {
		return delay
	}
	f := 1 + d.cfg.Jitter*(2*rand.Float64()-1)
	return time.Duration(float64(delay) * f)
}

// parseRetryAfter reads seconds or an HTTP date; 0 when absent or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// describe turns a transport error into a sentence for the delivery log,
// without internal addresses.
func describe(err error, timeout time.Duration) string {
	var nerr net.Error
	var dnsErr *net.DNSError
	switch {
	case ssrf.Blocked(err):
		return "The endpoint's address is not allowed (a private, loopback or reserved network); not retried. " +
			"For a receiver on a private network (local development), the gateway needs WEBHOOK_ALLOW_PRIVATE_NETWORKS=true."
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout()):
		return fmt.Sprintf("The endpoint did not answer within %s.", timeout)
	case errors.Is(err, context.Canceled):
		return "The attempt was interrupted by a shutdown."
	case errors.As(err, &dnsErr):
		return "The endpoint's host name could not be resolved."
	case errors.Is(err, syscall.ECONNREFUSED):
		return "The endpoint refused the connection."
	}
	return "The endpoint could not be reached."
}

// writeResults records results in batches until the channel closes (or
// gives up once Close's time is out).
func (d *Dispatcher) writeResults() {
	defer close(d.flushDone)
	const maxBatch = 500
	batch := make([]gateway.DeliveryResult, 0, maxBatch)
	for r := range d.results {
		batch = append(batch[:0], r)
	more:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-d.results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		d.complete(batch)
	}
}

// wakeForRetries wakes the claim loop when the earliest retry of a
// written batch falls due, so a retry leaves on its schedule rather than at
// the next poll (the loop's own wake-ups come from new events and from
// finished sends, which may run before the result is written). The loop
// owns the wait, so it ends with the loop.
func (d *Dispatcher) wakeForRetries(batch []gateway.DeliveryResult) {
	var next time.Time
	for _, r := range batch {
		if r.Status == gateway.DeliveryFailed && r.NextAttemptAt != nil && (next.IsZero() || r.NextAttemptAt.Before(next)) {
			next = *r.NextAttemptAt
		}
	}
	if next.IsZero() || next.Sub(time.Now()) >= d.cfg.PollInterval {
		return
	}
	d.mu.Lock()
	if d.nextRetry.IsZero() || next.Before(d.nextRetry) {
		d.nextRetry = next
	}
	d.mu.Unlock()
	d.Wake()
}

// complete writes one batch, retrying while the store is unavailable; a
// batch that cannot be written leaves its deliveries to be retried after
// their leases, so nothing is lost, only sent again. It gives up when
// Close runs out of time.
func (d *Dispatcher) complete(batch []gateway.DeliveryResult) {
	var disableBefore time.Time
	if d.cfg.DisableAfter > 0 {
		disableBefore = time.Now().Add(-d.cfg.DisableAfter)
	}
	for failures := 1; ; failures++ {
		ctx, cancel := context.WithTimeout(d.flushCtx, 10*time.Second)
		err := d.cfg.Store.CompleteDeliveries(ctx, batch, Policy(disableBefore))
		cancel()
		if err == nil {
			d.wakeForRetries(batch)
			return
		}
		if d.flushCtx.Err() != nil {
			d.log.Warn("shutting down before webhook results were recorded; their deliveries will be sent again", "count", len(batch))
			return
		}
		if failures > 8 {
			d.log.Error("record webhook results; their deliveries will be sent again", "count", len(batch), "err", err)
			return
		}
		d.log.Warn("record webhook results", "count", len(batch), "err", err)
		if !backoff.Sleep(d.flushCtx, backoff.Jittered(50*time.Millisecond, 2*time.Second, failures)) {
			d.log.Warn("shutting down before webhook results were recorded; their deliveries will be sent again", "count", len(batch))
			return
		}
	}
}

// The delivery log's bounds: what an attempt keeps of the request it sent
// and of the endpoint's answer.
const (
	MaxLoggedRequest  = 8 << 10
	MaxLoggedResponse = 2 << 10
)

// logged is a body as the attempt log keeps it: at most max bytes, cut on a
// character boundary, invalid UTF-8 replaced (an endpoint may answer bytes).
func logged(b []byte, max int) string {
	if len(b) > max {
		b = b[:max]
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1] // a character the cut split
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
