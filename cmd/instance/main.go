// Command instance runs one WhatsApp session's worker as its own process:
// the binary Nomad starts for each session job (the same worker code the
// embedded gateway runs in-process). It serves the instance API behind the
// internal secret on the port Nomad gives it (NOMAD_PORT_http), answers
// /health (200 only while its engine runs), takes the session's Consul
// lock before it connects when CONSUL_HTTP_ADDR is set (and disconnects if
// it cannot renew it), and shuts down cleanly on SIGTERM.
//
// Configuration comes from the environment (and ./.env, as for the
// gateway): config.LoadWorker, the rows of the settings table the README
// marks as the worker's; see also docs/cluster.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	consulapi "github.com/hashicorp/consul/api"

	"github.com/whatsapp-saas/gateway/cmd/internal/startup"
	"github.com/whatsapp-saas/gateway/internal/changes"
	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/consul"
	"github.com/whatsapp-saas/gateway/internal/engines"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/postgres"
	"github.com/whatsapp-saas/gateway/internal/redis"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
	"github.com/whatsapp-saas/gateway/internal/worker"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	startup.Main("instance", func(ctx context.Context, lookup func(string) (string, bool)) int {
		return run(ctx, lookup, os.Stderr)
	})
}

// run is main without the process, for tests.
func run(ctx context.Context, lookup func(string) (string, bool), stderr io.Writer) int {
	cfg, err := config.LoadWorker(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "instance: %v\n", err)
		return 2
	}
	// The worker adds the session and tenant to its own lines; the rest of
	// the process's lines get them here.
	base := newLogger(cfg, stderr)
	log := base.With("session_id", cfg.SessionID, "tenant_id", cfg.UserID)
	d, closeDeps, err := openDeps(ctx, cfg, log)
	if err != nil {
		log.Error("start-up", "error", err)
		return 1
	}
	defer closeDeps()
	if err := serve(ctx, cfg, d, base, nil); err != nil {
		log.Error("worker stopped", "error", err)
		return 1
	}
	return 0
}

func newLogger(cfg *config.Worker, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// deps are what the worker runs against.
type deps struct {
	store  gateway.Store
	bus    gateway.Bus
	consul *consulapi.Client // nil: no session lock
}

func openDeps(ctx context.Context, cfg *config.Worker, log *slog.Logger) (deps, func(), error) {
	var d deps
	var closers []func() error
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i]()
		}
	}
	var err error
	if cfg.DatabaseURL != "" {
		d.store, err = postgres.Open(ctx, cfg.DatabaseURL.Value(), log)
		if err != nil {
			return d, closeAll, fmt.Errorf("open postgres %s: %w", config.RedactURL(cfg.DatabaseURL.Value()), err)
		}
	} else {
		d.store, err = sqlite.Open(ctx, cfg.SQLitePath, log)
		if err != nil {
			return d, closeAll, fmt.Errorf("open sqlite %s: %w", cfg.SQLitePath, err)
		}
	}
	closers = append(closers, d.store.Close)
	if cfg.RedisURL != "" {
		client, err := redis.Open(ctx, cfg.RedisURL.Value())
		if err != nil {
			closeAll()
			return d, func() {}, fmt.Errorf("open redis %s: %w", config.RedactURL(cfg.RedisURL.Value()), err)
		}
		bus := redis.NewBus(client, "wagw:", log)
		d.bus = bus
		closers = append(closers, client.Close, bus.Close)
	} else {
		d.bus = inmem.NewBus()
	}
	if cfg.ConsulAddr != "" {
		d.consul, err = consul.NewClient(cfg.ConsulAddr, cfg.ConsulToken.Value())
		if err != nil {
			closeAll()
			return d, func() {}, err
		}
	}
	return d, closeAll, nil
}

// queuePoll is how often the worker looks at its queue without a nudge: a
// gateway's nudge can miss a worker in another process (see worker.Config).
const queuePoll = 5 * time.Second

