// Package worker runs one WhatsApp session: it owns the session's engine,
// turns the engine's events into store writes (each with its events, in one
// transaction), drains the session's send queue (the messages table) through
// the engine, and serves the internal instance API. The same code runs
// in-process in the embedded shape (one worker per session, supervised by
// internal/local) and as cmd/instance on Nomad.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/linkpreview"
)

// DefaultAutoReplyMessage is sent when a session's settings turn auto-reply
// on without a message of their own.
const DefaultAutoReplyMessage = "Thanks for your message. We will get back to you soon."

// ReasonStreamReplaced is the session's status reason when another
// connection took over its device.
const ReasonStreamReplaced = "replaced by another connection"

// Store is the part of gateway.Store a worker uses.
type Store interface {
	SessionByID(ctx context.Context, userID, id string) (*gateway.Session, error)
	SetSessionState(ctx context.Context, userID, id string, st gateway.SessionState, events ...*gateway.Event) (*gateway.Session, error)
	CreateMessage(ctx context.Context, m *gateway.Message, events ...*gateway.Event) error
	UpdateMessageStatus(ctx context.Context, u gateway.MessageStatusUpdate, build func(*gateway.Message) []*gateway.Event) (*gateway.Message, error)
	UpdateMessageStatuses(ctx context.Context, us []gateway.MessageStatusUpdate, build func(*gateway.Message) []*gateway.Event) ([]*gateway.Message, error)
	QueuedMessages(ctx context.Context, sessionID string, limit int) ([]*gateway.Message, error)
	ReleaseScheduled(ctx context.Context, sessionID string, now time.Time) (int, *time.Time, error)
	RecordPollVote(ctx context.Context, v *gateway.PollVote, build func(*gateway.PollVote) []*gateway.Event) (bool, error)
	RecordGroupReceipt(ctx context.Context, r gateway.GroupReceipt, build func(*gateway.Message, gateway.GroupReceipt) []*gateway.Event) (bool, error)
	MessageByID(ctx context.Context, userID, id string) (*gateway.Message, error)
	ListMessages(ctx context.Context, userID string, f gateway.MessageFilter) ([]*gateway.Message, int, error)
	RecordAccountEvents(ctx context.Context, userID, sessionID string, events ...*gateway.Event) error
	ApplyChatChange(ctx context.Context, userID, sessionID string, c gateway.ChatChange, events ...*gateway.Event) (bool, error)
	ApplyLabelChange(ctx context.Context, userID, sessionID string, c gateway.LabelChange, events ...*gateway.Event) (bool, error)
	StoreHistory(ctx context.Context, userID, sessionID string, b gateway.HistoryBatch, events func(gateway.HistorySync) []*gateway.Event) (gateway.HistorySync, error)
}

// Pacer spaces out sends, the seam for ban avoidance (per-recipient and
// per-session rates, typing delays). Wait blocks until m may be sent; an
// error stops the current drain, leaving the message queued.
type Pacer interface {
	Wait(ctx context.Context, m *gateway.Message) error
}

