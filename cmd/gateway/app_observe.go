package main

import (
	"context"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/whatsapp-saas/gateway/internal/dashboard"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/metrics"
)

// metricsRefresh is the least time between two counts of the state gauges
// (a scrape recounts when the last count is older).
const metricsRefresh = 5 * time.Second

// newMetrics builds the Prometheus collectors; the state gauges are counted
// from the store when scraped, if the store can count them.
func (a *app) newMetrics(mode string) {
	st, _ := a.store.(gateway.StatsStore)
	a.metrics = metrics.New(metrics.Options{Version: version, Mode: mode, Database: a.store.Dialect(), Logger: a.log,
		Stats: st, MinRefresh: metricsRefresh})
}

// extraRoutes mounts what the API package does not own: /metrics, and the
// dashboard.
func (a *app) extraRoutes(r chi.Router) {
	r.Method("GET", "/metrics", a.metrics.Handler())
	dashboard.Mount(r)
}

// observedDeliveries wraps the webhook outbox so every completed attempt
// is counted by result, with its duration, and successes with their lag
// from the event's time. It remembers claimed events' times until their
// result comes back; the map is bounded by the deliveries in flight.
type observedDeliveries struct {
	gateway.DeliveryStore
	m       *metrics.Metrics
	mu      sync.Mutex
	claimed map[string]time.Time
}

func (a *app) observedDeliveryStore() gateway.DeliveryStore {
	return &observedDeliveries{DeliveryStore: a.store, m: a.metrics, claimed: map[string]time.Time{}}
}

// ClaimDeliveries remembers when each claimed delivery's event happened.
func (o *observedDeliveries) ClaimDeliveries(ctx context.Context, c gateway.DeliveryClaim) ([]*gateway.ClaimedDelivery, error) {
	list, err := o.DeliveryStore.ClaimDeliveries(ctx, c)
	if err == nil {
		o.mu.Lock()
		for _, c := range list {
			if c.Delivery != nil && c.Event != nil {
				o.claimed[c.Delivery.ID] = c.Event.Timestamp
			}
		}
		o.mu.Unlock()
	}
	return list, err
}

// CompleteDeliveries counts the results once they are stored.
func (o *observedDeliveries) CompleteDeliveries(ctx context.Context, results []gateway.DeliveryResult, policy gateway.StreakPolicy) error {
	err := o.DeliveryStore.CompleteDeliveries(ctx, results, policy)
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range results {
		at, ok := o.claimed[r.DeliveryID]
		delete(o.claimed, r.DeliveryID)
		if err != nil || !r.Attempted {
			continue
		}
		lag := time.Duration(-1)
		if ok && !at.IsZero() {
			lag = r.At.Sub(at)
		}
		o.m.ObserveDelivery(string(r.Status), r.Latency, lag)
	}
	return err
}

// ReleaseDelivery forgets a delivery given back without an attempt.
func (o *observedDeliveries) ReleaseDelivery(ctx context.Context, id string, lease, next time.Time) error {
	o.mu.Lock()
	delete(o.claimed, id)
	o.mu.Unlock()
	return o.DeliveryStore.ReleaseDelivery(ctx, id, lease, next)
}
