package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

type ctxKey int

const keyState ctxKey = iota

// reqState is what the middleware learns about a request, under one
// context key: WithContext copies the whole request, so one value set once
// costs one copy where a key per fact cost one each (the request id, the
// address and the principal were three).
type reqState struct {
	clientIP  string
	principal *principal // set by authenticate and requireAdmin
}

// principal is who a request acts for: a user, through a JWT or an API key.
type principal struct {
	User   *gateway.User
	APIKey *gateway.APIKey // nil for a JWT
}

func stateOf(ctx context.Context) *reqState { st, _ := ctx.Value(keyState).(*reqState); return st }

func clientIP(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.clientIP
	}
	return ""
}

func who(r *http.Request) *principal { return whoIn(r.Context()) }

// whoIn is who for the context of the request.
func whoIn(ctx context.Context) *principal {
	if st := stateOf(ctx); st != nil {
		return st.principal
	}
	return nil
}

// actingAs records who the request acts for, in the state withRequest (the
// router's outermost middleware) made for this request alone: every
// handler after this one and the request's log line read it from there.
func actingAs(r *http.Request, p *principal) {
	stateOf(r.Context()).principal = p
}

// withRequest starts every request's state: its id (a sane incoming
// X-Request-Id or a new one, passed on to workers through the context) and
// the client's address (clientAddr).
func withRequest(trusted []netip.Prefix) func(http.Handler) http.Handler {
	addr := clientAddr(trusted)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !saneRequestID(id) {
				var b [8]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			w.Header().Set("X-Request-Id", id)
			// One key for the whole request: the worker, the events it writes
			// and their webhooks read it from there (gateway.RequestID).
			ctx := context.WithValue(gateway.WithRequestID(r.Context(), id), keyState, &reqState{clientIP: addr(r)})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func saneRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// clientAddr gives a request's client address: the connection's, unless
// the connection comes from a trusted proxy (TRUSTED_PROXIES). Then the
// X-Forwarded-For chain is read from the right, the end the proxies
// appended to, skipping trusted hops: the first untrusted address is the
// client. Anything left of it was written by the client and may be forged,
// so it never counts (nor does the header from an untrusted peer: a client
// could dodge per-address limits with it). Without the header, a trusted
// proxy's X-Real-Ip is taken.
func clientAddr(trusted []netip.Prefix) func(r *http.Request) string {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		ip := r.RemoteAddr
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ip = host
		}
		if len(trusted) > 0 {
			if peer, err := netip.ParseAddr(ip); err == nil && isTrusted(peer.Unmap()) {
				return forwardedClient(r.Header, peer.Unmap(), isTrusted).String()
			}
		}
		return ip
	}
}

// forwardedClient walks the X-Forwarded-For chain of a request a trusted
// peer passed on, from the right; a hop that does not parse ends the walk
// at the last address known good.
func forwardedClient(h http.Header, peer netip.Addr, isTrusted func(netip.Addr) bool) netip.Addr {
	var hops []string
	for _, line := range h.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(line, ",")...)
	}
	if len(hops) == 0 {
		if a, err := netip.ParseAddr(strings.TrimSpace(h.Get("X-Real-Ip"))); err == nil {
			return a.Unmap()
		}
		return peer
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return client
		}
		client = a.Unmap().WithZone("")
		if !isTrusted(client) {
			return client
		}
	}
	return client
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Flush lets server-sent event streams through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// withLogging logs one line per request: route pattern (no ids or phone
// numbers from the path), status, duration, request and user ids.
func withLogging(log *slog.Logger, observe func(route, method string, status int, d time.Duration)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			// chi set the matched route's pattern on the request it
			// routed: building it again from the route context cost 3 %
			// of a cached read. A mount's pattern ("/api/v1/*") there
			// means the route under it was matched on a copy of this
			// request (a middleware before the subrouter's routing made
			// one) or none was: the route context, which every copy
			// shares, has the whole pattern.
			route := r.Pattern
			if route == "" || strings.HasSuffix(route, "/*") {
				route = chi.RouteContext(r.Context()).RoutePattern()
			}
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			if observe != nil {
				observe(route, r.Method, rec.status, d)
			}
			level := slog.LevelInfo
			if strings.HasPrefix(route, "/health") || route == "/metrics" {
				level = slog.LevelDebug
			}
			// The line's attributes only when it is written: built for
			// nothing, they were a sixth of a cached read's handling.
			if !log.Enabled(r.Context(), level) {
				return
			}
			attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", route), slog.Int("status", rec.status),
				slog.Duration("duration", d), slog.String("request_id", gateway.RequestID(r.Context()))}
			if p := who(r); p != nil {
				attrs = append(attrs, slog.String("user_id", p.User.ID))
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
		})
	}
}