// Config is what a worker is built from.
type Config struct {
	SessionID string
	UserID    string
	// EngineName picks the engine; empty uses the session's own.
	EngineName string
	Engines    map[string]gateway.EngineFactory
	Store      Store
	// Secret returns the internal secret the instance API requires (read
	// per request, so a rotation needs no restart).
	Secret func(ctx context.Context) ([]byte, error)
	// Logger is the process's logger; the worker adds session_id and
	// tenant_id (once) to its lines and its engine's, so it must not carry
	// them already.
	Logger *slog.Logger
	Clock  func() time.Time
	// Pacer spaces sends out; nil sends as fast as the engine accepts.
	Pacer Pacer
	// LinkPreviews makes the card under a text's first link (or fetches
	// the picture of a caller's card) before the engine sends the text,
	// through the product's SSRF guard; nil sends texts without one.
	LinkPreviews *linkpreview.Maker
	// MediaDir is MEDIA_STORAGE_PATH: media an engine hands over as bytes
	// (the sandbox) is written there, as whatsmeow downloads its own.
	MediaDir string
	// TypingPreroll shows "typing…" in the chat this long before each
	// text is sent, as a person would; 0 sends at once.
	TypingPreroll time.Duration
	// AutoReplyCooldown is the least time between two auto-replies to one
	// chat (default 1 h), so two auto-replying sessions cannot talk forever.
	AutoReplyCooldown time.Duration
	// RetryDelay is how long the send loop waits after a store error
	// before draining again (default 2 s).
	RetryDelay time.Duration
	// QueuePoll is how often a connected worker looks at its queue without
	// a nudge; 0 never. A worker in its own process (the cluster) sets it:
	// a message accepted while no gateway could reach the worker (starting,
	// not yet healthy in discovery, a gateway that died after storing it)
	// is sent within this delay. In process, nudges cannot be lost, and a
	// thousand idle sessions need not query the database every few seconds.
	QueuePoll time.Duration
	// Changed, when set, is called after every change of what Status
	// reports (state and reason, the QR code, the engine started or
	// stopped, the queue filled or emptied) and of the session as stored
	// (each history batch moves its history_sync), so caches of either can
	// drop their copy. It runs without the worker's locks and must not block:
	// the gateway forgets in memory, and a publisher coalesces notices onto
	// the bus in the background. The queue's exact depth between empty and
	// non-empty is not a change: it moves on every send.
	Changed func()
	// QueueChanged, when set, is called instead of Changed when only the
	// queue went from empty to not empty or back: the live status moved
	// (it shows the queue), the session's readiness to send did not, so the
	// gateways keep their ready-to-send check (Changed drops it). Under a
	// steady send load the queue flips about once a drained batch.
	QueueChanged func()
}

// Worker runs one session. Run may be called again after it returns (a
// supervisor restart); Handler and Status work at any time.
type Worker struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	nudge chan struct{}
	halt  chan struct{}

	runMu sync.Mutex // one Run at a time

	// sendMu is held across engine.Send and the "sent" write, and by the
	// receipt handler, so "sent" is stored before a receipt moves the
	// message further (a receipt can beat the sender's own write).
	sendMu sync.Mutex

	mu          sync.Mutex
	running     bool
	engine      gateway.Engine
	runCtx      context.Context // the engine's context while Run runs
	engineName  string
	session     *gateway.Session
	state       gateway.SessionStatus
	reason      string
	qr          *instanceapi.QR
	startedAt   time.Time
	halted      bool
	queueDepth  int
	changed     chan struct{} // closed and replaced on every state change
	autoReplied map[string]time.Time
}

// New returns a worker for one session; nothing runs before Run.
func New(cfg Config) (*Worker, error) {
	var missing []string
	if cfg.SessionID == "" {
		missing = append(missing, "session id")
	}
	if cfg.UserID == "" {
		missing = append(missing, "user id")
	}
	if cfg.Store == nil {
		missing = append(missing, "store")
	}
	if len(cfg.Engines) == 0 {
		missing = append(missing, "engines")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("worker config lacks %v", missing)
	}
	cfg.Logger = defaults.Logger(cfg.Logger)
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	defaults.Positive(&cfg.AutoReplyCooldown, time.Hour)
	defaults.Positive(&cfg.RetryDelay, 2*time.Second)
	return &Worker{
		cfg:         cfg,
		log:         cfg.Logger.With("session_id", cfg.SessionID, "tenant_id", cfg.UserID),
		now:         func() time.Time { return cfg.Clock().UTC().Truncate(time.Microsecond) },
		nudge:       make(chan struct{}, 1),
		halt:        make(chan struct{}, 1),
		changed:     make(chan struct{}),
		autoReplied: make(map[string]time.Time),
	}, nil
}

