package config

import "time"

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
	// Shorter than the retry schedule would cut deliveries' logs short
	// while the dispatcher still works on them; an hour is the floor.
	if c.EventRetention != 0 && c.EventRetention < time.Hour {
		v.add("EVENT_RETENTION", "must be 0 (keep everything) or at least 1h, got %s", c.EventRetention)
	}
	v.positive("WEBHOOK_WORKERS", c.WebhookWorkers)
	v.positive("WEBHOOK_ENDPOINT_CONCURRENCY", c.WebhookEndpointConcurrency)
	v.positive("WEBHOOK_TENANT_CONCURRENCY", c.WebhookTenantConcurrency)
}
