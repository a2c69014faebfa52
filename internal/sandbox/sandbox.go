// Package sandbox is a simulated WhatsApp network: an implementation of
// gateway.Engine and gateway.Scanner for tests, demos and customers' own
// integration tests, as payment APIs have test modes. It behaves like the
// real engine at the interface (the same events, in the same order, with the
// same error codes), so everything above the engine is exercised for real,
// and it says it is a sandbox wherever it shows: QR strings start with
// "SANDBOX", push names with "Sandbox", failure reasons with "sandbox:".
//
// Pairing: Connect on an unpaired device emits QR codes (the first lives 60 s,
// later ones 20 s, six in all, then EvQRTimeout, as WhatsApp does). The
// device pairs by itself after Options.PairDelay, or when Scan is called (the
// API's "scan"). A paired device (EngineConfig.DeviceJID set) connects at
// once, without a QR.
//
// Test numbers, like a payment API's test cards:
//
//	any number ending in 0000   not on WhatsApp: Send succeeds at the server,
//	                            then a "failed" receipt follows with the reason
//	                            "sandbox: recipient is not on WhatsApp";
//	                            CheckNumbers reports it as not on WhatsApp
//	any other number            on WhatsApp: "delivered" after DeliveryDelay,
//	                            then "read" ("played" for voice notes) after
//	                            ReadDelay
//	999 followed by 9 digits    what an unnamed sandbox session pairs as
//	                            (999 is not an assigned country code), derived
//	                            from the session id so it is stable
//
// A message to the number of another sandbox session of the same tenant, in
// this process or another one sharing the Network, arrives there as
// EvInbound, and its receipts come from that session as WhatsApp's do: it is
// "delivered" once the receiving session has stored it, then "read"
// ("played") after the receiver's ReadDelay. A message the receiver did not
// store, or sent while it was not listening, stays "sent" and is offered
// again (after RetryDelay, and whenever the receiver comes back online) until
// it is. Another tenant's sandbox numbers are like any other number: the
// network never crosses tenants.
//
// Every event the handler does not persist (an inbound message, a receipt)
// is offered again, as WhatsApp redelivers what was not acknowledged.
package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Defaults of the QR code sequence, WhatsApp's own.
const (
	DefaultQRFirstTTL = 60 * time.Second
	DefaultQRNextTTL  = 20 * time.Second
	DefaultQRCodes    = 6
)

// NotOnWhatsAppReason is the failure reason of a message to a test number
// that is not on WhatsApp.
const NotOnWhatsAppReason = "sandbox: recipient is not on WhatsApp"

// Platform is what a sandbox device reports as its phone's platform.
const Platform = "sandbox"

// Options tune a sandbox engine. Zero values are usable.
type Options struct {
	// PairDelay pairs an unpaired device by itself this long after Connect
	// or PairPhone; 0 waits for Scan.
	PairDelay time.Duration
	// DeliveryDelay is the time from a send to its "delivered" (or "failed")
	// receipt; 0 sends it at once, a negative value never.
	DeliveryDelay time.Duration
	// ReadDelay is the time from "delivered" to "read" ("played" for voice
	// notes); 0 sends it at once, a negative value never.
	ReadDelay time.Duration
	// Network carries messages between sandbox sessions; nil isolates the
	// engine (its messages still get receipts).
	Network Network
	// Directory tells which numbers are the tenant's sandbox sessions,
	// whose messages go over the Network; required with a Network.
	Directory Directory
	// HistoryDays bounds the history seeded on pairing (history.go) to
	// that many days; 0 seeds none. HistoryMessages is its size
	// (DefaultHistoryMessages when 0).
	HistoryDays     int
	HistoryMessages int
	// Groups keeps the tenant's simulated groups (see groups.go); Factory
	// gives its engines one in-memory book when nil.
	Groups GroupBook
	// Accounts keeps the tenant's simulated accounts (see accounts.go);
	// Factory gives its engines one in-memory book when nil.
	Accounts AccountBook
	// QRFirstTTL, QRNextTTL and QRCodes shape the QR sequence (defaults:
	// 60 s, 20 s and 6 codes, like WhatsApp). Tests shorten them.
	QRFirstTTL time.Duration
	QRNextTTL  time.Duration
	QRCodes    int
	// RetryDelay is how long the engine waits before offering again an
	// event its handler did not persist, or a message to a sandbox peer that
	// was not acknowledged (default 1 s); it offers it MaxRetries times
	// (default 5), then drops the event, as WhatsApp would stop redelivering,
	// or keeps the message until the peer comes back online.
	RetryDelay time.Duration
	MaxRetries int
}

