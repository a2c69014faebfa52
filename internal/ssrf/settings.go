package ssrf

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"
)

// Settings are the configuration a Guard is built from, the same in the
// gateway and in the per-session worker.
type Settings struct {
	// AllowPrivate is WEBHOOK_ALLOW_PRIVATE_NETWORKS.
	AllowPrivate bool
	// Deny is WEBHOOK_DENY_NETWORKS: networks, addresses and address:port
	// pairs (see ParseDeny).
	Deny []string
	// Agents are the addresses of the HashiCorp agents (Nomad, Consul,
	// Vault) as configured, URLs or host:port: they answer on their ports
	// with the node's credentials, so their address:port is always
	// refused, private networks allowed or not.
	Agents []string
}

// Configure builds the Guard of s. An agent whose name cannot be resolved
// is logged and left out; a bad Deny entry is an error.
func Configure(ctx context.Context, s Settings, log *slog.Logger) (*Guard, error) {
	deny, addrs, err := ParseDeny(s.Deny)
	if err != nil {
		return nil, fmt.Errorf("WEBHOOK_DENY_NETWORKS: %w", err)
	}
	for _, raw := range s.Agents {
		hostport := AgentHostPort(raw)
		if hostport == "" {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		list, err := DenyURLHost(rctx, hostport)
		cancel()
		if err != nil {
			if log != nil {
				log.Warn("cannot resolve an agent address for the SSRF guard", "addr", hostport, "err", err)
			}
			continue
		}
		addrs = append(addrs, list...)
	}
	return New(Options{AllowPrivate: s.AllowPrivate, Deny: deny, DenyAddrs: addrs}), nil
}

// AgentHostPort returns the host:port of an agent address written as a URL
// (http://10.0.0.5:8500) or as host:port; "" when there is none.
func AgentHostPort(raw string) string {
	if raw == "" {
		return ""
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
