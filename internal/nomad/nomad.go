// Package nomad is the cluster shape's gateway.Scheduler: one Nomad service
// job per WhatsApp session (one group, count 1, a dynamic port, a health
// check registered in Consul or Nomad, restart and reschedule policies, no
// canaries, partitioned copies stopped), created only when absent so a
// retried start never makes two, deregistered on stop, and watched with
// blocking queries so the instance row follows the allocation (pending,
// running, restarting, failed, lost, with the reason). Secrets never enter
// the job: templates render them from Nomad Variables or Vault.
package nomad

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Driver is the scheduler's name in placements and instance rows.
const Driver = "nomad"

// Config is what a Scheduler is built from; zero fields take the defaults
// in the comments.
type Config struct {
	// Client talks to Nomad; nil builds one from the standard environment
	// (NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION, NOMAD_NAMESPACE, TLS).
	Client *api.Client
	// Namespace and Region of the session jobs (default: the client's).
	Namespace, Region string
	// Datacenters of the session jobs (default: Nomad's, every one).
	Datacenters []string
	// NodePool of the session jobs (default: Nomad's "default").
	NodePool string
	// JobPrefix starts every job ID (default "wa").
	JobPrefix string
	// Priority of the session jobs (default 50).
	Priority int

	// Driver runs the worker: docker (default), exec or raw_exec.
	Driver string
	// Image is the worker's image for docker.
	Image string
	// NetworkMode is the docker network of the worker: "bridge" (default:
	// its own network namespace, port 8080 mapped to a dynamic host port)
	// or "host" (the node's network, listening on the dynamic port
	// itself: for nodes whose database or Consul agent listen on
	// loopback only).
	NetworkMode string
	// Command and Args start the worker for exec and raw_exec.
	Command string
	Args    []string
	// Env is extra, non-secret environment for the worker (engine tuning,
	// log level). Secrets here would land in the job spec: never.
	Env map[string]string
	// ConsulAddr is CONSUL_HTTP_ADDR inside the task, for the session lock
	// (default "http://${attr.unique.network.ip-address}:8500", the
	// node's agent; empty after defaults disables the lock).
	ConsulAddr string
	// CPU (MHz) and MemoryMB of the task (defaults 200 and 256).
	CPU, MemoryMB int
	// DiskMB is the ephemeral disk, where received media is kept (default
	// 1024): Nomad places a session only on a node with that much room.
	DiskMB int

	// ServiceName is the workers' service (default "wa-worker") and
	// ServiceProvider where it registers: "consul" (default) or "nomad".
	ServiceName, ServiceProvider string
	// CheckInterval of the health check (default 5 s).
	CheckInterval time.Duration
	// RestartDelay between in-place restarts (default 5 s).
	RestartDelay time.Duration
	// KillTimeout between SIGTERM and SIGKILL (default 30 s).
	KillTimeout time.Duration
	// StopAfterDisconnect is how long a client cut off from the servers
	// keeps the worker before stopping it (default 30 s).
	StopAfterDisconnect time.Duration

	// Secrets is where the task's secrets come from: "nomad" (Nomad
	// Variables at VariablePath, default "nomad/jobs", readable by every
	// job of the namespace) or "vault" (VaultKVMount/data/VaultKVPath,
	// defaults "secret" and "whatsapp-gateway", through VaultRole).
	Secrets                              string
	VariablePath                         string
	VaultRole, VaultKVMount, VaultKVPath string

	// ServerVersion skips the version detection (e.g. "1.6.5").
	ServerVersion string
	// GatewayURL is the public gateway URL, linked from the Nomad UI.
	GatewayURL string

	// StartWait is how long Start waits for the allocation to run before
	// it returns a pending placement (default 20 s).
	StartWait time.Duration
	// WatchWait bounds one blocking query (default 5 min, Nomad's cap).
	WatchWait time.Duration
	// RetryMin and RetryMax bound the backoff after failed queries.
	RetryMin, RetryMax time.Duration
	// Settle delays a watch's first report, so the start's own write lands
	// first (default 1 s).
	Settle time.Duration

	// Report receives state changes of the workers, to be written to the
	// instance rows; it may be nil.
	Report func(gateway.InstanceReport)
	Logger *slog.Logger
}

