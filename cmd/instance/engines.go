package main

import (
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/pacing"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
	"github.com/whatsapp-saas/gateway/internal/whatsmeow"
	"github.com/whatsapp-saas/gateway/internal/worker"
)

// engineSettings are the engine and pacing settings the worker reads
// (the same names as the gateway's; none is secret).
type engineSettings struct {
	WebVersion        string        // WHATSAPP_WEB_VERSION
	Proxy             string        // WHATSAPP_PROXY (from the template: it may hold credentials)
	MediaDir          string        // MEDIA_STORAGE_PATH (default ./data/media)
	MediaMaxBytes     int64         // MEDIA_MAX_BYTES (default 64 MiB)
	SendRatePerMinute int           // SEND_RATE_PER_MINUTE (default 20; 0 off)
	SendBurst         int           // SEND_BURST (default 5)
	SendJitter        time.Duration // SEND_JITTER (default 2s)
	SendTypingPreroll time.Duration // SEND_TYPING_PREROLL (default 0)
}

func loadEngineSettings(get func(string) string, bad func(string, ...any)) engineSettings {
	num := func(name string, def int64) int64 {
		v := get(name)
		if v == "" {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			bad("%s: must be a whole number, got %q", name, v)
			return def
		}
		return n
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := get(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad("%s: must be a duration such as 2s, got %q", name, v)
			return def
		}
		return d
	}
	return engineSettings{
		WebVersion: get("WHATSAPP_WEB_VERSION"), Proxy: get("WHATSAPP_PROXY"), MediaDir: orDefault(get("MEDIA_STORAGE_PATH"), "./data/media"),
		MediaMaxBytes: num("MEDIA_MAX_BYTES", 64<<20), SendRatePerMinute: int(num("SEND_RATE_PER_MINUTE", 20)),
		SendBurst: int(num("SEND_BURST", 5)), SendJitter: dur("SEND_JITTER", 2*time.Second),
		SendTypingPreroll: dur("SEND_TYPING_PREROLL", 0),
	}
}

// engines builds the engine factories: the sandbox on the bus (unless
// SANDBOX_ENABLED is false), and
// whatsmeow on the gateway's database when the store exposes it.
func engines(cfg *instanceConfig, d deps, log *slog.Logger) (map[string]gateway.EngineFactory, error) {
	out := map[string]gateway.EngineFactory{}
	if cfg.SandboxEnabled {
		out[gateway.EngineSandbox] = sandbox.Factory(sandbox.Options{
			PairDelay: cfg.SandboxPairDelay, DeliveryDelay: cfg.SandboxDeliveryDelay, ReadDelay: cfg.SandboxReadDelay,
			Network: sandbox.NewBusNetwork(d.bus), Directory: sandbox.StoreDirectory{Sessions: d.store},
		})
	}
	withDB, ok := d.store.(interface{ DB() *sql.DB })
	if !ok {
		return out, nil
	}
	dialect := whatsmeow.DialectSQLite
	if d.store.Dialect() == "postgres" {
		dialect = whatsmeow.DialectPostgres
	}
	devices, err := whatsmeow.NewDeviceStore(withDB.DB(), dialect, log)
	if err != nil {
		return nil, fmt.Errorf("whatsmeow device store: %w", err)
	}
	if err := whatsmeow.SetWebVersion(cfg.Engines.WebVersion); err != nil {
		return nil, err
	}
	out[gateway.EngineWhatsmeow] = whatsmeow.Factory(whatsmeow.Options{
		Store: devices, MediaDir: cfg.Engines.MediaDir, MaxMediaBytes: cfg.Engines.MediaMaxBytes, Proxy: cfg.Engines.Proxy,
	})
	return out, nil
}

// pacer spaces real sends out (ban avoidance); the sandbox is not paced.
func (s engineSettings) pacer(engine string) worker.Pacer {
	if s.SendRatePerMinute <= 0 || engine == gateway.EngineSandbox {
		return nil
	}
	return pacing.New(pacing.Config{RatePerMinute: s.SendRatePerMinute, Burst: s.SendBurst, Jitter: s.SendJitter})
}

// typingPreroll is SEND_TYPING_PREROLL for real sessions, 0 for the sandbox.
func (s engineSettings) typingPreroll(engine string) time.Duration {
	if engine == gateway.EngineSandbox {
		return 0
	}
	return s.SendTypingPreroll
}
