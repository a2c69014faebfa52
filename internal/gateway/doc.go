// Package gateway holds the domain of the WhatsApp gateway: tenants (users),
// plans, sessions, instances, messages, events, webhooks and API keys, the
// interfaces their adapters implement (Store, Cache, RateLimiter, Bus, Engine,
// Scheduler, Registry, Secrets) and the one error type every layer speaks.
//
// It imports only the standard library, so every adapter and the HTTP layer
// can depend on it without depending on each other.
package gateway
