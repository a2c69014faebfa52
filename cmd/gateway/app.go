package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/whatsapp-saas/gateway/internal/api"
	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/convert"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/inmem"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/local"
	"github.com/whatsapp-saas/gateway/internal/metrics"
	"github.com/whatsapp-saas/gateway/internal/postgres"
	"github.com/whatsapp-saas/gateway/internal/redis"
	"github.com/whatsapp-saas/gateway/internal/secrets"
	"github.com/whatsapp-saas/gateway/internal/service"
	"github.com/whatsapp-saas/gateway/internal/sqlite"
	"github.com/whatsapp-saas/gateway/internal/webhook"
	"github.com/whatsapp-saas/gateway/internal/worker"
)

// app is the composition root: the only place that knows which adapter
// implements which interface.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	store   gateway.Store
	cache   gateway.Cache
	limiter gateway.RateLimiter
	bus     gateway.Bus
	secrets gateway.Secrets
	sched   *local.Scheduler
	// cluster is the Nomad scheduler and its registry (SCHEDULER=nomad);
	// clusterCfg their settings (app_cluster.go).
	cluster    *cluster
	clusterCfg *config.Cluster
	svc        *service.Service
	api        *api.Server
	// changes hands what workers and use cases change to the API's
	// status caches, once the API is built.
	changes changeRelay
	// webhooks is the dispatcher pool (nil with ENABLE_WEBHOOKS=false).
	webhooks *webhook.Dispatcher
	metrics  *metrics.Metrics
	ready    atomic.Bool
	bg       context.Context
	cancel   context.CancelFunc
	closers  []func() error
}

type appOptions struct {
	// noWorkers builds what one-shot commands (seed) need, without a scheduler.
	noWorkers bool
}

func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (gateway.Store, error) {
	if cfg.DatabaseURL != "" {
		st, err := postgres.Open(ctx, cfg.DatabaseURL.Value(), log)
		if err != nil {
			return nil, fmt.Errorf("open postgres %s: %w", config.RedactURL(cfg.DatabaseURL.Value()), err)
		}
		return st, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	st, err := sqlite.Open(ctx, cfg.SQLitePath, log)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", cfg.SQLitePath, err)
	}
	return st, nil
}

// warnOpenDataDir warns when DATA_DIR exists and other users may read or
// write it. The files the gateway writes there (the SQLite database and its
// WAL, generated secrets, media) are created 0600 whatever the directory's
// mode, but file names, sizes and anything written there by hand are not.
func warnOpenDataDir(dir string, log *slog.Logger) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn("DATA_DIR is open to other users; its files are created 0600, but restrict the directory too (chmod 700)",
		"path", dir, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()))
}

// secretOrGenerated returns a configured secret or, outside production,
// one generated once into the data directory.
func secretOrGenerated(cfg *config.Config, s config.Secret, name string, log *slog.Logger) ([]byte, error) {
	if s != "" {
		return []byte(s.Value()), nil
	}
	if cfg.Production() {
		return nil, fmt.Errorf("%s is required when NODE_ENV=production", name)
	}
	v, _, err := secrets.LoadOrGenerate(cfg.DataDir, name, log)
	return v, err
}