func (c *Config) defaults() error {
	if c.Client == nil {
		cl, err := api.NewClient(api.DefaultConfig())
		if err != nil {
			return fmt.Errorf("nomad client: %w", err)
		}
		c.Client = cl
	}
	c.JobPrefix = cmp.Or(c.JobPrefix, "wa")
	// The prefix goes into job IDs and into the allocation watch's filter
	// expression: letters, digits and dashes only.
	if strings.Trim(c.JobPrefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
		return fmt.Errorf("nomad job prefix %q: only letters, digits and dashes", c.JobPrefix)
	}
	if c.Priority == 0 {
		c.Priority = 50
	}
	c.Driver = cmp.Or(c.Driver, DriverDocker)
	switch c.Driver {
	case DriverDocker:
		if c.Image == "" {
			return errors.New("the docker driver needs an image (WHATSAPP_IMAGE)")
		}
		switch c.NetworkMode {
		case "":
			c.NetworkMode = NetworkBridge
		case NetworkBridge, NetworkHost:
		default:
			return fmt.Errorf("unknown docker network mode %q (bridge or host)", c.NetworkMode)
		}
	case DriverExec, DriverRawExec:
		if c.Command == "" {
			return fmt.Errorf("the %s driver needs a command (INSTANCE_COMMAND)", c.Driver)
		}
	default:
		return fmt.Errorf("unknown instance driver %q (docker, exec or raw_exec)", c.Driver)
	}
	c.ConsulAddr = cmp.Or(c.ConsulAddr, "http://${attr.unique.network.ip-address}:8500")
	if c.CPU == 0 {
		c.CPU = 200
	}
	if c.DiskMB == 0 {
		c.DiskMB = mediaDiskMB
	}
	if c.DiskMB <= logFiles*logFileMB {
		return fmt.Errorf("a worker's disk (%d MB) must be larger than the %d MB Nomad keeps for its logs", c.DiskMB, logFiles*logFileMB)
	}
	if c.MemoryMB == 0 {
		c.MemoryMB = 256
	}
	c.ServiceName = cmp.Or(c.ServiceName, "wa-worker")
	c.ServiceProvider = cmp.Or(c.ServiceProvider, "consul")
	defaults.Positive(&c.CheckInterval, 5*time.Second)
	defaults.Positive(&c.RestartDelay, 5*time.Second)
	defaults.Positive(&c.KillTimeout, 30*time.Second)
	defaults.Positive(&c.StopAfterDisconnect, 30*time.Second)
	c.Secrets = cmp.Or(c.Secrets, SecretsNomad)
	c.VariablePath = cmp.Or(c.VariablePath, "nomad/jobs")
	c.VaultKVMount = cmp.Or(c.VaultKVMount, "secret")
	c.VaultKVPath = cmp.Or(c.VaultKVPath, "whatsapp-gateway")
	defaults.Positive(&c.StartWait, 20*time.Second)
	defaults.Positive(&c.WatchWait, 5*time.Minute)
	backoff.Bounds(&c.RetryMin, &c.RetryMax)
	defaults.Positive(&c.Settle, time.Second)
	c.Logger = defaults.Logger(c.Logger)
	return nil
}

// translate turns a Nomad failure into the domain's error.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var ure api.UnexpectedResponseError
	if errors.As(err, &ure) {
		switch code := ure.StatusCode(); {
		case code == http.StatusForbidden || code == http.StatusUnauthorized:
			return gateway.WrapError(err, gateway.CodeUnavailable, "The cluster scheduler refused the gateway's token ("+what+").")
		case code == http.StatusBadRequest:
			return gateway.WrapError(err, gateway.CodeInternal, "The cluster scheduler rejected the session's job ("+what+"); see the gateway log.")
		case code == http.StatusNotFound:
			return gateway.WrapError(err, gateway.CodeNotFound, "The session's job was not found in the cluster scheduler.")
		}
	}
	return gateway.WrapError(err, gateway.CodeUnavailable, "The cluster scheduler cannot be reached ("+what+").")
}

func isNotFound(err error) bool {
	var ure api.UnexpectedResponseError
	return errors.As(err, &ure) && ure.StatusCode() == http.StatusNotFound
}

func isAlreadyExists(err error) bool {
	var ure api.UnexpectedResponseError
	return errors.As(err, &ure) && strings.Contains(ure.Body(), api.RegisterEnforceIndexErrPrefix) && strings.Contains(ure.Body(), "already exists")
}
