package main

import (
	"log/slog"
	"time"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/mailer"
	"github.com/whatsapp-saas/gateway/internal/service"
)

// mailerOf builds the account mailer from SMTP_*; nil (no mail) when
// SMTP_HOST is not set.
func mailerOf(cfg *config.Config, log *slog.Logger) service.Mailer {
	if cfg.SMTPHost == "" {
		if cfg.EnableEmailVerification {
			log.Warn("ENABLE_EMAIL_VERIFICATION is on but SMTP_HOST is not set: verification mail cannot be sent")
		}
		return nil
	}
	m, err := mailer.New(mailer.Config{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser,
		Password: cfg.SMTPPassword.Value(), From: cfg.SMTPFrom})
	if err != nil {
		log.Error("smtp configuration", "err", err)
		return nil
	}
	return m
}

// purgeEvery is how often expired records are deleted.
const purgeEvery = time.Hour

// firstPurgeDelay is how long after start-up the first purge runs.
const firstPurgeDelay = 5 * time.Second

// eventPurgeBatch is how many events one purge statement deletes, so the
// writer is never held long.
const eventPurgeBatch = 1000

// startSaaS runs the housekeeping until the app closes: expired
// idempotency records are deleted, and events (with their deliveries)
// older than EVENT_RETENTION. Every gateway may do it; the DELETEs are
// idempotent.
func (a *app) startSaaS() {
	go func() {
		// The first pass waits a few seconds: purging events
		// scans the events table (a few tens of milliseconds of CPU and of
		// the single SQLite writer per 100k events), which has no business
		// on the path to a ready gateway, nor beside its first requests (issue 12).
		select {
		case <-a.bg.Done():
			return
		case <-time.After(firstPurgeDelay):
		}
		t := time.NewTicker(purgeEvery)
		defer t.Stop()
		for {
			if n, err := a.store.PurgeIdempotent(a.bg, time.Now()); err != nil {
				if a.bg.Err() == nil {
					a.log.Warn("purge idempotency keys", "err", err)
				}
			} else if n > 0 {
				a.log.Debug("idempotency keys purged", "count", n)
			}
			a.purgeEvents()
			select {
			case <-a.bg.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// purgeEvents deletes events older than EVENT_RETENTION in batches, until
// none is left or the app closes.
func (a *app) purgeEvents() {
	if a.cfg.EventRetention <= 0 {
		return
	}
	before := time.Now().Add(-a.cfg.EventRetention)
	total := 0
	for a.bg.Err() == nil {
		n, err := a.store.PurgeEvents(a.bg, before, eventPurgeBatch)
		if err != nil {
			if a.bg.Err() == nil {
				a.log.Warn("purge events", "err", err)
			}
			return
		}
		total += n
		if n < eventPurgeBatch {
			break
		}
	}
	if total > 0 {
		a.log.Info("old events and their deliveries purged", "count", total, "retention", a.cfg.EventRetention.String())
	}
}
