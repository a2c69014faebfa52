// Package local is the embedded shape's gateway.Scheduler and
// gateway.Registry: it runs each session's worker in this process, serves
// the worker's instance API on a loopback port from a fixed range, restarts
// a worker that crashes (with capped, jittered exponential backoff) and
// tells the gateway through Report, and answers where each worker listens.
package local

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Driver is the scheduler's name in placements and instance rows.
const Driver = "local"

// Runner is one session's worker as the scheduler runs it; the composition
// root adapts *worker.Worker. Run is called again after it fails.
type Runner interface {
	// Run works until ctx ends (nil) or it fails (an error or a panic).
	Run(ctx context.Context) error
	// Handler serves the instance API; it is served across restarts of Run.
	Handler() http.Handler
}

// Backoff bounds the delay before restarting a crashed worker.
type Backoff struct {
	Min time.Duration // default 500 ms
	Max time.Duration // default 30 s
}

// Config is what a Scheduler is built from.
type Config struct {
	// PortStart and PortEnd bound the instance ports, both inclusive
	// (default 4000–4999).
	PortStart, PortEnd int
	// Bind is the address workers listen on (default 127.0.0.1).
	Bind string
	// NewRunner builds a session's worker.
	NewRunner func(ctx context.Context, spec gateway.InstanceSpec) (Runner, error)
	// Report receives restarts and recoveries, to be written to the
	// instance row; it may be nil.
	Report  func(gateway.InstanceReport)
	Logger  *slog.Logger
	Backoff Backoff
}

// Scheduler runs workers in this process, one per session.
type Scheduler struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context // the workers' lifetime
	cancel context.CancelFunc

	mu        sync.Mutex
	instances map[string]*instance // by session id
	ports     map[int]string       // port → session id
	closed    bool
}

// instance is one session's running (or starting, or stopping) worker.
type instance struct {
	spec      gateway.InstanceSpec
	ready     chan struct{} // closed once started, or once starting failed (err)
	err       error
	placement gateway.Placement
	port      int
	srv       *http.Server
	ln        net.Listener // closed by teardown itself: see there
	cancel    context.CancelFunc
	done      chan struct{} // closed when the supervisor has returned
	stopping  bool
	stopped   chan struct{} // closed when Stop has freed everything
}

var (
	_ gateway.Scheduler = (*Scheduler)(nil)
	_ gateway.Registry  = (*Scheduler)(nil)
)

// New returns a scheduler; nothing runs before Start.
func New(cfg Config) *Scheduler {
	if cfg.PortStart == 0 && cfg.PortEnd == 0 {
		cfg.PortStart, cfg.PortEnd = 4000, 4999
	}
	cfg.Bind = cmp.Or(cfg.Bind, "127.0.0.1")
	defaults.Positive(&cfg.Backoff.Min, 500*time.Millisecond)
	defaults.Positive(&cfg.Backoff.Max, 30*time.Second)
	if cfg.Backoff.Max < cfg.Backoff.Min {
		cfg.Backoff.Max = cfg.Backoff.Min
	}
	cfg.Logger = defaults.Logger(cfg.Logger)
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		cfg:       cfg,
		log:       cfg.Logger.With("scheduler", Driver),
		ctx:       ctx,
		cancel:    cancel,
		instances: make(map[string]*instance),
		ports:     make(map[int]string),
	}
}

// Name is "local".
func (s *Scheduler) Name() string { return Driver }

// Ping reports nothing wrong: the scheduler is this process.
func (s *Scheduler) Ping(context.Context) error { return nil }

