// Package metrics is the gateway's Prometheus instrumentation: HTTP
// requests by route pattern, sessions, instances and messages by state
// (counted from the store when scraped), webhook deliveries, queue depths,
// and the Go runtime. Labels are bounded sets only: never a tenant,
// session, message id or phone number.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Namespace prefixes every metric of the gateway.
const Namespace = "wagw"

// Options describe the process for wagw_build_info.
type Options struct {
	Version  string
	Mode     string // embedded or cluster
	Database string // sqlite or postgres
	Logger   *slog.Logger
	// Stats, when set, is counted for the state gauges on scrape.
	Stats gateway.StatsStore
	// MinRefresh is the least time between two counts (default 5s).
	MinRefresh time.Duration
}

// Metrics holds the gateway's collectors in a registry of its own, so two
// gateways in one test process do not collide.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	// series keeps each route's counter and histogram once looked up: a
	// vector hashes and compares its label values on every lookup, twice
	// a request. Its keys are the vectors' own label sets, as bounded.
	seriesMu sync.RWMutex
	series   map[httpKey]httpSeries

	sessions  *prometheus.GaugeVec
	instances *prometheus.GaugeVec
	messages  *prometheus.GaugeVec
	stored    *prometheus.GaugeVec
	oldest    prometheus.Gauge
	refreshes *prometheus.CounterVec
	refreshed prometheus.Gauge

	deliveries  *prometheus.CounterVec
	deliveryLag prometheus.Histogram
	deliveryDur prometheus.Histogram
	queueDepth  *prometheus.GaugeVec

	// last keeps the label sets of the previous refresh, so a state that
	// drops to no rows reads 0 rather than keeping its old value.
	mu   sync.Mutex
	last map[string]map[string]bool

	stats       gateway.StatsStore
	minRefresh  time.Duration
	refreshMu   sync.Mutex
	lastRefresh time.Time
}

// New registers every collector.
func New(o Options) *Metrics {
	o.Logger = defaults.Logger(o.Logger)
	if o.MinRefresh <= 0 {
		o.MinRefresh = 5 * time.Second
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: o.Logger, last: map[string]map[string]bool{}, series: map[httpKey]httpSeries{},
		stats: o.Stats, minRefresh: o.MinRefresh}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code."}, []string{"route", "method", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route pattern and method (event streams count their whole life).",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route", "method"})
	m.sessions = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "sessions",
		Help: "Sessions of every tenant by state."}, []string{"state"})
	m.instances = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "instances",
		Help: "Instances (session workers) of every tenant by state."}, []string{"state"})
	m.messages = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "messages",
		Help: "Stored messages by direction and status."}, []string{"direction", "status"})
	m.stored = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Subsystem: "webhook", Name: "deliveries",
		Help: "Stored webhook deliveries by status (pending, succeeded, failed, abandoned)."}, []string{"status"})
	m.oldest = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Subsystem: "webhook", Name: "oldest_undelivered_seconds",
		Help: "Age of the oldest pending or failed delivery (0 when none): how far behind webhooks are."})
	m.refreshes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "state_refreshes_total",
		Help: "Store counts taken for the state gauges, by result."}, []string{"result"})
	m.refreshed = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "state_refresh_timestamp_seconds",
		Help: "When the state gauges were last counted from the store (unix seconds)."})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Subsystem: "webhook", Name: "deliveries_total",
		Help: "Webhook delivery attempts by result (succeeded, failed, abandoned)."}, []string{"result"})
	m.deliveryLag = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Subsystem: "webhook", Name: "delivery_lag_seconds",
		Help:    "Time from an event to its successful delivery.",
		Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600}})
	m.deliveryDur = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Subsystem: "webhook", Name: "attempt_duration_seconds",
		Help: "Time of one delivery HTTP attempt.", Buckets: prometheus.DefBuckets})
	m.queueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "queue_depth",
		Help: "Work waiting, by queue: send (outbound messages queued), webhook_deliveries (pending or failed)."}, []string{"queue"})
	for _, c := range []prometheus.Collector{m.httpRequests, m.httpDuration, m.sessions, m.instances, m.messages,
		m.stored, m.oldest, m.refreshes, m.refreshed, m.deliveries, m.deliveryLag, m.deliveryDur, m.queueDepth} {
		f(c)
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "build_info",
		Help:        "Build and shape of this gateway; always 1.",
		ConstLabels: prometheus.Labels{"version": o.Version, "mode": o.Mode, "database": o.Database}})
	info.Set(1)
	f(info)
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for collectors registered elsewhere.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the exposition format. When Options.Stats is set, a
// scrape first recounts the state gauges from the store, at most once per
// Options.MinRefresh, so a scrape every 15 seconds costs one count and
// gateways that nobody scrapes count nothing.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.stats != nil {
			m.refreshIfStale(r.Context())
		}
		h.ServeHTTP(w, r)
	})
}

