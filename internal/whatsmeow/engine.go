// Package whatsmeow is the real WhatsApp engine: gateway.Engine on
// go.mau.fi/whatsmeow (the multi-device Web protocol). Device keys live in
// the gateway's own database (DeviceStore); inbound events are acknowledged
// to WhatsApp only after the worker's handler has stored them; the engine
// reconnects with a capped backoff, recycles zombie connections, and never
// answers a stream replacement, a logout, an outdated client or a ban with a
// reconnect.
//
// No machine here reaches WhatsApp, so the engine is built to fail honestly:
// a connection that cannot be made is reported as a disconnected,
// reconnecting session with the reason, and the API stays responsive.
package whatsmeow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"sync"
	"time"

	wa "go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Defaults of Options.
const (
	DefaultMinBackoff    = 2 * time.Second
	DefaultMaxBackoff    = 5 * time.Minute
	DefaultZombieAfter   = 90 * time.Second
	DefaultWatchdogEvery = 30 * time.Second
	DefaultMaxMediaBytes = 64 << 20
)

// QR code lifetimes: WhatsApp's first code lives 60 s, each later one 20 s.
const (
	qrFirstTTL = 60 * time.Second
	qrNextTTL  = 20 * time.Second
)

// PairDisplayName is the "Browser (OS)" name shown on the phone when
// pairing by code; WhatsApp refuses names that are not a common browser
// and OS with 400 bad-request.
const PairDisplayName = "Chrome (Linux)"

// Options tune the engine. Store is required; zero values elsewhere are usable.
type Options struct {
	// Store keeps whatsmeow's device keys in the gateway's database.
	Store *DeviceStore
	// MediaDir is MEDIA_STORAGE_PATH: inbound media is downloaded under
	// it, to <session id>/<file>. Empty keeps no inbound media.
	MediaDir string
	// Fetcher fetches outbound media given by URL; nil uses the product's
	// SSRF guard with its strictest settings (public addresses only).
	Fetcher MediaFetcher
	// MaxMediaBytes caps media sent and downloaded (default 64 MiB).
	MaxMediaBytes int64
	// HistoryDays bounds the history stored after pairing to that many
	// days (HISTORY_SYNC_DAYS); 0 downloads and stores none.
	HistoryDays int
	// Proxy is an http://, https:// or socks5:// proxy for the websocket
	// and media; empty follows HTTPS_PROXY.
	Proxy string
	// MinBackoff and MaxBackoff bound the delay between reconnect
	// attempts, which doubles from MinBackoff (defaults 2 s and 5 min).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// ZombieAfter is how long a connection may look alive while its
	// keepalives fail (or its socket is gone without an event) before the
	// watchdog recycles it (default 90 s); WatchdogEvery is how often the
	// watchdog looks (default 30 s).
	ZombieAfter   time.Duration
	WatchdogEvery time.Duration
	// Jitter returns a number in [0, 1) that spreads reconnects (rand.Float64 when nil).
	Jitter func() float64
}

func (o *Options) fill() {
	defaults.Positive(&o.MaxMediaBytes, DefaultMaxMediaBytes)
	defaults.Positive(&o.MinBackoff, DefaultMinBackoff)
	defaults.Positive(&o.MaxBackoff, DefaultMaxBackoff)
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = o.MinBackoff
	}
	defaults.Positive(&o.ZombieAfter, DefaultZombieAfter)
	defaults.Positive(&o.WatchdogEvery, DefaultWatchdogEvery)
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.Fetcher == nil {
		o.Fetcher = defaultFetcher()
	}
}