func (o *Options) fill() {
	if o.Groups == nil {
		// One engine's own book; Factory shares one among its engines.
		o.Groups = NewMemGroups()
	}
	if o.Accounts == nil {
		o.Accounts = NewMemAccounts()
	}
	defaults.Positive(&o.QRFirstTTL, DefaultQRFirstTTL)
	defaults.Positive(&o.QRNextTTL, DefaultQRNextTTL)
	defaults.Positive(&o.QRCodes, DefaultQRCodes)
	defaults.Positive(&o.RetryDelay, time.Second)
	defaults.Positive(&o.MaxRetries, 5)
}

// Engine is one simulated WhatsApp connection. It is safe for concurrent
// use; events reach the handler one at a time, in order.
type Engine struct {
	cfg  gateway.EngineConfig
	opts Options
	log  *slog.Logger

	mu sync.Mutex
	// gen is bumped by Connect, Disconnect and Logout; timers, listener
	// callbacks and queued events of an older generation are dropped, which
	// is how "no events after Disconnect" holds.
	gen       uint64
	active    bool // between Connect and Disconnect, Logout or the QR timeout
	connected bool // logged in on the simulated network
	pairing   bool // waiting for a scan (QR codes or a phone code)
	pairPhone string
	qrLeft    int
	phone     string
	jid       string
	lid       string
	pushName  string
	lastSeen  time.Time
	// blocked are the phones the account blocked (its account record's
	// list, kept here so that receiving needs no read of the book).
	blocked map[string]bool

	hctx        context.Context
	stopCtxHook func() bool
	stopListen  func()
	afterUnlock []func()
	timers      map[*timerEntry]struct{}

	queue       []queuedEvent
	dispatching bool

	// outbox holds the messages sent to sandbox peers that no receipt has
	// acknowledged yet, by id. It outlives a Disconnect, as WhatsApp's
	// server keeps what it has accepted.
	outbox map[string]*outgoing

	// calls are the session's recent calls, callPeers the other party of
	// each call it placed (calls.go).
	calls     gateway.CallBook
	callPeers map[string]sbCall
}

// outgoing is a message to a sandbox peer waiting for its "delivered".
type outgoing struct {
	to    string
	env   Envelope
	tries int
}

type timerEntry struct{ t *time.Timer }

type queuedEvent struct {
	gen   uint64
	ev    gateway.EngineEvent
	after func(err error) // called with the handler's answer, outside the lock
}

var (
	_ gateway.Engine        = (*Engine)(nil)
	_ gateway.Scanner       = (*Engine)(nil)
	_ gateway.AccountEngine = (*Engine)(nil)
	_ gateway.SandboxCaller = (*Engine)(nil)
)

// New returns a sandbox engine for one session. cfg.Handler is required.
func New(cfg gateway.EngineConfig, opts Options) (*Engine, error) {
	if cfg.Handler == nil {
		return nil, fmt.Errorf("sandbox: engine config has no event handler")
	}
	if cfg.SessionID == "" {
		return nil, fmt.Errorf("sandbox: engine config has no session id")
	}
	if opts.Network != nil && opts.Directory == nil {
		return nil, fmt.Errorf("sandbox: a network needs a directory")
	}
	opts.fill()
	e := &Engine{
		cfg:    cfg,
		opts:   opts,
		log:    defaults.Logger(cfg.Logger).With("engine", gateway.EngineSandbox),
		timers: make(map[*timerEntry]struct{}),
		outbox: make(map[string]*outgoing),

		callPeers: make(map[string]sbCall),
	}
	if cfg.DeviceJID != "" {
		phone, err := phoneOfJID(cfg.DeviceJID)
		if err != nil {
			return nil, fmt.Errorf("sandbox: device jid: %w", err)
		}
		e.setDeviceLocked(phone)
	}
	return e, nil
}