// withRecover turns a panic into a 500 envelope and a logged stack.
func withRecover(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error("panic", "request_id", gateway.RequestID(r.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
					writeError(w, r, log, gateway.Errorf(gateway.CodeInternal, "An internal error occurred."))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// authenticate accepts Authorization: Bearer <JWT> or X-API-Key: wsa_….
// A refused credential (or none) counts against the address's anonymous
// rate limit, like any unauthenticated request, so guessing tokens or keys
// is throttled: past the limit the answer is 429, not 401.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.principalOf(r)
		if err != nil {
			if gateway.IsCode(err, gateway.CodeUnauthorized) {
				if !s.allow(w, r, "rl:ip:"+clientIP(r.Context()), s.cfg.RateLimitMax, s.cfg.RateLimitWindow, s.cfg.RateLimitMax > 0) {
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			}
			writeError(w, r, s.log, err)
			return
		}
		actingAs(r, p)
		next.ServeHTTP(w, r)
	})
}

func (s *Server) principalOf(r *http.Request) (*principal, error) {
	ctx := r.Context()
	if key := r.Header.Get("X-API-Key"); key != "" {
		k, u, err := s.svc.AuthenticateAPIKeyVia(ctx, strings.TrimSpace(key), clientIP(ctx), s.keyLookup)
		if err != nil {
			return nil, err
		}
		return &principal{User: u, APIKey: k}, nil
	}
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return nil, gateway.Errorf(gateway.CodeUnauthorized, "Authentication required: send Authorization: Bearer <token> or X-API-Key: <key>.")
	}
	scheme, token, _ := strings.Cut(authz, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, gateway.Errorf(gateway.CodeUnauthorized, "The Authorization header must be \"Bearer <token>\".")
	}
	claims, err := s.verified.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	u, err := s.users.get(ctx, claims.UserID, s.svc.User)
	if err != nil {
		return nil, err
	}
	// The signature may come from the verify cache, the user from the user
	// cache, but this comparison is made on every request: a token issued
	// before a password reset, a password change or a suspension is refused
	// as soon as the cached user is forgotten (at once, on every gateway,
	// through the user-change notice).
	if claims.TokenVersion < u.TokenVersion {
		return nil, gateway.Errorf(gateway.CodeUnauthorized,
			"The token was revoked by a password change, a password reset or a suspension; log in again.")
	}
	return &principal{User: u}, nil
}

// rateLimit counts requests per client: per address when anonymous,
// against RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW_MS; per tenant when
// authenticated, against its plan's requests per minute (the default plan
// keeps the global limit).
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := "rl:ip:" + clientIP(r.Context())
		limit, window, limited := s.cfg.RateLimitMax, s.cfg.RateLimitWindow, s.cfg.RateLimitMax > 0
		if p := who(r); p != nil {
			// A tenant's rate is its plan's (the default plan's is the global one).
			limit, window, limited = s.svc.RateLimitOf(r.Context(), p.User, s.cfg.RateLimitMax, s.cfg.RateLimitWindow)
			key = "rl:user:" + p.User.ID
			if window != s.cfg.RateLimitWindow {
				key += ":" + window.String()
			}
		}
		if s.allow(w, r, key, limit, window, limited) {
			next.ServeHTTP(w, r)
		}
	})
}

// allow counts one request for key against limit per window and sets the
// rate-limit headers; past the limit it answers 429 and returns false.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, key string, limit int, window time.Duration, limited bool) bool {
	if !limited {
		return true
	}
	res, err := s.limiter.Allow(r.Context(), key, limit, window)
	if err != nil {
		// A limiter outage must not take the API down; log and serve.
		s.log.Warn("rate limiter", "err", err)
		return true
	}
	h := w.Header()
	reset := strconv.Itoa(int((res.ResetAfter + time.Second - 1) / time.Second))
	h.Set("RateLimit-Limit", strconv.Itoa(res.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
	h.Set("RateLimit-Reset", reset)
	h.Set("X-RateLimit-Limit", strconv.Itoa(res.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(res.Remaining))
	h.Set("X-RateLimit-Reset", reset)
	if !res.Allowed {
		secs := int((res.RetryAfter + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		writeError(w, r, s.log, &gateway.Error{Code: gateway.CodeRateLimited,
			Message: fmt.Sprintf("Too many requests; retry in %d seconds.", secs),
			Details: map[string]any{"retry_after_seconds": secs}})
		return false
	}
	return true
}
