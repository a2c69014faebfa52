// Package consul is the cluster shape's service discovery on Consul: a
// gateway.Registry that keeps one blocking query on the workers' service
// (healthy entries only) and answers from memory, the helper that registers
// the gateway itself, and the per-session lock a worker takes before it
// connects, so a WhatsApp session never runs twice.
package consul

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// DefaultService is the Consul service name of the per-session workers.
const DefaultService = "wa-worker"

// SessionMetaKey is the service meta key that carries a worker's session id.
const SessionMetaKey = "session_id"

// SessionTag is the tag that carries a worker's session id, for tools that
// only see tags (load balancers, the Consul UI search).
func SessionTag(sessionID string) string { return "session-" + sessionID }

// NewClient returns a Consul client configured from the standard
// environment (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, TLS variables), with
// addr and token, when set, overriding the address and the ACL token (so
// values the caller loaded from NAME_FILE or .env apply). The HTTP client
// has no overall timeout: blocking queries last minutes and are bounded
// by contexts.
func NewClient(addr, token string) (*api.Client, error) {
	cfg := api.DefaultConfig()
	if addr != "" {
		cfg.Address = addr
	}
	if token != "" {
		cfg.Token = token
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, gateway.WrapError(err, gateway.CodeInternal, "The Consul client could not be configured.")
	}
	return c, nil
}

// unavailable translates a Consul failure into the domain's error.
func unavailable(err error, msg string) error {
	if err == nil {
		return nil
	}
	var se api.StatusError
	if errors.As(err, &se) && (se.Code == http.StatusForbidden || se.Code == http.StatusUnauthorized) {
		return gateway.WrapError(err, gateway.CodeUnavailable, msg+" Consul refused the token.")
	}
	return gateway.WrapError(err, gateway.CodeUnavailable, msg)
}

// Ping checks that the Consul agent answers and knows a leader.
func Ping(ctx context.Context, c *api.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	leader, err := c.Status().LeaderWithQueryOptions((&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return unavailable(err, "Consul cannot be reached.")
	}
	if leader == "" {
		return gateway.Errorf(gateway.CodeUnavailable, "Consul has no leader.")
	}
	return nil
}