// Start runs the session's worker on the first free port of the range, or
// returns the placement of the one already running (a retried start never
// makes two). CodeUnavailable when no port is free or the scheduler is closed.
func (s *Scheduler) Start(ctx context.Context, spec gateway.InstanceSpec) (gateway.Placement, error) {
	if spec.SessionID == "" {
		return gateway.Placement{}, gateway.Errorf(gateway.CodeInvalid, "An instance needs a session.")
	}
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return gateway.Placement{}, gateway.Errorf(gateway.CodeUnavailable, "The instance scheduler is shutting down.")
		}
		inst, ok := s.instances[spec.SessionID]
		if !ok {
			inst = &instance{spec: spec, ready: make(chan struct{}), done: make(chan struct{}), stopped: make(chan struct{})}
			s.instances[spec.SessionID] = inst
			s.mu.Unlock()
			err := s.launch(ctx, inst)
			s.mu.Lock()
			if err != nil {
				inst.err = err
				delete(s.instances, spec.SessionID)
				close(inst.stopped)
			}
			close(inst.ready)
			s.mu.Unlock()
			return inst.placement, err
		}
		stopping := inst.stopping
		s.mu.Unlock()
		if stopping {
			// Wait for the old worker to let go, so there are never two.
			select {
			case <-inst.stopped:
				continue
			case <-ctx.Done():
				return gateway.Placement{}, gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "The session's previous instance is still stopping.")
			}
		}
		select {
		case <-inst.ready:
		case <-ctx.Done():
			return gateway.Placement{}, gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "The session's instance is still starting.")
		}
		if inst.err != nil {
			continue // that start failed and was removed: try ourselves
		}
		return inst.placement, nil
	}
}

// launch builds the runner, takes a port, serves the instance API and
// starts the supervisor.
func (s *Scheduler) launch(ctx context.Context, inst *instance) error {
	if s.cfg.NewRunner == nil {
		return gateway.Errorf(gateway.CodeInternal, "The instance scheduler has no worker factory.")
	}
	runner, err := s.cfg.NewRunner(ctx, inst.spec)
	if err != nil {
		var ge *gateway.Error
		if errors.As(err, &ge) {
			return err
		}
		return gateway.WrapError(err, gateway.CodeInternal, "The session's worker could not be built.")
	}
	ln, port, err := s.listen(inst.spec.SessionID)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           runner.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("instance api server", "session_id", inst.spec.SessionID, "port", port, "error", err)
		}
	}()
	rctx, cancel := context.WithCancel(s.ctx)
	host := endpointHost(s.cfg.Bind)
	s.mu.Lock()
	inst.port, inst.srv, inst.ln, inst.cancel = port, srv, ln, cancel
	inst.placement = gateway.Placement{Driver: Driver, Address: net.JoinHostPort(host, strconv.Itoa(port)), Port: port}
	s.mu.Unlock()
	go s.supervise(rctx, inst, runner)
	s.log.Info("instance started", "session_id", inst.spec.SessionID, "instance_id", inst.spec.InstanceID, "port", port)
	return nil
}

// listen takes the first port of the range that is neither ours nor held
// by another process.
func (s *Scheduler) listen(sessionID string) (net.Listener, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := s.cfg.PortStart; p <= s.cfg.PortEnd; p++ {
		if _, used := s.ports[p]; used {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Bind, strconv.Itoa(p)))
		if err != nil {
			continue // something else holds it
		}
		s.ports[p] = sessionID
		return ln, p, nil
	}
	return nil, 0, gateway.Errorf(gateway.CodeUnavailable, "No free instance port in %d–%d.", s.cfg.PortStart, s.cfg.PortEnd)
}

// endpointHost is the host to dial for a bind address: loopback for the
// wildcard addresses.
func endpointHost(bind string) string {
	if ip := net.ParseIP(bind); ip != nil && ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return bind
}

// supervise runs the worker until ctx ends, restarting it after a panic or
// an early return.
func (s *Scheduler) supervise(ctx context.Context, inst *instance, runner Runner) {
	defer close(inst.done)
	log := s.log.With("session_id", inst.spec.SessionID, "instance_id", inst.spec.InstanceID)
	restarts, attempt := 0, 0
	for {
		began := time.Now()
		err := runOnce(ctx, runner)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("worker returned while it should run")
		}
		restarts++
		if time.Since(began) >= s.cfg.Backoff.Max {
			attempt = 0 // it ran well for a while: start the backoff over
		}
		delay := s.delay(attempt)
		attempt++
		log.Error("worker crashed; restarting", "error", err, "restarts", restarts, "delay", delay)
		s.report(inst, gateway.InstanceUpdate{Status: gateway.InstanceRestarting, Restarts: restarts, LastError: publicReason(err)})
		if !backoff.Sleep(ctx, delay) {
			return
		}
		s.report(inst, gateway.InstanceUpdate{Status: gateway.InstanceRunning, Restarts: restarts})
	}
}