// Factory returns a gateway.EngineFactory building sandbox engines with opts.
func Factory(opts Options) gateway.EngineFactory {
	if opts.Groups == nil {
		opts.Groups = NewMemGroups()
	}
	if opts.Accounts == nil {
		opts.Accounts = NewMemAccounts()
	}
	return func(_ context.Context, cfg gateway.EngineConfig) (gateway.Engine, error) {
		return New(cfg, opts)
	}
}

// DerivedPhone is the number a sandbox session pairs as when no number is
// given: "999" and 9 digits derived from the session id, never ending in
// 0000 (those are the "not on WhatsApp" test numbers).
func DerivedPhone(sessionID string) string {
	h := sha256.Sum256([]byte("sandbox-phone:" + sessionID))
	n := binary.BigEndian.Uint64(h[:8]) % 1_000_000_000
	p := fmt.Sprintf("999%09d", n)
	if strings.HasSuffix(p, "0000") {
		p = p[:len(p)-1] + "1"
	}
	return p
}

// NotOnWhatsApp reports whether phone is a sandbox test number that is not
// on WhatsApp (it ends in 0000).
func NotOnWhatsApp(phone string) bool { return strings.HasSuffix(phone, "0000") }

// derivedLID is a stable fake LID for a phone, as WhatsApp assigns one per account.
func derivedLID(phone string) string {
	h := sha256.Sum256([]byte("sandbox-lid:" + phone))
	n := binary.BigEndian.Uint64(h[:8]) % 900_000_000_000_000
	return fmt.Sprintf("%d@%s", 100_000_000_000_000+n, gateway.ServerLID)
}

func phoneOfJID(jid string) (string, error) {
	user, _, _ := strings.Cut(jid, "@")
	user, _, _ = strings.Cut(user, ":")
	return gateway.NormalizePhone(user)
}

func (e *Engine) setDeviceLocked(phone string) {
	e.phone = phone
	e.jid = phone + ":1@" + gateway.ServerUser
	e.lid = derivedLID(phone)
	last := phone
	if len(last) > 4 {
		last = last[len(last)-4:]
	}
	e.pushName = "Sandbox " + last
}

func (e *Engine) pairedLocked() bool { return e.jid != "" }

// Connect connects a paired device (EvConnected follows) or starts pairing
// an unpaired one (EvQR follows). ctx becomes the context of the event
// handler, as with whatsmeow: when it ends, the engine disconnects. A second
// Connect while active is CodeConflict; CodeUnavailable when the network
// cannot be listened on.
func (e *Engine) Connect(ctx context.Context) error {
	e.mu.Lock()
	defer e.unlock()
	if e.active {
		return gateway.Errorf(gateway.CodeConflict, "The sandbox session is already connected.")
	}
	e.gen++
	gen := e.gen
	e.active = true
	e.hctx = ctx
	e.stopCtxHook = context.AfterFunc(ctx, func() { e.disconnectGen(gen) })
	if e.pairedLocked() {
		if err := e.goOnlineLocked(); err != nil {
			e.disconnectLocked()
			return err
		}
		return nil
	}
	e.pairing = true
	e.pairPhone = ""
	e.qrLeft = e.opts.QRCodes
	e.nextQRLocked()
	if e.opts.PairDelay > 0 {
		e.afterLocked(e.opts.PairDelay, func() { _ = e.pairLocked("") })
	}
	return nil
}