// Engine is one WhatsApp connection for one session.
type Engine struct {
	cfg  gateway.EngineConfig
	opts Options
	log  *slog.Logger

	// hmu serialises calls to the worker's handler: whatsmeow dispatches
	// some events (Disconnected, LoggedOut, StreamReplaced, keepalives)
	// on goroutines of their own.
	hmu sync.Mutex

	mu  sync.Mutex
	cli *wa.Client
	// gen is bumped by Connect and Disconnect; events, timers and dials
	// of an older generation are dropped.
	gen         uint64
	active      bool // between Connect and Disconnect or a permanent stop
	hctx        context.Context
	stopCtxHook func() bool
	missing     bool // the stored device is gone from the device store
	deleted     bool // the device was deleted (logout): a new one is needed to pair
	replaced    bool
	socketUp    bool // the last connect succeeded and no disconnect followed
	online      bool // logged in (Connected) and no disconnect since
	jid         types.JID
	pushName    string
	failures    int
	retry       *time.Timer
	watchdog    *time.Timer
	qrStop      chan struct{}
	kaFailSince time.Time
	lastActive  time.Time
	bannedUntil time.Time

	// presence is the account's presence as last set through the API,
	// and subscribed the users whose presence it subscribed to: WhatsApp
	// forgets both when the connection drops, so they are sent again on
	// every reconnect (presence.go).
	presence   string
	subscribed map[types.JID]struct{}

	downloads chan struct{} // bounds concurrent media downloads
	// reuploads are media downloads waiting for the phone to upload the
	// file again (expired links), by WhatsApp message id.
	reuploads map[types.MessageID]*pendingMedia
	// downloadBackoff is the wait before each retry of a download that
	// failed for a passing reason (network, server); tests shorten it.
	downloadBackoff []time.Duration

	// calls are the account's recent calls (calls.go).
	calls gateway.CallBook
}

var _ gateway.Engine = (*Engine)(nil)

// Factory returns a gateway.EngineFactory building whatsmeow engines with opts.
func Factory(opts Options) gateway.EngineFactory {
	setHistoryDays(opts.HistoryDays)
	return func(ctx context.Context, cfg gateway.EngineConfig) (gateway.Engine, error) {
		return New(ctx, cfg, opts)
	}
}

// New loads the session's device (cfg.DeviceJID; a new one when empty) and
// builds its client. Nothing connects before Connect.
func New(ctx context.Context, cfg gateway.EngineConfig, opts Options) (*Engine, error) {
	if cfg.Handler == nil {
		return nil, fmt.Errorf("whatsmeow: engine config has no event handler")
	}
	if cfg.SessionID == "" {
		return nil, fmt.Errorf("whatsmeow: engine config has no session id")
	}
	if opts.Store == nil {
		return nil, fmt.Errorf("whatsmeow: no device store")
	}
	opts.fill()
	if cfg.Proxy != "" { // the session's own proxy over WHATSAPP_PROXY
		opts.Proxy = cfg.Proxy
	}
	e := &Engine{
		cfg:             cfg,
		opts:            opts,
		log:             defaults.Logger(cfg.Logger).With("engine", gateway.EngineWhatsmeow),
		downloads:       make(chan struct{}, 2),
		reuploads:       map[types.MessageID]*pendingMedia{},
		subscribed:      map[types.JID]struct{}{},
		downloadBackoff: []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute},
		bannedUntil:     cfg.BannedUntil,
	}
	dev, missing, err := opts.Store.Device(ctx, cfg.DeviceJID)
	if err != nil {
		return nil, err
	}
	e.missing = missing
	cli, err := e.newClient(dev)
	if err != nil {
		return nil, err
	}
	e.cli = cli
	if dev.ID != nil {
		e.jid = *dev.ID
		e.pushName = dev.PushName
	}
	return e, nil
}

// newClient builds a client on dev with the settings at-least-once
// delivery needs: acks after the handler (SynchronousAck), no ack when it
// fails (the success-status handler), and decrypted plaintext kept until
// then (EnableDecryptedEventBuffer), so a crash between decrypt and store
// loses nothing.
func (e *Engine) newClient(dev *store.Device) (*wa.Client, error) {
	cli := wa.NewClient(dev, newWALogger(e.log, "Client"))
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	cli.EnableAutoReconnect = true
	// A first connect that fails is retried by the engine's own capped
	// backoff, not whatsmeow's linear, uncapped one.
	cli.InitialAutoReconnect = false
	// History blobs (tens of MB after pairing) are downloaded by the
	// engine (history.go) within HISTORY_SYNC_DAYS, and their notification
	// acknowledged only once stored.
	cli.ManualHistorySyncDownload = true
	cli.AutoReconnectHook = func(err error) bool {
		e.mu.Lock()
		gen, current := e.gen, e.cli == cli && e.active
		e.mu.Unlock()
		if current {
			e.connectFailed(gen, err)
		}
		return false
	}
	if e.opts.Proxy != "" {
		if err := cli.SetProxyAddress(e.opts.Proxy); err != nil {
			return nil, gateway.WrapError(err, gateway.CodeValidation, "The WhatsApp proxy address is not valid.")
		}
	}
	// After a restart whatsmeow's cache of recent sends is empty; a
	// recipient asking for a message again is answered from the store.
	cli.GetMessageForRetry = func(_, _ types.JID, id types.MessageID) *waE2E.Message { return e.messageForRetry(id) }
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool { return e.onEvent(cli, evt) })
	return cli, nil
}