// panicError is a recovered panic of a worker.
type panicError struct{ value any }

func (p panicError) Error() string { return fmt.Sprintf("worker panicked: %v", p.value) }

func runOnce(ctx context.Context, r Runner) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError{v}
		}
	}()
	return r.Run(ctx)
}

// publicReason is what the instance row says about a crash: a sentence
// safe to show the tenant; the full error goes to the log.
func publicReason(err error) string {
	var pe panicError
	var ge *gateway.Error
	switch {
	case errors.As(err, &pe):
		return "The worker crashed and is restarting."
	case errors.As(err, &ge):
		return ge.Message
	}
	return "The worker stopped with an error and is restarting."
}

// delay is the backoff before restart number attempt (from 0): doubling
// from Min, capped at Max, with equal jitter so workers that crashed
// together do not restart together.
func (s *Scheduler) delay(attempt int) time.Duration {
	return backoff.Jittered(s.cfg.Backoff.Min, s.cfg.Backoff.Max, attempt+1)
}

func (s *Scheduler) report(inst *instance, u gateway.InstanceUpdate) {
	if s.cfg.Report == nil {
		return
	}
	s.cfg.Report(gateway.InstanceReport{
		InstanceID: inst.spec.InstanceID, SessionID: inst.spec.SessionID, UserID: inst.spec.UserID, Update: u,
	})
}

// Stop stops the session's worker: it cancels it, waits for Run to return,
// shuts its server down and frees its port. It reports nothing (the caller
// records "stopped"). Stopping a session without a worker is not an error;
// CodeUnavailable when ctx ends before the worker stopped (it still stops).
func (s *Scheduler) Stop(ctx context.Context, sessionID string) error {
	s.mu.Lock()
	inst, ok := s.instances[sessionID]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-inst.ready:
	case <-ctx.Done():
		return gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "The session's instance is still starting.")
	}
	if inst.err != nil {
		return nil // it never started
	}
	s.mu.Lock()
	first := !inst.stopping
	inst.stopping = true
	s.mu.Unlock()
	if first {
		go s.teardown(inst)
	}
	select {
	case <-inst.stopped:
		return nil
	case <-ctx.Done():
		return gateway.WrapError(ctx.Err(), gateway.CodeUnavailable, "The session's worker did not stop in time; it is still stopping.")
	}
}

// teardown runs once per instance, whoever waits for it.
func (s *Scheduler) teardown(inst *instance) {
	inst.cancel()
	<-inst.done
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := inst.srv.Shutdown(sctx); err != nil {
		_ = inst.srv.Close()
	}
	// Shutdown closes only the listeners Serve has picked up; a Serve
	// goroutine not yet scheduled would keep the port bound past the stop,
	// and a start right after could not take it.
	_ = inst.ln.Close()
	s.mu.Lock()
	if s.instances[inst.spec.SessionID] == inst {
		delete(s.instances, inst.spec.SessionID)
	}
	if s.ports[inst.port] == inst.spec.SessionID {
		delete(s.ports, inst.port)
	}
	close(inst.stopped)
	s.mu.Unlock()
	s.log.Info("instance stopped", "session_id", inst.spec.SessionID, "port", inst.port)
}

// Endpoint returns where the session's worker answers. CodeUnavailable when
// it has none (never started, stopping or stopped).
func (s *Scheduler) Endpoint(_ context.Context, sessionID string) (gateway.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inst, ok := s.instances[sessionID]; ok && !inst.stopping && inst.srv != nil {
		return gateway.Endpoint{URL: "http://" + inst.placement.Address}, nil
	}
	return gateway.Endpoint{}, gateway.Errorf(gateway.CodeUnavailable, "The session has no running instance.")
}

// Running counts the sessions that have a worker, for health and metrics.
func (s *Scheduler) Running() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, inst := range s.instances {
		if inst.srv != nil && !inst.stopping {
			n++
		}
	}
	return n
}

// Close stops every worker and refuses new ones.
func (s *Scheduler) Close() error {
	s.mu.Lock()
	s.closed = true
	ids := make([]string, 0, len(s.instances))
	for id := range s.instances {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() { _ = s.Stop(context.Background(), id) })
	}
	wg.Wait()
	s.cancel()
	return nil
}
