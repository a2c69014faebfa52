package main

import (
	"context"
	"log/slog"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/engines"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/linkpreview"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// outboundGuard is the SSRF guard of the session's media URLs: the
// gateway's (engines.Guard, the WEBHOOK_* settings), refusing the agents
// this worker can name (its Consul agent, and Nomad's and Vault's when the
// task has their addresses).
func outboundGuard(ctx context.Context, cfg *config.Worker, log *slog.Logger) (*ssrf.Guard, error) {
	return engines.Guard(ctx, cfg.Engines, cfg.Agents(), log)
}

// linkPreviews makes the link previews of the worker's texts, through the
// same SSRF guard as its media URLs.
func linkPreviews(ctx context.Context, cfg *config.Worker, log *slog.Logger) (*linkpreview.Maker, error) {
	guard, err := outboundGuard(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return engines.LinkPreviews(guard), nil
}

// engineFactories builds the engines as the gateway does (internal/engines):
// the sandbox on the bus, whatsmeow on the gateway's database, media URLs
// through the product's SSRF guard.
func engineFactories(ctx context.Context, cfg *config.Worker, d deps, log *slog.Logger) (map[string]gateway.EngineFactory, error) {
	guard, err := outboundGuard(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return engines.Factories(engines.FromConfig(cfg.Engines), engines.Deps{Store: d.store, Bus: d.bus, Guard: guard, Logger: log})
}
