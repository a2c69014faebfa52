package main

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/pacing"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
	"github.com/whatsapp-saas/gateway/internal/whatsmeow"
	"github.com/whatsapp-saas/gateway/internal/worker"
)

// whatsmeowEngine builds the real WhatsApp engine on the gateway's own
// database: whatsmeow's device store shares the PostgreSQL pool, or the
// SQLite writer connection (one connection, BEGIN IMMEDIATE).
func whatsmeowEngine(a *app) (gateway.EngineFactory, error) {
	cfg, st, log := a.cfg, a.store, a.log
	withDB, ok := st.(interface{ DB() *sql.DB })
	if !ok {
		return nil, fmt.Errorf("the %s store does not expose its database for whatsmeow", st.Dialect())
	}
	dialect := whatsmeow.DialectSQLite
	if st.Dialect() == "postgres" {
		dialect = whatsmeow.DialectPostgres
	}
	devices, err := whatsmeow.NewDeviceStore(withDB.DB(), dialect, log)
	if err != nil {
		return nil, err
	}
	if err := whatsmeow.SetWebVersion(cfg.WhatsAppWebVersion); err != nil {
		return nil, err
	}
	log.Debug("whatsmeow engine", "web_version", whatsmeow.WebVersion())
	// Media URLs are customer URLs: fetched through the same SSRF guard as webhooks.
	guard, err := outboundGuard(a)
	if err != nil {
		return nil, err
	}
	return whatsmeow.Factory(whatsmeow.Options{
		Store:         devices,
		Fetcher:       whatsmeow.NewHTTPFetcher(guard.Client(2*time.Minute), ssrf.Blocked),
		MediaDir:      cfg.MediaStoragePath,
		MaxMediaBytes: cfg.MediaMaxBytes,
		Proxy:         cfg.WhatsAppProxy.Value(),
	}), nil
}

// sendPacer is one session's send pacing (SEND_RATE_PER_MINUTE, SEND_BURST,
// SEND_JITTER), nil when pacing is off. Sandbox sessions are not paced:
// pacing guards real numbers against bans, and the sandbox bans nobody.
func sendPacer(cfg *config.Config, engine string) worker.Pacer {
	if cfg.SendRatePerMinute <= 0 || engine == gateway.EngineSandbox {
		return nil
	}
	return pacing.New(pacing.Config{RatePerMinute: cfg.SendRatePerMinute, Burst: cfg.SendBurst, Jitter: cfg.SendJitter})
}

// typingPreroll is SEND_TYPING_PREROLL for real sessions, 0 for the sandbox.
func typingPreroll(cfg *config.Config, engine string) time.Duration {
	if engine == gateway.EngineSandbox {
		return 0
	}
	return cfg.SendTypingPreroll
}