// goOnlineLocked listens on the network and reports the connection. Once
// listening, it tells the tenant's other sessions, which offer again what
// waits for this number, and offers again what waits in its own outbox.
func (e *Engine) goOnlineLocked() error {
	if e.opts.Network != nil {
		gen := e.gen
		cancel, err := e.opts.Network.Listen(e.hctx, e.cfg.UserID, e.phone, func(env Envelope) { e.receive(gen, env) })
		if err != nil {
			return gateway.WrapError(err, gateway.CodeUnavailable, "The sandbox network is unavailable.")
		}
		e.stopListen = cancel
		hello := Envelope{Kind: KindOnline, FromPhone: e.phone, Timestamp: time.Now().UTC()}
		e.publishLocked(func(ctx context.Context) error { return e.opts.Network.Announce(ctx, e.cfg.UserID, hello) })
		for _, o := range e.outbox {
			e.deliverLocked(o)
		}
	}
	e.registerLocked()
	e.connected = true
	e.lastSeen = time.Now()
	e.emitLocked(gateway.EvConnected{JID: e.jid, Phone: e.phone, PushName: e.pushName}, nil)
	if e.cfg.Outstanding != nil {
		gen, ctx := e.gen, e.hctx
		e.afterUnlock = append(e.afterUnlock, func() { go e.replayReceipts(ctx, gen) })
	}
	return nil
}

// replayReceipts plays again the receipts owed to messages sent before a
// restart, as WhatsApp's servers deliver owed receipts after a reconnect.
func (e *Engine) replayReceipts(ctx context.Context, gen uint64) {
	owed, err := e.cfg.Outstanding(ctx)
	if err != nil {
		e.log.Warn("sandbox outstanding receipts", "error", err)
		return
	}
	// Messages to sandbox peers get their receipts from the peers, and
	// only for what they stored: none are made up for them here.
	peers := map[string]bool{}
	timed := owed[:0:0]
	for _, o := range owed {
		if gateway.IsChannelJID(o.To) {
			continue // channel posts have no receipts
		}
		phone, _ := phoneOfJID(o.To)
		peer, ok := peers[phone]
		if !ok {
			if peer, err = e.peer(ctx, phone); err != nil {
				e.log.Warn("sandbox outstanding receipts", "error", err)
				return
			}
			peers[phone] = peer
		}
		if !peer {
			timed = append(timed, o)
		}
	}
	e.mu.Lock()
	defer e.unlock()
	if e.gen != gen || !e.connected {
		return
	}
	for _, o := range timed {
		phone, _ := phoneOfJID(o.To)
		e.scheduleReceiptsLocked(o.WAMessageID, o.To, phone, o.Voice)
	}
}

// nextQRLocked emits the next QR code, or the timeout once they ran out.
func (e *Engine) nextQRLocked() {
	if !e.pairing {
		return
	}
	if e.qrLeft == 0 {
		e.emitLocked(gateway.EvQRTimeout{}, nil)
		// Like whatsmeow, the login socket closes with the last code; the
		// timeout event itself is still delivered (same generation).
		e.pairing = false
		e.active = false
		e.stopTimersLocked()
		e.releaseCtxLocked()
		return
	}
	ttl := e.opts.QRNextTTL
	if e.qrLeft == e.opts.QRCodes {
		ttl = e.opts.QRFirstTTL
	}
	e.qrLeft--
	e.emitLocked(gateway.EvQR{Code: newQRCode(), ExpiresAt: time.Now().Add(ttl)}, nil)
	e.afterLocked(ttl, e.nextQRLocked)
}

