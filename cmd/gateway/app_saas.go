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

// idempotencyPurgeEvery is how often expired idempotency records are deleted.
const idempotencyPurgeEvery = time.Hour

// startSaaS runs the SaaS layer's housekeeping until the app closes:
// expired idempotency records are deleted (every gateway may do it; the
// DELETE is idempotent).
func (a *app) startSaaS() {
	go func() {
		t := time.NewTicker(idempotencyPurgeEvery)
		defer t.Stop()
		for {
			if n, err := a.store.PurgeIdempotent(a.bg, time.Now()); err != nil {
				if a.bg.Err() == nil {
					a.log.Warn("purge idempotency keys", "err", err)
				}
			} else if n > 0 {
				a.log.Debug("idempotency keys purged", "count", n)
			}
			select {
			case <-a.bg.Done():
				return
			case <-t.C:
			}
		}
	}()
}
