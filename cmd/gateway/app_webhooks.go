package main

import (
	"context"
	"sync"
	"time"

	"github.com/whatsapp-saas/gateway/internal/api"
	"github.com/whatsapp-saas/gateway/internal/sqlstore"
	"github.com/whatsapp-saas/gateway/internal/webhook"
)

// setupWebhooks wires the outbox: the store tells a notifier what each
// commit stored, the notifier wakes the dispatchers (here directly, on
// other gateways through the bus) and the tenants' event streams; the
// dispatcher pool runs unless ENABLE_WEBHOOKS=false.
func (a *app) setupWebhooks() error {
	n := newCommitNotifier(a)
	if hs, ok := a.store.(interface {
		OnCommit(func(sqlstore.Committed))
	}); ok {
		hs.OnCommit(n.committed)
	}
	a.closers = append(a.closers, func() error { n.close(); return nil })
	if !a.cfg.EnableWebhooks {
		return nil
	}
	guard, err := outboundGuard(a)
	if err != nil {
		return err
	}
	client := guard.Client(a.cfg.WebhookTimeout)
	a.webhooks = webhook.New(webhook.Config{
		Store: a.observedDeliveryStore(), Bus: a.bus, Client: client, Logger: a.log.With("component", "webhooks"),
		Timeout: a.cfg.WebhookTimeout, Schedule: a.cfg.WebhookRetrySchedule, Jitter: 0.2,
		DisableAfter: disableAfter(a.cfg.WebhookDisableAfter), Workers: a.cfg.WebhookWorkers,
		PerEndpoint: a.cfg.WebhookEndpointConcurrency, PerTenant: a.cfg.WebhookTenantConcurrency,
		PollInterval: a.cfg.WebhookPollInterval,
		UserAgent:    "whatsapp-gateway-webhooks/" + version,
	})
	n.dispatcher = a.webhooks
	d := a.webhooks
	a.closers = append(a.closers, func() error {
		// Requests in flight get the shutdown budget to finish; what is
		// cut off is retried after its lease by this or another gateway.
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		defer cancel()
		d.Close(ctx)
		client.CloseIdleConnections()
		return nil
	})
	return nil
}

// disableAfter maps WEBHOOK_DISABLE_AFTER=0 ("never") to the dispatcher's "never".
func disableAfter(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// startWebhooks starts the dispatcher pool (when enabled).
func (a *app) startWebhooks() error {
	if a.webhooks == nil {
		return nil
	}
	return a.webhooks.Start(a.bg)
}

// commitNotifier turns commits into wake-ups without ever blocking the
// committing goroutine: what each commit asks for is merged and published
// by one goroutine, so a slow or lost bus slows no write.
type commitNotifier struct {
	a          *app
	dispatcher *webhook.Dispatcher

	mu       sync.Mutex
	wakeHook bool
	users    map[string]bool
	signal   chan struct{}
	done     chan struct{}
	stop     context.CancelFunc
}

func newCommitNotifier(a *app) *commitNotifier {
	ctx, stop := context.WithCancel(context.Background())
	n := &commitNotifier{a: a, users: map[string]bool{}, signal: make(chan struct{}, 1), done: make(chan struct{}), stop: stop}
	go n.run(ctx)
	return n
}

// committed is the store's OnCommit hook.
func (n *commitNotifier) committed(c sqlstore.Committed) {
	if c.Deliveries > 0 && n.dispatcher != nil {
		n.dispatcher.Wake()
	}
	n.mu.Lock()
	if c.Deliveries > 0 {
		n.wakeHook = true
	}
	for _, e := range c.Events {
		if e != nil {
			n.users[e.UserID] = true
		}
	}
	n.mu.Unlock()
	select {
	case n.signal <- struct{}{}:
	default:
	}
}

func (n *commitNotifier) run(ctx context.Context) {
	defer close(n.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.signal:
		}
		n.mu.Lock()
		wake, users := n.wakeHook, n.users
		n.wakeHook, n.users = false, map[string]bool{}
		n.mu.Unlock()
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if wake {
			if err := n.a.bus.Publish(pctx, webhook.TopicWake, nil); err != nil {
				n.a.log.Debug("publish webhook wake-up", "err", err)
			}
		}
		for u := range users {
			if err := n.a.bus.Publish(pctx, api.EventsTopic(u), nil); err != nil {
				n.a.log.Debug("publish event wake-up", "err", err)
				break
			}
		}
		cancel()
	}
}

func (n *commitNotifier) close() {
	n.stop()
	<-n.done
}