// Connect connects a paired device (EvConnected follows) or starts pairing
// an unpaired one (EvQR follows). It returns at once: a connection that
// cannot be made is reported as EvDisconnected with the reason and retried
// with a capped backoff. ctx becomes the handler's context; when it ends
// the engine disconnects. CodeConflict when already connecting.
func (e *Engine) Connect(ctx context.Context) error {
	e.mu.Lock()
	if e.active {
		e.mu.Unlock()
		return gateway.Errorf(gateway.CodeConflict, "The WhatsApp session is already connecting.")
	}
	if e.replaced {
		e.mu.Unlock()
		return gateway.Errorf(gateway.CodeConflict, "Another connection took over this device; restart the session.")
	}
	e.gen++
	gen := e.gen
	e.active = true
	e.hctx = ctx
	e.failures = 0
	e.lastActive = time.Now()
	e.stopCtxHook = context.AfterFunc(ctx, func() { e.disconnectGen(gen) })
	missing := e.missing
	e.missing = false
	until := e.bannedUntil
	e.mu.Unlock()

	switch {
	case missing:
		// whatsmeow deleted the device (a logout while the gateway was
		// down): the session needs pairing again.
		e.stop(gen)
		go e.emit(gen, gateway.EvLoggedOut{Reason: "The device is no longer linked to WhatsApp; pair the session again."})
	case until.After(time.Now()):
		go func() {
			e.emit(gen, gateway.EvTemporaryBan{Reason: reasonBanned, Until: until})
			e.dialAfter(gen, until.Sub(time.Now()))
		}()
	default:
		go e.dial(gen)
	}
	return nil
}

const reasonBanned = "WhatsApp banned the number temporarily; the session reconnects when the ban ends."