// serve runs the worker until ctx ends; addrc, when set, receives the
// listening address (tests). base is the process's logger: the worker
// names the session on its own lines, serve on the others.
func serve(ctx context.Context, cfg *config.Worker, d deps, base *slog.Logger, addrc chan<- string) error {
	log := base.With("session_id", cfg.SessionID, "tenant_id", cfg.UserID)
	engs, err := engineFactories(ctx, cfg, d, log)
	if err != nil {
		return err
	}
	engine := cfg.EngineName
	if engine == "" {
		if s, err := d.store.SessionByID(ctx, cfg.UserID, cfg.SessionID); err == nil {
			engine = s.Engine
		}
	}
	secret := secretReader(cfg)
	es := engines.FromConfig(cfg.Engines)
	previews, err := linkPreviews(ctx, cfg, log)
	if err != nil {
		return err
	}
	// Every change of the worker's status goes out on the bus, so the
	// gateways' status caches drop their copy at once.
	notices := changes.NewPublisher(d.bus, log)
	defer notices.Close()
	w, err := worker.New(worker.Config{
		SessionID: cfg.SessionID, UserID: cfg.UserID, EngineName: cfg.EngineName, Engines: engs, Store: d.store,
		Secret: func(context.Context) ([]byte, error) { return secret() }, Logger: base,
		Pacer: es.Pacer(engine), TypingPreroll: es.TypingPreroll(engine), MediaDir: es.MediaDir,
		LinkPreviews: previews,
		QueuePoll:    queuePoll,
		Changed:      func() { notices.Publish(gateway.TopicSessionsChanged, cfg.SessionID) },
		QueueChanged: func() { notices.Publish(gateway.TopicSessionQueueChanged, cfg.SessionID) },
	})
	if err != nil {
		return err
	}
	var lock *consul.Lock
	if d.consul != nil {
		lock, err = consul.NewLock(consul.LockConfig{
			Client: d.consul, Key: consul.LockKey(cfg.LockPrefix, cfg.SessionID), Owner: cfg.Owner, TTL: cfg.LockTTL, Logger: log,
		})
		if err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen on port %d: %w", cfg.Port, err)
	}
	srv := &http.Server{
		Handler:           w.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	log.Info("instance listening", "addr", ln.Addr().String(), "version", version, "session_lock", lock != nil)
	if addrc != nil {
		addrc <- ln.Addr().String()
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- supervise(runCtx, w, lock, log) }()
	var err2 error
	select {
	case err2 = <-runErr:
	case err := <-srvErr:
		cancel()
		<-runErr
		return fmt.Errorf("instance api server: %w", err)
	}
	// The engine is disconnected and the lock released; stop answering.
	sctx, scancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	log.Info("instance stopped")
	return err2
}

// supervise runs the worker: directly without a lock; with one, only while
// it holds the session's lock. Losing the lock cancels the run (the engine
// disconnects: fencing) and the worker queues for the lock again. It
// returns nil when ctx ends, and the worker's error when it fails (the
// process exits and Nomad restarts it).
func supervise(ctx context.Context, w *worker.Worker, lock *consul.Lock, log *slog.Logger) error {
	if lock == nil {
		return w.Run(ctx)
	}
	for {
		log.Info("waiting for the session lock")
		lease, err := lock.Acquire(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		runCtx, cancel := context.WithCancel(ctx)
		fenced := make(chan struct{})
		go func() {
			select {
			case <-lease.Lost():
				close(fenced)
				cancel()
			case <-runCtx.Done():
			}
		}()
		err = w.Run(runCtx)
		cancel()
		rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
		if rerr := lease.Release(rctx); rerr != nil {
			log.Warn("release the session lock", "error", rerr)
		}
		rcancel()
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-fenced:
			log.Warn("session lock lost: engine disconnected; waiting for the lock again")
			fctx, fcancel := context.WithTimeout(ctx, 5*time.Second)
			if err := w.Fenced(fctx, "The worker lost its session lock (Consul unreachable?) and disconnected; it connects again once it holds the lock."); err != nil {
				log.Warn("record the fenced state", "error", err)
			}
			fcancel()
			continue
		default:
		}
		if err == nil {
			err = errors.New("worker returned while it should run")
		}
		return err
	}
}
