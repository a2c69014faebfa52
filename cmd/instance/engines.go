package main

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/engines"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
	"github.com/whatsapp-saas/gateway/internal/whatsmeow"
)

// loadEngineSettings reads the engine, pacing and SSRF settings the worker
// shares with the gateway, under the same names (none is secret but
// WHATSAPP_PROXY, which comes from the template): WHATSAPP_WEB_VERSION,
// WHATSAPP_PROXY, MEDIA_STORAGE_PATH (default ./data/media),
// MEDIA_MAX_BYTES (64 MiB), SEND_RATE_PER_MINUTE (20; 0 off), SEND_BURST
// (5), SEND_JITTER (2s), SEND_TYPING_PREROLL (0),
// WEBHOOK_ALLOW_PRIVATE_NETWORKS (false) and WEBHOOK_DENY_NETWORKS.
func loadEngineSettings(get func(string) string, bad func(string, ...any)) (engines.Settings, ssrf.Settings) {
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
	s := engines.Settings{
		WebVersion: get("WHATSAPP_WEB_VERSION"), Proxy: get("WHATSAPP_PROXY"), MediaDir: orDefault(get("MEDIA_STORAGE_PATH"), "./data/media"),
		MediaMaxBytes: num("MEDIA_MAX_BYTES", 64<<20), SendRatePerMinute: int(num("SEND_RATE_PER_MINUTE", 20)),
		SendBurst: int(num("SEND_BURST", 5)), SendJitter: dur("SEND_JITTER", 2*time.Second),
		SendTypingPreroll: dur("SEND_TYPING_PREROLL", 0),
	}
	var g ssrf.Settings
	if v := get("WEBHOOK_ALLOW_PRIVATE_NETWORKS"); v != "" {
		b, err := config.ParseBool(v)
		if err != nil {
			bad("WEBHOOK_ALLOW_PRIVATE_NETWORKS: %v, got %q", err, v)
		}
		g.AllowPrivate = b
	}
	for _, part := range strings.Split(get("WEBHOOK_DENY_NETWORKS"), ",") {
		if part = strings.TrimSpace(part); part != "" {
			g.Deny = append(g.Deny, part)
		}
	}
	if _, _, err := ssrf.ParseDeny(g.Deny); err != nil {
		bad("WEBHOOK_DENY_NETWORKS: %v", err)
	}
	// The agents this worker can name: its Consul agent (the session
	// lock), and Nomad's and Vault's when the task has their addresses.
	g.Agents = []string{get("CONSUL_HTTP_ADDR"), get("NOMAD_ADDR"), get("VAULT_ADDR")}
	return s, g
}

// outboundGuard is the SSRF guard of the session's media URLs.
func outboundGuard(ctx context.Context, cfg *instanceConfig, log *slog.Logger) (*ssrf.Guard, error) {
	return ssrf.Configure(ctx, cfg.SSRF, log)
}

// mediaFetcher is the fetcher the worker's whatsmeow engine sends media
// URLs through.
func mediaFetcher(ctx context.Context, cfg *instanceConfig, log *slog.Logger) (whatsmeow.MediaFetcher, error) {
	guard, err := outboundGuard(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return engines.MediaFetcher(guard), nil
}

// engineFactories builds the engines as the gateway does (internal/engines):
// the sandbox on the bus, whatsmeow on the gateway's database, media URLs
// through the product's SSRF guard.
func engineFactories(ctx context.Context, cfg *instanceConfig, d deps, log *slog.Logger) (map[string]gateway.EngineFactory, error) {
	guard, err := outboundGuard(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return engines.Factories(cfg.Engines, engines.Deps{Store: d.store, Bus: d.bus, Guard: guard, Logger: log})
}