// Run loads the session, connects its engine and processes until ctx ends
// (it returns nil) or something fatal happens (it returns an error, so a
// supervisor restarts it). A stream replacement stops the engine for good
// but keeps Run serving, so no supervisor reconnects it.
func (w *Worker) Run(ctx context.Context) error {
	if !w.runMu.TryLock() {
		return errors.New("worker is already running")
	}
	defer w.runMu.Unlock()

	s, err := w.cfg.Store.SessionByID(ctx, w.cfg.UserID, w.cfg.SessionID)
	if err != nil {
		return fmt.Errorf("load session: %w", err)
	}
	name := w.cfg.EngineName
	if name == "" {
		name = s.Engine
	}
	factory := w.cfg.Engines[name]
	if factory == nil {
		return fmt.Errorf("no engine named %q", name)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	eng, err := factory(runCtx, gateway.EngineConfig{
		SessionID:     w.cfg.SessionID,
		UserID:        w.cfg.UserID,
		DeviceJID:     s.DeviceJID,
		BannedUntil:   bannedUntil(s),
		Proxy:         s.ProxyURL,
		Handler:       w.handle,
		Logger:        w.log, // the engine's lines name the session through it
		Outstanding:   w.outstanding,
		LookupMessage: w.lookupMessage(),
	})
	if err != nil {
		return fmt.Errorf("build %s engine: %w", name, err)
	}
	defer eng.Disconnect()

	w.mu.Lock()
	w.engine, w.engineName, w.session, w.runCtx = eng, name, s, runCtx
	w.state, w.reason = s.Status, s.StatusReason
	w.qr, w.halted, w.startedAt = nil, false, w.now()
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.running, w.engine, w.qr = false, nil, nil
		w.signalLocked()
		w.mu.Unlock()
		w.notifyChange()
	}()
	select { // a halt left over from an earlier run
	case <-w.halt:
	default:
	}

	if err := w.setState(runCtx, gateway.SessionState{Status: gateway.SessionStarting}, true); err != nil {
		return fmt.Errorf("store starting state: %w", err)
	}

	sendDone := make(chan struct{})
	go func() {
		defer close(sendDone)
		w.sendLoop(runCtx)
	}()
	defer func() { cancel(); <-sendDone }()

	w.mu.Lock()
	w.running = true
	w.signalLocked()
	w.mu.Unlock()
	w.notifyChange()
	w.log.Info("worker started", "engine", name)

	if err := eng.Connect(runCtx); err != nil {
		return fmt.Errorf("connect %s engine: %w", name, err)
	}
	for {
		select {
		case <-ctx.Done():
			w.log.Info("worker stopped")
			return nil
		case <-w.halt:
			// Another connection owns the device now; answering with a
			// reconnect would make WhatsApp drop both.
			eng.Disconnect()
			w.log.Warn("engine stopped for good: stream replaced")
		}
	}
}

// Fenced records that the worker let its connection go because it lost the
// session's lock, so the API does not go on saying "connected" while it
// waits for the lock. The worker fences before its lock can expire in
// Consul, and a new holder must wait for that expiry (and the lock-delay)
// before it connects, so this write comes before any state of a new holder.
func (w *Worker) Fenced(ctx context.Context, reason string) error {
	return w.setState(ctx, gateway.SessionState{Status: gateway.SessionDisconnected, StatusReason: reason}, true)
}

// bannedUntil is the end of the session's temporary ban, zero when none.
func bannedUntil(s *gateway.Session) time.Time {
	if s.BannedUntil == nil {
		return time.Time{}
	}
	return *s.BannedUntil
}

