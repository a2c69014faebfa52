package config

import (
	"net/netip"
	"time"
)

// validateWebhooks checks the webhook delivery settings.
func (c *Config) validateWebhooks(v *validator) {
	if c.WebhookTimeout <= 0 || c.WebhookTimeout > time.Minute {
		v.add("WEBHOOK_TIMEOUT", "must be more than 0 and at most 1m, got %s", c.WebhookTimeout)
	}
	if len(c.WebhookRetrySchedule) > 50 {
		v.add("WEBHOOK_RETRY_SCHEDULE", "must list at most 50 delays, got %d", len(c.WebhookRetrySchedule))
	}
	if c.WebhookPollInterval <= 0 {
		v.add("WEBHOOK_POLL_INTERVAL", "must be more than 0")
	}
	v.positive("WEBHOOK_WORKERS", c.WebhookWorkers)
	v.positive("WEBHOOK_ENDPOINT_CONCURRENCY", c.WebhookEndpointConcurrency)
	for _, s := range c.WebhookDenyNetworks {
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddrPort(s); err == nil {
			continue
		}
		v.add("WEBHOOK_DENY_NETWORKS", "%q is not a network, an address or an address:port", s)
	}
}