// dial makes one connection attempt.
func (e *Engine) dial(gen uint64) {
	if !e.lockCurrent(gen) {
		return
	}
	e.retry = nil
	if e.deleted {
		// After a logout whatsmeow has cleared the device: pair a new one.
		c, err := e.opts.Store.Container(e.hctx)
		if err != nil {
			e.mu.Unlock()
			e.connectFailed(gen, err)
			return
		}
		cli, err := e.newClient(c.NewDevice())
		if err != nil {
			e.mu.Unlock()
			e.connectFailed(gen, err)
			return
		}
		old := e.cli
		e.cli, e.deleted, e.jid, e.pushName = cli, false, types.EmptyJID, ""
		go old.RemoveEventHandlers()
	}
	cli, ctx := e.cli, e.hctx
	e.mu.Unlock()

	err := cli.ConnectContext(ctx)
	if err != nil && !errors.Is(err, wa.ErrAlreadyConnected) {
		e.connectFailed(gen, err)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.currentLocked(gen) {
		// Disconnected while dialling: close what the dial opened.
		go cli.Disconnect()
		return
	}
	e.socketUp = true
	e.lastActive = time.Now()
	e.startWatchdogLocked(gen)
}

// currentLocked reports whether connection attempt gen is still the
// engine's live one (not superseded, not disconnected); e.mu is held.
func (e *Engine) currentLocked(gen uint64) bool {
	return e.gen == gen && e.active
}

// lockCurrent locks e.mu when attempt gen is still the live one; false,
// with e.mu unlocked, when it is not and its work is to be dropped.
func (e *Engine) lockCurrent(gen uint64) bool {
	e.mu.Lock()
	if !e.currentLocked(gen) {
		e.mu.Unlock()
		return false
	}
	return true
}

// connectFailed reports a failed attempt and schedules the next one.
func (e *Engine) connectFailed(gen uint64, err error) {
	if !e.lockCurrent(gen) {
		return
	}
	e.socketUp, e.online = false, false
	e.failures++
	delay := e.backoffLocked(e.failures)
	e.mu.Unlock()
	e.log.Warn("whatsapp connect failed", "attempt", e.failures, "retry_in", delay, "error", err)
	e.emit(gen, gateway.EvDisconnected{Reason: connectFailureReason(e.opts.Proxy, err, delay), Reconnecting: true})
	e.dialAfter(gen, delay)
}

// dialAfter schedules a connection attempt, replacing a pending one.
func (e *Engine) dialAfter(gen uint64, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.currentLocked(gen) {
		return
	}
	if e.retry != nil {
		e.retry.Stop()
	}
	e.retry = time.AfterFunc(d, func() { e.dial(gen) })
}

// backoffLocked is the delay before attempt n+1 after n failures: doubling
// from MinBackoff, capped at MaxBackoff, less up to a fifth at random so
// that sessions cut off together do not come back together.
func (e *Engine) backoffLocked(n int) time.Duration {
	return Backoff(n, e.opts.MinBackoff, e.opts.MaxBackoff, e.opts.Jitter())
}

// Backoff is the delay after n consecutive failures (n ≥ 1): min·2^(n-1),
// capped at max, less jitter·20 %.
func Backoff(n int, minDelay, maxDelay time.Duration, jitter float64) time.Duration {
	d := backoff.Capped(minDelay, maxDelay, n)
	return d - time.Duration(float64(d)*0.2*jitter)
}

// connectFailureReason is the session's status reason after a failed
// connection attempt. Through a proxy it says which leg failed: the proxy
// itself (down, wrong address, TLS), or WhatsApp behind it.
func connectFailureReason(proxyURL string, err error, retry time.Duration) string {
	retry = retry.Round(time.Second)
	if proxyURL == "" {
		return fmt.Sprintf("Cannot reach WhatsApp (%s); retrying in %s.", describeConnectError(err), retry)
	}
	host := proxyURL
	if u, perr := url.Parse(proxyURL); perr == nil {
		host = u.Host // never the credentials
	}
	if proxyUnreachable(err) {
		return fmt.Sprintf("Cannot reach the proxy %s (%s); retrying in %s.", host, describeConnectError(err), retry)
	}
	return fmt.Sprintf("Cannot reach WhatsApp through the proxy %s (%s); retrying in %s.", host, describeConnectError(err), retry)
}

// proxyUnreachable reports whether a connection failed on its way to the
// proxy rather than beyond it. net/http wraps only the dial (and TLS) to
// an HTTP proxy in a "proxyconnect" error; the SOCKS dialer wraps every
// failure in "socks connect", the dial to the proxy being a net dial or
// DNS error inside it.
func proxyUnreachable(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		op, ok := e.(*net.OpError)
		if !ok {
			continue
		}
		switch op.Op {
		case "proxyconnect":
			return true
		case "socks connect":
			var inner *net.OpError
			var dnsErr *net.DNSError
			return (errors.As(op.Err, &inner) && inner.Op == "dial") || errors.As(op.Err, &dnsErr)
		}
	}
	return false
}

// describeConnectError says in a sentence fragment why a connection
// failed, without the driver's text.
func describeConnectError(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return "cannot resolve " + dnsErr.Name
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "the connection timed out"
	case hasOp(err, "dial"):
		return "the connection was refused"
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return "the proxy refused the connection"
	case gateway.ErrorCode(err) == gateway.CodeUnavailable && errors.As(err, new(*gateway.Error)):
		return gateway.ErrorMessage(err)
	}
	return "the connection failed"
}

// hasOp reports whether a network error with the operation op is in err's
// chain, however deep: a proxy's error wraps the dial error within.
func hasOp(err error, op string) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if o, ok := e.(*net.OpError); ok && o.Op == op {
			return true
		}
	}
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Disconnect closes the connection without logging out and stops every
// timer. It emits nothing; events still arriving are dropped (messages are
// not acknowledged, so WhatsApp delivers them again).
func (e *Engine) Disconnect() {
	e.mu.Lock()
	e.gen++
	e.stopLocked()
	cli := e.cli
	e.mu.Unlock()
	cli.Disconnect()
}