func (m *Metrics) refreshIfStale(ctx context.Context) {
	m.refreshMu.Lock()
	defer m.refreshMu.Unlock()
	if !m.lastRefresh.IsZero() && time.Since(m.lastRefresh) < m.minRefresh {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := m.Refresh(ctx, m.stats); err != nil {
		// The gauges keep their last values; the error counter says why they are old.
		m.log.Warn("metrics: count states", "err", err)
	}
	m.lastRefresh = time.Now()
}

// ObserveHTTP records one answered request; it has the signature of
// api.Deps.Observe. route is the chi pattern ("unmatched" when none), so
// the label set stays bounded.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	// A client may send any token as the method; the label keeps the
	// methods HTTP defines and counts the rest as one, or each made-up
	// method would be a series of its own, kept for the process's life.
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
	default:
		method = "other"
	}
	k := httpKey{route: route, method: method, status: status}
	m.seriesMu.RLock()
	s, ok := m.series[k]
	m.seriesMu.RUnlock()
	if !ok {
		s = httpSeries{requests: m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)),
			duration: m.httpDuration.WithLabelValues(route, method)}
		m.seriesMu.Lock()
		m.series[k] = s
		m.seriesMu.Unlock()
	}
	s.requests.Inc()
	s.duration.Observe(d.Seconds())
}

// httpKey is one label set of the request metrics; httpSeries its counter
// and histogram.
type httpKey struct {
	route, method string
	status        int
}

type httpSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// ObserveDelivery records one webhook delivery attempt: its result
// (succeeded, failed, abandoned), how long the attempt took, and, for a
// success, the lag from the event to its delivery. The webhook dispatcher
// calls it.
func (m *Metrics) ObserveDelivery(result string, attempt, lag time.Duration) {
	m.deliveries.WithLabelValues(result).Inc()
	if attempt > 0 {
		m.deliveryDur.Observe(attempt.Seconds())
	}
	if result == string(gateway.DeliverySucceeded) && lag >= 0 {
		m.deliveryLag.Observe(lag.Seconds())
	}
}

// SetQueueDepth sets the depth of a named queue (a bounded set of names).
func (m *Metrics) SetQueueDepth(queue string, n int) {
	m.queueDepth.WithLabelValues(queue).Set(float64(n))
}

// Refresh counts states from the store once and sets the gauges.
func (m *Metrics) Refresh(ctx context.Context, st gateway.StatsStore) error {
	c, err := st.StateCounts(ctx)
	if err != nil {
		m.refreshes.WithLabelValues("error").Inc()
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	sessions := map[string]float64{}
	for _, s := range []gateway.SessionStatus{gateway.SessionCreated, gateway.SessionStarting, gateway.SessionQRPending, gateway.SessionConnected,
		gateway.SessionDisconnected, gateway.SessionReconnecting, gateway.SessionLoggedOut, gateway.SessionFailed, gateway.SessionStopped} {
		sessions[string(s)] = 0
	}
	for k, n := range c.Sessions {
		sessions[string(k)] = float64(n)
	}
	instances := map[string]float64{}
	for _, s := range []gateway.InstanceStatus{gateway.InstancePending, gateway.InstanceStarting, gateway.InstanceRunning,
		gateway.InstanceRestarting, gateway.InstanceStopped, gateway.InstanceFailed, gateway.InstanceLost} {
		instances[string(s)] = 0
	}
	for k, n := range c.Instances {
		instances[string(k)] = float64(n)
	}
	m.setAll("sessions", sessions, func(k string, v float64) { m.sessions.WithLabelValues(k).Set(v) }, func(k string) { m.sessions.DeleteLabelValues(k) })
	m.setAll("instances", instances, func(k string, v float64) { m.instances.WithLabelValues(k).Set(v) }, func(k string) { m.instances.DeleteLabelValues(k) })
	msgs := map[string]float64{}
	queued := 0
	for dir, byStatus := range c.Messages {
		for st, n := range byStatus {
			msgs[dir+"\x00"+string(st)] = float64(n)
			if dir == gateway.DirectionOutbound && st == gateway.MessageQueued {
				queued += n
			}
		}
	}
	split := func(k string) (string, string) {
		for i := 0; i < len(k); i++ {
			if k[i] == 0 {
				return k[:i], k[i+1:]
			}
		}
		return k, ""
	}
	m.setAll("messages", msgs, func(k string, v float64) { d, s := split(k); m.messages.WithLabelValues(d, s).Set(v) },
		func(k string) { d, s := split(k); m.messages.DeleteLabelValues(d, s) })
	m.queueDepth.WithLabelValues("send").Set(float64(queued))
	deliveries := map[string]float64{}
	for _, st := range []gateway.DeliveryStatus{gateway.DeliveryPending, gateway.DeliverySucceeded, gateway.DeliveryFailed, gateway.DeliveryAbandoned} {
		deliveries[string(st)] = 0
	}
	for st, n := range c.Deliveries {
		deliveries[string(st)] = float64(n)
	}
	m.setAll("deliveries", deliveries, func(k string, v float64) { m.stored.WithLabelValues(k).Set(v) }, func(k string) { m.stored.DeleteLabelValues(k) })
	m.queueDepth.WithLabelValues("webhook_deliveries").Set(deliveries[string(gateway.DeliveryPending)] + deliveries[string(gateway.DeliveryFailed)])
	if c.OldestUndelivered.IsZero() {
		m.oldest.Set(0)
	} else {
		m.oldest.Set(max(time.Since(c.OldestUndelivered).Seconds(), 0))
	}
	m.refreshes.WithLabelValues("ok").Inc()
	m.refreshed.SetToCurrentTime()
	return nil
}

// setAll sets every value and drops label sets that are gone since the last refresh.
func (m *Metrics) setAll(name string, vals map[string]float64, set func(string, float64), del func(string)) {
	for k := range m.last[name] {
		if _, ok := vals[k]; !ok {
			del(k)
		}
	}
	seen := map[string]bool{}
	for k, v := range vals {
		set(k, v)
		seen[k] = true
	}
	m.last[name] = seen
}