// newQRCode returns a QR payload shaped like WhatsApp's
// ("ref,noiseKey,identityKey,advSecret") but labelled as a sandbox.
func newQRCode() string {
	part := func(n int) string {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	return "SANDBOX@" + part(18) + "," + part(32) + "," + part(32) + "," + part(32)
}

// pairLocked completes pairing as the phone number given (or the one from
// PairPhone, or the derived one).
func (e *Engine) pairLocked(phone string) error {
	if !e.active || !e.pairing {
		return gateway.Errorf(gateway.CodeConflict, "The sandbox session is not waiting for a QR scan.")
	}
	if phone == "" {
		phone = e.pairPhone
	}
	if phone == "" {
		phone = DerivedPhone(e.cfg.SessionID)
	}
	e.pairing = false
	e.stopTimersLocked()
	e.setDeviceLocked(phone)
	e.cfg.DeviceJID = e.jid
	e.emitLocked(gateway.EvPaired{JID: e.jid, LID: e.lid, Phone: e.phone, PushName: e.pushName, Platform: Platform}, nil)
	if err := e.goOnlineLocked(); err != nil {
		e.log.Warn("sandbox network listen", "error", err)
		e.emitLocked(gateway.EvDisconnected{Reason: "sandbox: network unavailable"}, nil)
		e.active = false
		e.releaseCtxLocked()
		return nil
	}
	// The history a phone pushes to a new device.
	for _, b := range seedHistory(e.phone, e.opts.HistoryDays, e.opts.HistoryMessages, time.Now()) {
		e.offerLocked(b, 0, nil)
	}
	return nil
}

// Scan completes pairing as if a phone had scanned the current QR code;
// phone "" pairs as the number given to PairPhone, or the derived one.
// CodeConflict when not pairing, CodeValidation for a bad number.
func (e *Engine) Scan(_ context.Context, phone string) error {
	if phone != "" {
		p, err := gateway.NormalizePhone(phone)
		if err != nil {
			return err
		}
		phone = p
	}
	e.mu.Lock()
	defer e.unlock()
	return e.pairLocked(phone)
}

// pairCodeAlphabet is WhatsApp's pairing-code alphabet (no 0, O, I or U).
const pairCodeAlphabet = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"

// PairPhone returns an 8-character pairing code ("XXXX-XXXX") for phone; the
// device pairs as that number after PairDelay, or on Scan. CodeValidation
// for a bad number, CodeConflict when already paired, CodeUnavailable when
// the engine is not connecting.
func (e *Engine) PairPhone(_ context.Context, phone string) (string, error) {
	p, err := gateway.NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	defer e.unlock()
	if e.pairedLocked() {
		return "", gateway.Errorf(gateway.CodeConflict, "The sandbox session is already paired.")
	}
	if !e.active || !e.pairing {
		return "", gateway.Errorf(gateway.CodeUnavailable, "The sandbox session is not connecting; start it first.")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	code := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			code = append(code, '-')
		}
		code = append(code, pairCodeAlphabet[int(c)%len(pairCodeAlphabet)])
	}
	e.pairPhone = p
	if e.opts.PairDelay > 0 {
		e.afterLocked(e.opts.PairDelay, func() { _ = e.pairLocked("") })
	}
	return string(code), nil
}

// Disconnect closes the connection without logging out. It emits nothing,
// and no event reaches the handler after it returns, except one already
// being handled.
func (e *Engine) Disconnect() {
	e.mu.Lock()
	defer e.unlock()
	e.disconnectLocked()
}

func (e *Engine) disconnectGen(gen uint64) {
	e.mu.Lock()
	defer e.unlock()
	if e.gen == gen {
		e.disconnectLocked()
	}
}

func (e *Engine) disconnectLocked() {
	if e.connected && e.phone != "" {
		// The account's connection closes: WhatsApp shows it unavailable.
		phone := e.phone
		e.afterUnlock = append(e.afterUnlock, func() { e.goUnavailable(phone) })
	}
	e.gen++
	e.active = false
	e.connected = false
	e.pairing = false
	e.stopTimersLocked()
	if e.stopListen != nil {
		// Cancelled after unlocking: a bus may wait for a callback that is
		// itself waiting for the lock.
		e.afterUnlock = append(e.afterUnlock, e.stopListen)
		e.stopListen = nil
	}
	e.releaseCtxLocked()
	clear(e.queue)
	e.queue = e.queue[:0]
}