func newApp(ctx context.Context, cfg *config.Config, log *slog.Logger, opts appOptions) (a *app, err error) {
	a = &app{cfg: cfg, log: log}
	a.bg, a.cancel = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			a.close()
		}
	}()

	warnOpenDataDir(cfg.DataDir, log)
	if a.store, err = openStore(ctx, cfg, log); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.store.Close)

	if cfg.UsesRedis() {
		client, err := redis.Open(ctx, cfg.RedisURL.Value())
		if err != nil {
			return nil, fmt.Errorf("open redis %s: %w", config.RedactURL(cfg.RedisURL.Value()), err)
		}
		const prefix = "wagw:"
		a.cache = redis.NewCache(client, prefix)
		a.limiter = redis.NewRateLimiter(client, prefix)
		bus := redis.NewBus(client, prefix, log)
		a.bus = bus
		a.closers = append(a.closers, bus.Close, client.Close)
	} else {
		cache, limiter, bus := inmem.NewCache(), inmem.NewRateLimiter(), inmem.NewBus()
		a.cache, a.limiter, a.bus = cache, limiter, bus
		a.closers = append(a.closers, func() error { cache.Close(); limiter.Close(); return nil })
	}

	if cfg.Secrets == "vault" {
		if a.secrets, err = a.vaultSecrets(ctx); err != nil {
			return nil, err
		}
	} else {
		jwtKey, err := secretOrGenerated(cfg, cfg.JWTSecret, "jwt_secret", log)
		if err != nil {
			return nil, err
		}
		webhookKey, err := secretOrGenerated(cfg, cfg.WebhookSecret, "webhook_secret", log)
		if err != nil {
			return nil, err
		}
		internalKey, err := secretOrGenerated(cfg, cfg.InternalSecret, "internal_secret", log)
		if err != nil {
			return nil, err
		}
		var prev []byte
		if cfg.JWTPreviousSecret != "" {
			prev = []byte(cfg.JWTPreviousSecret.Value())
		}
		a.secrets = secrets.NewStatic(secrets.Static{JWT: jwtKey, JWTPrevious: prev, Webhook: webhookKey, Internal: internalKey})
	}
	tokens := auth.NewTokens(a.secrets, cfg.JWTIssuer, cfg.JWTAudience, cfg.JWTExpiresIn)

	engines, err := engineFactories(a)
	if err != nil {
		return nil, fmt.Errorf("engines: %w", err)
	}
	es := engineSettings(cfg)
	previews, err := linkPreviews(a)
	if err != nil {
		return nil, err
	}
	available := make([]string, 0, len(engines))
	for name := range engines {
		available = append(available, name)
	}

	var svc *service.Service
	if !opts.noWorkers && cfg.Scheduler == "nomad" {
		if err := a.setupCluster(ctx, func(r gateway.InstanceReport) { svc.HandleReport(r) }); err != nil {
			return nil, err
		}
	} else if !opts.noWorkers {
		a.sched = local.New(local.Config{
			PortStart: cfg.InstancePortRangeStart, PortEnd: cfg.InstancePortRangeEnd, Bind: "127.0.0.1",
			NewRunner: func(ctx context.Context, spec gateway.InstanceSpec) (local.Runner, error) {
				return worker.New(worker.Config{
					SessionID: spec.SessionID, UserID: spec.UserID, EngineName: spec.Engine, Engines: engines,
					Store: a.store, Secret: a.secrets.InternalSecret,
					Pacer: es.Pacer(spec.Engine), TypingPreroll: es.TypingPreroll(spec.Engine), MediaDir: es.MediaDir,
					LinkPreviews: previews,
					Logger:       log, // the worker names the session and tenant on its lines
					Changed:      func() { a.changes.SessionChanged(spec.SessionID) },
					QueueChanged: func() { a.changes.SessionQueueChanged(spec.SessionID) },
				})
			},
			Report: func(r gateway.InstanceReport) { svc.HandleReport(r) },
			Logger: log,
		})
		a.closers = append(a.closers, func() error { a.sched.Close(); return nil })
	}
	mode := "embedded"
	if cfg.Scheduler != "local" {
		mode = "cluster"
	}
	// Webhook URLs are checked against the delivery guard when registered,
	// so a refused address is a 422 that names the setting, not deliveries
	// that all fail.
	urlGuard, err := outboundGuard(a)
	if err != nil {
		return nil, err
	}
	svc = service.New(service.Deps{
		Stores: service.StoresOf(a.store), Cache: a.cache, Scheduler: a.schedulerOf(), Registry: a.registryOf(),
		Workers: instanceapi.NewClient(nil, a.secrets.InternalSecret), Tokens: tokens, Logger: log, Background: a.bg,
		Mailer: mailerOf(cfg, log), URLGuard: urlGuard, Media: mediaFetcher(urlGuard), Changes: &a.changes,
	}, service.Settings{
		BcryptRounds: cfg.BcryptRounds, DefaultEngine: cfg.WhatsAppEngine, Engines: available,
		MaxInstancesPerUser: cfg.MaxInstancesPerUser, EnableRegistration: cfg.EnableRegistration,
		EnableAPIKeys: cfg.EnableAPIKeys, EnableWebhooks: cfg.EnableWebhooks, WebhookSecretGrace: cfg.WebhookSecretGrace,
		LoginMaxAttempts: cfg.LoginMaxAttempts, LoginLockout: cfg.LoginLockout, LoginLockoutAddresses: cfg.LoginLockoutAddresses, Mode: mode, Version: version,
		MediaDir:                cfg.MediaStoragePath,
		MediaOnWorkers:          cfg.Scheduler == "nomad",
		EnableEmailVerification: cfg.EnableEmailVerification, PublicURL: cfg.PublicURL,
		SendCheckTTL: cfg.StatusCacheTTL,
		DefaultProxy: cfg.WhatsAppProxy.Value(),
		Voice:        &convert.Voice{Args: cfg.AudioConverter, Timeout: cfg.AudioConverterTimeout},
	})
	a.svc = svc
	a.newMetrics(mode)
	if err := a.setupWebhooks(); err != nil {
		return nil, err
	}
	a.api = api.New(api.Deps{
		Service: svc, Tokens: tokens, Limiter: a.limiter, Logger: log, Checks: a.checks(), Ready: a.ready.Load, Bus: a.bus,
		Observe: a.metrics.ObserveHTTP, Extra: a.extraRoutes,
	}, api.Config{
		APIVersion: cfg.APIVersion, MaxBodyBytes: cfg.MaxBodyBytes, RateLimitMax: cfg.RateLimitMaxRequests,
		RateLimitWindow: cfg.RateLimitWindow, TrustedProxies: cfg.TrustedProxies, UserCacheTTL: cfg.AuthCacheTTL,
		StreamsPerTenant: cfg.EventStreamsPerTenant, StatusCacheTTL: cfg.StatusCacheTTL,
	})
	a.changes.api.Store(a.api)
	a.closers = append(a.closers, func() error { a.api.Close(); return nil })
	return a, nil
}