// Nudge tells the send loop that messages are queued. Nudges coalesce.
func (w *Worker) Nudge() {
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// Status is the worker's view of its session.
func (w *Worker) Status() instanceapi.Status {
	w.mu.Lock()
	st := instanceapi.Status{
		SessionID:  w.cfg.SessionID,
		Engine:     w.engineName,
		State:      w.state,
		Reason:     w.reason,
		QueueDepth: w.queueDepth,
		StartedAt:  w.startedAt,
	}
	if st.Engine == "" {
		st.Engine = w.cfg.EngineName
	}
	if w.session != nil {
		st.Phone, st.PushName = w.session.Phone, w.session.PushName
	}
	if w.qr != nil {
		qr := *w.qr
		st.QR = &qr
	}
	eng := w.engine
	w.mu.Unlock()
	if eng != nil {
		st.Connection = eng.Status()
	}
	return st
}

// currentEngine returns the running engine, or nil.
func (w *Worker) currentEngine() gateway.Engine {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.engine
}

// setState stores a state change, with a session.status event when
// statusEvent is set, then the extra events, in one transaction, and then
// updates the worker's view.
func (w *Worker) setState(ctx context.Context, st gateway.SessionState, statusEvent bool, extra ...*gateway.Event) error {
	var events []*gateway.Event
	if statusEvent {
		w.mu.Lock()
		data := gateway.SessionStatusData{
			SessionID:   w.cfg.SessionID,
			Status:      st.Status,
			Reason:      st.StatusReason,
			Phone:       st.Phone,
			PushName:    st.PushName,
			BannedUntil: st.BannedUntil,
		}
		if data.Status == "" {
			data.Status = w.state
		}
		if w.session != nil && !st.ClearDevice {
			if data.Phone == "" {
				data.Phone = w.session.Phone
			}
			if data.PushName == "" {
				data.PushName = w.session.PushName
			}
		}
		w.mu.Unlock()
		events = append(events, w.event(gateway.EventSessionStatus, data))
	}
	events = append(events, extra...)
	s, err := w.cfg.Store.SetSessionState(ctx, w.cfg.UserID, w.cfg.SessionID, st, events...)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.session = s
	w.state, w.reason = s.Status, s.StatusReason
	w.signalLocked()
	w.mu.Unlock()
	w.notifyChange()
	return nil
}

// notifyChange tells Config.Changed that Status answers something else now.
func (w *Worker) notifyChange() {
	if w.cfg.Changed != nil {
		w.cfg.Changed()
	}
}

func (w *Worker) signalLocked() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// waitFor waits until ok holds for the worker's state, ctx ends or timeout
// passes, and reports whether ok held.
func (w *Worker) waitFor(ctx context.Context, timeout time.Duration, ok func(gateway.SessionStatus) bool) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		w.mu.Lock()
		st, ch := w.state, w.changed
		w.mu.Unlock()
		if ok(st) {
			return true
		}
		select {
		case <-ch:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// outstanding lists the session's outbound messages stuck at "sent" (and
// delivered, still owed a read), newest first, at most 1,000 of each.
func (w *Worker) outstanding(ctx context.Context) ([]gateway.Outstanding, error) {
	var out []gateway.Outstanding
	for _, st := range []gateway.MessageStatus{gateway.MessageSent, gateway.MessageDelivered} {
		ms, _, err := w.cfg.Store.ListMessages(ctx, w.cfg.UserID, gateway.MessageFilter{
			SessionID: w.cfg.SessionID, Direction: gateway.DirectionOutbound, Status: st,
			Page: gateway.Page{Page: 1, Limit: 1000},
		})
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.WAMessageID == "" {
				continue
			}
			voice := false
			if p, err := gateway.ParsePayload(m.Payload); err == nil && p.Media != nil {
				voice = p.Media.Voice
			}
			out = append(out, gateway.Outstanding{WAMessageID: m.WAMessageID, To: m.Recipient, Voice: voice})
		}
	}
	return out, nil
}

// waLookup is the store's optional lookup of a message by WhatsApp id.
type waLookup interface {
	MessageByWAID(ctx context.Context, sessionID, waMessageID string) (*gateway.Message, error)
}

// lookupMessage is the engine's view of the session's stored messages by
// WhatsApp id, nil when the store cannot look them up.
func (w *Worker) lookupMessage() func(ctx context.Context, waMessageID string) (*gateway.Message, error) {
	l, ok := w.cfg.Store.(waLookup)
	if !ok {
		return nil
	}
	return func(ctx context.Context, waMessageID string) (*gateway.Message, error) {
		return l.MessageByWAID(ctx, w.cfg.SessionID, waMessageID)
	}
}
