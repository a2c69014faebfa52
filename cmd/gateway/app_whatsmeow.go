package main

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/engines"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/linkpreview"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// engineSettings are the gateway's engine settings; the worker binary
// loads the same config.Engines (workerEnv passes the values) and maps
// them through the same engines.FromConfig.
func engineSettings(cfg *config.Config) engines.Settings {
	return engines.FromConfig(cfg.Engines)
}

// engineFactories builds the engines on the gateway's own store and bus;
// media URLs are fetched through the same SSRF guard as webhooks.
func engineFactories(a *app) (map[string]gateway.EngineFactory, error) {
	guard, err := outboundGuard(a)
	if err != nil {
		return nil, err
	}
	return engines.Factories(engineSettings(a.cfg), engines.Deps{Store: a.store, Bus: a.bus, Guard: guard, Logger: a.log})
}

// linkPreviews makes the link previews of the in-process workers' texts,
// through the same SSRF guard as media URLs.
func linkPreviews(a *app) (*linkpreview.Maker, error) {
	guard, err := outboundGuard(a)
	if err != nil {
		return nil, err
	}
	return engines.LinkPreviews(guard), nil
}

// mediaFetcher fetches the media URLs the send path converts before
// storing a message (a voice note by URL), as the workers fetch theirs.
func mediaFetcher(guard *ssrf.Guard) *ssrf.Fetcher { return engines.MediaFetcher(guard) }

// outboundGuard is the SSRF guard of requests to customer URLs (webhooks
// and media URLs); the HashiCorp agents' ports are refused whatever the
// WEBHOOK_* settings say.
func outboundGuard(a *app) (*ssrf.Guard, error) {
	var agents []string
	if cc := a.clusterCfg; cc != nil {
		agents = []string{cc.NomadAddr, cc.ConsulAddr, cc.VaultAddr}
	}
	return engines.Guard(context.Background(), a.cfg.Engines, agents, a.log)
}