func (e *Engine) disconnectGen(gen uint64) {
	e.mu.Lock()
	if e.gen != gen {
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	e.Disconnect()
}

// stop ends the engine's activity of generation gen without bumping it, so
// the event being handled still reaches the worker.
func (e *Engine) stop(gen uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gen == gen {
		e.stopLocked()
	}
}

func (e *Engine) stopLocked() {
	e.active, e.socketUp, e.online = false, false, false
	e.kaFailSince = time.Time{}
	if e.retry != nil {
		e.retry.Stop()
		e.retry = nil
	}
	if e.watchdog != nil {
		e.watchdog.Stop()
		e.watchdog = nil
	}
	e.stopQRLocked()
	if e.stopCtxHook != nil {
		e.stopCtxHook()
		e.stopCtxHook = nil
	}
}

// Logout removes the device from WhatsApp and from the device store. When
// WhatsApp cannot be told (offline), the device is still deleted here, so
// the session can pair again; the phone then lists it until WhatsApp
// expires it, which is logged.
func (e *Engine) Logout(ctx context.Context) error {
	e.mu.Lock()
	e.gen++
	e.stopLocked()
	cli := e.cli
	paired := cli.Store.ID != nil
	e.mu.Unlock()
	if !paired {
		cli.Disconnect()
		return nil
	}
	if err := cli.Logout(ctx); err != nil {
		e.log.Warn("whatsapp logout request failed; deleting the device locally", "error", err)
		cli.Disconnect()
		if cli.Store.ID != nil {
			if err := cli.Store.Delete(ctx); err != nil {
				return gateway.WrapError(fmt.Errorf("delete whatsmeow device: %w", err),
					gateway.CodeUnavailable, "The WhatsApp device store is unavailable.")
			}
		}
	}
	e.mu.Lock()
	e.deleted, e.jid, e.pushName = true, types.EmptyJID, ""
	e.mu.Unlock()
	return nil
}

// PairPhone asks WhatsApp for an 8-character pairing code for phone. The
// pairing socket must be up (the session shows QR codes).
func (e *Engine) PairPhone(ctx context.Context, phone string) (string, error) {
	p, err := gateway.NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	cli, paired, up, active := e.cli, !e.jid.IsEmpty(), e.socketUp, e.active
	e.mu.Unlock()
	if paired {
		return "", gateway.Errorf(gateway.CodeConflict, "The session is already paired.")
	}
	if !active || !up {
		return "", gateway.Errorf(gateway.CodeUnavailable, "The session is not connected to WhatsApp yet, so no pairing code can be requested; try again when it shows a QR code.")
	}
	code, err := cli.PairPhone(ctx, p, true, wa.PairClientChrome, PairDisplayName)
	switch {
	case err == nil:
		return code, nil
	case errors.Is(err, wa.ErrPhoneNumberTooShort), errors.Is(err, wa.ErrPhoneNumberIsNotInternational):
		return "", gateway.WrapError(err, gateway.CodeValidation, "The phone number must be international, with its country code.")
	case errors.Is(err, wa.ErrNotConnected), errors.Is(err, wa.ErrIQTimedOut):
		return "", gateway.WrapError(err, gateway.CodeUnavailable, "WhatsApp did not answer the pairing request; try again.")
	}
	return "", gateway.WrapError(fmt.Errorf("pair phone: %w", err), gateway.CodeUnavailable, "WhatsApp refused the pairing request; try again or scan the QR code.")
}

// Status reports the connection as the engine last saw it. It never waits
// on the socket, so it answers while a connection attempt is under way.
func (e *Engine) Status() gateway.EngineStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := gateway.EngineStatus{
		Connected:    e.socketUp,
		LoggedIn:     e.online,
		Paired:       !e.jid.IsEmpty(),
		LastActivity: e.lastActive,
	}
	if st.Paired {
		st.JID = e.jid.String()
	}
	return st
}