// unlock releases the lock, then runs what had to wait for it.
func (e *Engine) unlock() {
	run := e.afterUnlock
	e.afterUnlock = nil
	e.mu.Unlock()
	for _, f := range run {
		f()
	}
}

func (e *Engine) releaseCtxLocked() {
	if e.stopCtxHook != nil {
		e.stopCtxHook()
		e.stopCtxHook = nil
	}
}

// Logout removes the device, as whatsmeow does: it disconnects, forgets the
// device and emits nothing. Logging out an unpaired engine just disconnects it.
func (e *Engine) Logout(_ context.Context) error {
	e.mu.Lock()
	defer e.unlock()
	e.disconnectLocked()
	clear(e.outbox)
	e.phone, e.jid, e.lid, e.pushName = "", "", "", ""
	e.cfg.DeviceJID = ""
	return nil
}

// Status reports the simulated connection.
func (e *Engine) Status() gateway.EngineStatus {
	e.mu.Lock()
	defer e.unlock()
	return gateway.EngineStatus{
		Connected:    e.active,
		LoggedIn:     e.connected,
		Paired:       e.pairedLocked(),
		JID:          e.jid,
		LastActivity: e.lastSeen,
	}
}

// afterLocked runs f under the lock after d, unless the generation changed
// or the timers were stopped meanwhile.
func (e *Engine) afterLocked(d time.Duration, f func()) {
	gen := e.gen
	entry := &timerEntry{}
	entry.t = time.AfterFunc(d, func() {
		e.mu.Lock()
		defer e.unlock()
		if _, ok := e.timers[entry]; !ok || e.gen != gen {
			return
		}
		delete(e.timers, entry)
		f()
	})
	e.timers[entry] = struct{}{}
}

func (e *Engine) stopTimersLocked() {
	for t := range e.timers {
		t.t.Stop()
	}
	clear(e.timers)
}

// emitLocked queues an event for the handler. One dispatcher goroutine at a
// time delivers the queue in order and exits when it is empty, so an idle
// engine holds no goroutine. Receipts queued one after another are handed
// over together (gateway.EvReceipts, stored in one transaction): under load
// the receipts that waited behind one commit cost one more, not one each.
func (e *Engine) emitLocked(ev gateway.EngineEvent, after func(error)) {
	e.queue = append(e.queue, queuedEvent{gen: e.gen, ev: ev, after: after})
	if !e.dispatching {
		e.dispatching = true
		go e.dispatch()
	}
}

func (e *Engine) dispatch() {
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.dispatching = false
			e.mu.Unlock()
			return
		}
		q := e.queue[0]
		e.queue[0] = queuedEvent{}
		e.queue = e.queue[1:]
		if q.gen != e.gen {
			e.mu.Unlock()
			continue
		}
		batch := []queuedEvent{q}
		if _, ok := q.ev.(gateway.EvReceipt); ok {
			for len(e.queue) > 0 && len(batch) < maxReceiptBatch && e.queue[0].gen == q.gen {
				if _, ok := e.queue[0].ev.(gateway.EvReceipt); !ok {
					break
				}
				batch = append(batch, e.queue[0])
				e.queue[0] = queuedEvent{}
				e.queue = e.queue[1:]
			}
		}
		ctx := e.hctx
		e.mu.Unlock()
		ev := q.ev
		if len(batch) > 1 {
			rs := make([]gateway.EvReceipt, len(batch))
			for i, b := range batch {
				rs[i] = b.ev.(gateway.EvReceipt)
			}
			ev = gateway.EvReceipts{Receipts: rs}
		}
		err := e.cfg.Handler(ctx, ev)
		for _, b := range batch {
			if b.after != nil {
				b.after(err)
			} else if err != nil {
				e.log.Warn("sandbox event not persisted",
					"event", fmt.Sprintf("%T", b.ev), "error", err)
			}
		}
	}
}

// maxReceiptBatch bounds the receipts handed over together.
const maxReceiptBatch = 256
