package consul

import (
	"context"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/whatsapp-saas/gateway/internal/defaults"
)

// Registration describes a service this process registers with its local
// Consul agent: the gateway itself when it runs outside Nomad (inside Nomad
// its job's service block does it), so load balancers that read Consul can
// spread traffic over every gateway.
type Registration struct {
	ID      string // unique per process, e.g. "whatsapp-gateway-<host>-<port>"
	Name    string // e.g. "whatsapp-gateway"
	Address string // empty: the agent's address
	Port    int
	Tags    []string
	Meta    map[string]string
	// HealthURL is polled by the agent (e.g. http://10.0.0.5:3000/health/ready).
	HealthURL string
	// Interval, Timeout and DeregisterAfter shape the check (defaults 10 s,
	// 2 s, 1 min: a gateway that died without deregistering disappears).
	Interval, Timeout, DeregisterAfter time.Duration
}

// Register registers reg with the local agent, replacing an earlier
// registration of the same ID, and returns the function that deregisters it.
func Register(ctx context.Context, c *api.Client, reg Registration) (deregister func(context.Context) error, err error) {
	defaults.Positive(&reg.Interval, 10*time.Second)
	defaults.Positive(&reg.Timeout, 2*time.Second)
	defaults.Positive(&reg.DeregisterAfter, time.Minute)
	asr := &api.AgentServiceRegistration{
		ID: reg.ID, Name: reg.Name, Address: reg.Address, Port: reg.Port, Tags: reg.Tags, Meta: reg.Meta,
	}
	if reg.HealthURL != "" {
		asr.Check = &api.AgentServiceCheck{
			HTTP: reg.HealthURL, Interval: reg.Interval.String(), Timeout: reg.Timeout.String(),
			DeregisterCriticalServiceAfter: reg.DeregisterAfter.String(),
		}
	}
	if err := c.Agent().ServiceRegisterOpts(asr, api.ServiceRegisterOpts{ReplaceExistingChecks: true}.WithContext(ctx)); err != nil {
		return nil, unavailable(err, "The service could not be registered in Consul.")
	}
	return func(ctx context.Context) error {
		err := c.Agent().ServiceDeregisterOpts(reg.ID, (&api.QueryOptions{}).WithContext(ctx))
		return unavailable(err, "The service could not be deregistered from Consul.")
	}, nil
}
