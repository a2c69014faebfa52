// Package api is the public HTTP API: chi routes, the JSON envelope, error
// mapping, authentication, rate limits, one file per resource. It imports
// no driver: everything below it comes through the service and the domain
// interfaces.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/livecache"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// Config is what the HTTP layer reads from the configuration.
type Config struct {
	APIVersion      string // "v1"
	MaxBodyBytes    int64
	RateLimitMax    int
	RateLimitWindow time.Duration
	// TrustedProxies are the networks of the proxies in front of the API
	// (TRUSTED_PROXIES): X-Forwarded-For is honoured only from them.
	TrustedProxies []netip.Prefix
	// UserCacheTTL is how long authenticated users, API keys and verified
	// tokens are cached (AUTH_CACHE_TTL; 0: no cache).
	UserCacheTTL time.Duration
	// StatusCacheTTL is how long a session's worker status and an
	// instance's view are answered from memory (STATUS_CACHE_TTL; 0: never).
	StatusCacheTTL time.Duration
	// StreamsPerTenant caps a tenant's open event and QR streams in this
	// process (0: 10).
	StreamsPerTenant int
}

// Check is one dependency in /health.
type Check struct {
	Name string
	// Critical checks make the gateway "down" (and not ready) when they fail;
	// others make it "degraded".
	Critical bool
	Check    func(ctx context.Context) error
}

// Deps are what the server is built from.
type Deps struct {
	Service *service.Service
	Tokens  *auth.Tokens
	Limiter gateway.RateLimiter
	Logger  *slog.Logger
	Checks  []Check
	// Ready reports whether start-up work (migrations, recovery) is done.
	Ready func() bool
	// Observe, when set, receives every request's route, method, status and duration (metrics).
	Observe func(route, method string, status int, d time.Duration)
	// Extra mounts more routes (metrics, docs, dashboard) on the root router.
	Extra func(r chi.Router)
	// Bus wakes event streams (GET /events) when a tenant's events commit,
	// and carries change notices between gateways (authentication, status
	// and instance caches); without it streams poll the store.
	Bus gateway.Bus
}

// Server is the public API.
type Server struct {
	svc     *service.Service
	tokens  *auth.Tokens
	limiter gateway.RateLimiter
	log     *slog.Logger
	cfg     Config
	deps    Deps
	users   *userCache
	// keys caches API keys by hash, as users are cached; keyLookup reads
	// through it and users.
	keys      *ttlCache[*gateway.APIKey]
	keyLookup service.APIKeyLookup
	// verified caches verified JWTs for as long as users are cached.
	verified *auth.VerifyCache
	// sessions, statuses and instances cache the views of sessions and
	// instances (statuscache.go); notices tells other gateways what changed.
	sessions  *livecache.Cache[*answer[*gateway.Session]]
	statuses  *livecache.Cache[*answer[*instanceapi.Status]]
	instances *livecache.Cache[*answer[*gateway.Instance]]
	notices   notices
	router    chi.Router
	started   time.Time
	watch     userWatch
	// streams ends the long-lived event streams when the server shuts down.
	streams streamCloser
	// streamSlots counts each tenant's open streams.
	streamSlots streamSlots
	specState
}

// New builds the API's router.
func New(d Deps, cfg Config) *Server {
	d.Logger = defaults.Logger(d.Logger)
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = "v1"
	}
	if cfg.StreamsPerTenant <= 0 {
		cfg.StreamsPerTenant = 10
	}
	if d.Ready == nil {
		d.Ready = func() bool { return true }
	}
	s := &Server{svc: d.Service, tokens: d.Tokens, limiter: d.Limiter, log: d.Logger, cfg: cfg, deps: d,
		users: newUserCache(cfg.UserCacheTTL), keys: newTTLCache[*gateway.APIKey](cfg.UserCacheTTL), verified: auth.NewVerifyCache(d.Tokens, cfg.UserCacheTTL), started: time.Now(),
		sessions: livecache.New[*answer[*gateway.Session]](cfg.StatusCacheTTL),
		statuses: livecache.New[*answer[*instanceapi.Status]](cfg.StatusCacheTTL), instances: livecache.New[*answer[*gateway.Instance]](cfg.StatusCacheTTL)}
	s.streamSlots.max = cfg.StreamsPerTenant
	s.keyLookup = s.lookupThroughCaches()
	s.router = s.routes()
	s.watchUserChanges()
	s.watchStatusChanges()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Router returns the chi router, for route listings (OpenAPI checks).
func (s *Server) Router() chi.Router { return s.router }

// handler is the shape of every handler: it returns an error, rendered once.
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) h(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			writeError(w, r, s.log, err)
		}
	}
}

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(withRequest(s.cfg.TrustedProxies), withLogging(s.log, s.deps.Observe), withRecover(s.log))
	r.NotFound(s.h(func(w http.ResponseWriter, r *http.Request) error {
		return gateway.Errorf(gateway.CodeNotFound, "No route %s %s.", r.Method, r.URL.Path)
	}))
	// A known path asked with a method it does not take: 405 with the
	// methods it does take, in Allow and in the sentence.
	r.MethodNotAllowed(s.h(func(w http.ResponseWriter, req *http.Request) error {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if m != req.Method && r.Match(chi.NewRouteContext(), m, req.URL.Path) {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return gateway.Errorf(gateway.CodeMethodNotAllowed, "The method %s is not allowed on %s; use %s.", req.Method, req.URL.Path, strings.Join(allowed, ", "))
	}))

	table := s.newRouteTable()
	table.mount(r, isServiceRoute, "", plain)
	s.docsRoutes(r)
	if s.deps.Extra != nil {
		s.deps.Extra(r)
	}

	r.Route("/api/"+s.cfg.APIVersion, func(r chi.Router) {
		// Unauthenticated: limited per address.
		r.Group(func(r chi.Router) {
			r.Use(s.rateLimit)
			table.mount(r, isAnonymousRoute, "", plain)
		})
		s.adminRoutes(r, table)
		r.Group(func(r chi.Router) {
			r.Use(s.authenticate, s.rateLimit)
			table.mount(r, isTenantRoute, "", s.guard)
		})
	})
	table.done()
	return r
}
