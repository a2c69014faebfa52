package main

import (
	"context"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/engines"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// engineSettings are the gateway's engine settings; the worker binary
// reads the same names (workerEnv passes them) into the same struct.
func engineSettings(cfg *config.Config) engines.Settings {
	return engines.Settings{
		SandboxEnabled:   cfg.SandboxEnabled,
		SandboxPairDelay: cfg.SandboxPairDelay, SandboxDeliveryDelay: cfg.SandboxDeliveryDelay, SandboxReadDelay: cfg.SandboxReadDelay,
		HistorySyncDays: cfg.HistorySyncDays,
		WebVersion:      cfg.WhatsAppWebVersion, Proxy: cfg.WhatsAppProxy.Value(),
		MediaDir: cfg.MediaStoragePath, MediaMaxBytes: cfg.MediaMaxBytes,
		SendRatePerMinute: cfg.SendRatePerMinute, SendBurst: cfg.SendBurst, SendJitter: cfg.SendJitter,
		SendTypingPreroll: cfg.SendTypingPreroll,
	}
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

// outboundGuard is the SSRF guard of requests to customer URLs (webhooks
// and media URLs), configured by the WEBHOOK_* settings; the HashiCorp
// agents' ports are refused whatever they say.
func outboundGuard(a *app) (*ssrf.Guard, error) {
	s := ssrf.Settings{AllowPrivate: a.cfg.WebhookAllowPrivateNetworks, Deny: a.cfg.WebhookDenyNetworks}
	if cc := a.clusterCfg; cc != nil {
		s.Agents = []string{cc.NomadAddr, cc.ConsulAddr, cc.VaultAddr}
	}
	return ssrf.Configure(context.Background(), s, a.log)
}