// changeRelay is service.Changes and the workers' Changed hook: it hands
// each change to the API's caches, which forget and tell the other gateways.
// Changes before the API exists have nothing cached to drop.
type changeRelay struct{ api atomic.Pointer[api.Server] }

func (c *changeRelay) SessionChanged(id string) { c.relay((*api.Server).SessionChanged, id) }

func (c *changeRelay) SessionQueueChanged(id string) { c.relay((*api.Server).SessionQueueChanged, id) }

func (c *changeRelay) InstanceChanged(id string) { c.relay((*api.Server).InstanceChanged, id) }

func (c *changeRelay) PlanChanged(id string) { c.relay((*api.Server).PlanChanged, id) }

// relay hands the change of id to the API, once there is one.
func (c *changeRelay) relay(change func(*api.Server, string), id string) {
	if s := c.api.Load(); s != nil {
		change(s, id)
	}
}

// checks are the dependencies /health reports, one per row of DESIGN.md's table.
func (a *app) checks() []api.Check {
	checks := []api.Check{
		{Name: "database", Critical: true, Check: a.store.Ping},
		{Name: "cache", Check: func(ctx context.Context) error {
			if p, ok := a.cache.(interface{ Ping(context.Context) error }); ok {
				return p.Ping(ctx)
			}
			return nil
		}},
		{Name: "secrets", Critical: true, Check: func(ctx context.Context) error {
			_, _, err := a.secrets.JWTKeys(ctx)
			return err
		}},
	}
	if a.cluster != nil {
		checks = append(checks, a.cluster.checks...)
	}
	if a.sched != nil {
		checks = append(checks,
			api.Check{Name: "scheduler", Check: a.sched.Ping},
			api.Check{Name: "discovery", Check: a.sched.Ping})
	}
	return checks
}

// start does the work that must follow a store opening: the default plan,
// the first admin, and the sessions that were running before a restart.
func (a *app) start(ctx context.Context) error {
	if err := a.svc.EnsureDefaultPlan(ctx); err != nil {
		return fmt.Errorf("ensure default plan: %w", err)
	}
	if _, err := a.svc.EnsureAdmin(ctx, a.cfg.AdminEmail, a.cfg.AdminPassword.Value()); err != nil {
		return fmt.Errorf("ensure admin: %w", err)
	}
	a.startSaaS()
	if _, err := a.svc.RecoverInstances(ctx); err != nil {
		return fmt.Errorf("recover instances: %w", err)
	}
	if err := a.startWebhooks(); err != nil {
		return fmt.Errorf("start webhooks: %w", err)
	}
	a.ready.Store(true)
	return nil
}

func (a *app) close() {
	if a.cancel != nil {
		a.cancel()
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](); err != nil {
			a.log.Warn("close", "err", err)
		}
	}
	a.closers = nil
}

// serve runs the gateway until ctx ends, then drains within SHUTDOWN_TIMEOUT.
// When addrc is set it receives the listening address (tests).
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, addrc chan<- string) error {
	started := time.Now()
	a, err := newApp(ctx, cfg, log, appOptions{})
	if err != nil {
		return err
	}
	defer a.close()
	// HOST empty listens on every interface; 127.0.0.1 keeps the API on loopback.
	listen := net.JoinHostPort(strings.Trim(cfg.Host, "[]"), strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	srv := &http.Server{
		Handler:           a.api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return a.bg },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if cfg.EnableHTTPS {
		cert, err := tls.LoadX509KeyPair(cfg.SSLCertPath, cfg.SSLKeyPath)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("gateway listening", "addr", ln.Addr().String(), "url", fmt.Sprintf("%s://localhost:%d", scheme, ln.Addr().(*net.TCPAddr).Port),
		"database", a.store.Dialect(), "redis", cfg.UsesRedis(), "version", version, "startup", time.Since(started).Round(time.Millisecond))
	log.Debug("configuration", "config", cfg)
	if addrc != nil {
		addrc <- ln.Addr().String()
	}
	if err := a.start(ctx); err != nil {
		log.Error("start-up", "err", err)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	a.ready.Store(false)
	// Event streams never end by themselves: end them, or Shutdown waits
	// for them until its timeout.
	srv.RegisterOnShutdown(a.api.CloseStreams)
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	a.svc.Wait()
	return nil
}
