package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	consulapi "github.com/hashicorp/consul/api"
	nomadapi "github.com/hashicorp/nomad/api"
	vaultapi "github.com/hashicorp/vault/api"

	"github.com/whatsapp-saas/gateway/internal/api"
	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/consul"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/nomad"
	"github.com/whatsapp-saas/gateway/internal/vault"
)

// cluster holds the adapters of the cluster shape: SCHEDULER=nomad,
// DISCOVERY=consul|nomad.
type cluster struct {
	sched    *nomad.Scheduler
	registry gateway.Registry
	checks   []api.Check
}

// clusterLookup is where the cluster settings are read: os.LookupEnv, or
// main's lookup that adds ./.env.
var clusterLookup = os.LookupEnv

// clusterConfig reads the cluster settings (only when one is selected).
func (a *app) clusterConfig() (*config.Cluster, error) {
	if a.clusterCfg != nil {
		return a.clusterCfg, nil
	}
	// Cluster settings come from the process environment (tests set it),
	// with ./.env under it in main.
	cc, err := config.LoadCluster(clusterLookup)
	if err != nil {
		return nil, err
	}
	a.clusterCfg = cc
	return cc, nil
}

// vaultSecrets is SECRETS=vault: the signing keys from Vault KV v2.
func (a *app) vaultSecrets(ctx context.Context) (*vault.Secrets, error) {
	cc, err := a.clusterConfig()
	if err != nil {
		return nil, err
	}
	vcfg := vaultapi.DefaultConfig()
	if vcfg.Error != nil {
		return nil, fmt.Errorf("vault configuration: %w", vcfg.Error)
	}
	vcfg.Address = cc.VaultAddr
	client, err := vaultapi.NewClient(vcfg)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	s, err := vault.New(ctx, vault.Config{
		Client: client, Mount: cc.VaultKVMount, Path: cc.VaultKVPath, Token: cc.VaultToken.Value(),
		RoleID: cc.VaultRoleID, SecretID: cc.VaultSecretID.Value(), AppRoleMount: cc.VaultAppRoleMount,
		Refresh: cc.VaultRefresh, TokenLifetime: a.cfg.JWTExpiresIn, Logger: a.log,
	})
	if err != nil {
		return nil, fmt.Errorf("vault secrets at %s/%s: %w", cc.VaultKVMount, cc.VaultKVPath, err)
	}
	a.closers = append(a.closers, s.Close)
	return s, nil
}

// setupCluster builds the Nomad scheduler and the registry DISCOVERY picks.
func (a *app) setupCluster(ctx context.Context, report func(gateway.InstanceReport)) error {
	cfg, log := a.cfg, a.log
	cc, err := a.clusterConfig()
	if err != nil {
		return err
	}
	nc := nomadapi.DefaultConfig()
	nc.Address, nc.SecretID, nc.Namespace, nc.Region = cc.NomadAddr, cc.NomadToken.Value(), cc.NomadNamespace, cc.NomadRegion
	nclient, err := nomadapi.NewClient(nc)
	if err != nil {
		return fmt.Errorf("nomad client: %w", err)
	}
	discovery := cfg.Discovery
	if discovery == "local" {
		discovery = "consul" // workers on other machines are found through Consul by default
	}
	provider := "consul"
	if discovery == "nomad" {
		provider = "nomad"
	}
	env := workerEnv(cfg)
	sched, err := nomad.New(nomad.Config{
		Client: nclient, Namespace: cc.NomadNamespace, Region: cc.NomadRegion, Datacenters: cc.NomadDatacenters,
		NodePool: cc.NomadNodePool, Driver: cc.InstanceDriver, NetworkMode: cc.InstanceNetworkMode, Image: cfg.WhatsAppImage, Command: cc.InstanceCommand,
		Env: env, ConsulAddr: cc.InstanceConsulAddr, CPU: cc.InstanceCPU, MemoryMB: cc.InstanceMemoryMB, DiskMB: cc.InstanceDiskMB,
		ServiceName: cc.InstanceService, ServiceProvider: provider, Secrets: cc.InstanceSecrets,
		VariablePath: cc.InstanceVariablePath, VaultRole: cc.InstanceVaultRole, VaultKVMount: cc.VaultKVMount,
		VaultKVPath: cc.VaultKVPath, ServerVersion: cc.NomadServerVersion, GatewayURL: cfg.PublicURL,
		StartWait: cc.InstanceStartWait, Report: report, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("nomad scheduler: %w", err)
	}
	c := &cluster{sched: sched}
	a.closers = append(a.closers, sched.Close)
	c.checks = append(c.checks, api.Check{Name: "scheduler", Check: sched.Ping})

	switch discovery {
	case "nomad":
		r := sched.NewRegistry()
		a.closers = append(a.closers, r.Close)
		c.registry = r
		c.checks = append(c.checks, api.Check{Name: "discovery", Check: r.Ping})
	default:
		client, err := consulClient(cc)
		if err != nil {
			return err
		}
		r := consul.NewRegistry(consul.RegistryConfig{Client: client, Service: cc.InstanceService, Logger: log})
		a.closers = append(a.closers, r.Close)
		c.registry = r
		c.checks = append(c.checks, api.Check{Name: "discovery", Check: r.Ping})
		if cc.ConsulRegister {
			if err := a.registerInConsul(ctx, client, cc); err != nil {
				return err
			}
		}
	}

	if cc.InstanceSecrets == nomad.SecretsNomad {
		// The workers' templates read their secrets from a Nomad variable:
		// keep it equal to ours, so a rotation reaches them.
		bg := a.bg
		get := func(ctx context.Context) (nomad.WorkerSecrets, error) {
			in, err := a.secrets.InternalSecret(ctx)
			if err != nil {
				return nomad.WorkerSecrets{}, err
			}
			return nomad.WorkerSecrets{DatabaseURL: cfg.DatabaseURL.Value(), RedisURL: cfg.RedisURL.Value(), InternalSecret: string(in),
				WhatsAppProxy: cfg.WhatsAppProxy.Value(), ConsulToken: cc.InstanceConsulToken.Value()}, nil
		}
		w, err := get(ctx)
		if err != nil {
			return err
		}
		if _, err := sched.SyncVariable(ctx, w); err != nil {
			log.Warn("worker secrets not written to nomad yet; retrying in the background", "error", err)
		}
		go sched.KeepVariable(bg, time.Minute, get)
	}
	a.cluster = c
	log.Info("cluster scheduler ready", "scheduler", "nomad", "discovery", discovery, "driver", sched.Config().Driver,
		"instance_secrets", cc.InstanceSecrets)
	return nil
}

func consulClient(cc *config.Cluster) (*consulapi.Client, error) {
	ccfg := consulapi.DefaultConfig()
	ccfg.Address = cc.ConsulAddr
	if cc.ConsulToken != "" {
		ccfg.Token = cc.ConsulToken.Value()
	}
	client, err := consulapi.NewClient(ccfg)
	if err != nil {
		return nil, fmt.Errorf("consul client: %w", err)
	}
	return client, nil
}

// registerInConsul registers this gateway (CONSUL_REGISTER=true), for
// gateways that do not run as a Nomad job, and deregisters it on close.
func (a *app) registerInConsul(ctx context.Context, client *consulapi.Client, cc *config.Cluster) error {
	if a.cfg.Port == 0 {
		a.log.Warn("CONSUL_REGISTER needs a fixed PORT; not registering")
		return nil
	}
	host, _ := os.Hostname()
	addr := cc.ConsulServiceAddress
	check := addr
	if check == "" {
		check = "127.0.0.1"
		if h := strings.Trim(a.cfg.Host, "[]"); h != "" && h != "0.0.0.0" && h != "::" {
			check = h // the API listens there only (HOST)
		}
	}
	port := strconv.Itoa(a.cfg.Port)
	dereg, err := consul.Register(ctx, client, consul.Registration{
		ID: cc.ConsulServiceName + "-" + host + "-" + port, Name: cc.ConsulServiceName, Address: addr, Port: a.cfg.Port,
		Tags: []string{"http", "api"}, Meta: map[string]string{"version": version},
		HealthURL: "http://" + net.JoinHostPort(check, port) + "/health/ready",
	})
	if err != nil {
		return err
	}
	a.closers = append(a.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return dereg(ctx)
	})
	return nil
}

// schedulerOf is the scheduler the service uses.
func (a *app) schedulerOf() gateway.Scheduler {
	if a.cluster != nil {
		return a.cluster.sched
	}
	return a.sched
}

// registryOf is the registry the service uses.
func (a *app) registryOf() gateway.Registry {
	if a.cluster != nil {
		return a.cluster.registry
	}
	return a.sched
}

// workerEnv is the worker's non-secret settings, the gateway's own values
// under the same names, so a session behaves the same embedded and on
// Nomad. Secrets (the proxy may hold credentials) go through the template.
func workerEnv(cfg *config.Config) map[string]string {
	env := map[string]string{
		"LOG_LEVEL":                cfg.LogLevel.String(),
		"SANDBOX_ENABLED":          strconv.FormatBool(cfg.SandboxEnabled),
		"SANDBOX_PAIR_DELAY":       cfg.SandboxPairDelay.String(),
		"SANDBOX_DELIVERY_DELAY":   cfg.SandboxDeliveryDelay.String(),
		"SANDBOX_READ_DELAY":       cfg.SandboxReadDelay.String(),
		"SANDBOX_HISTORY_MESSAGES": strconv.Itoa(cfg.SandboxHistoryMessages),
		"HISTORY_SYNC_DAYS":        strconv.Itoa(cfg.HistorySyncDays),
		"MEDIA_MAX_BYTES":          strconv.FormatInt(cfg.MediaMaxBytes, 10),
		"SEND_RATE_PER_MINUTE":     strconv.Itoa(cfg.SendRatePerMinute),
		"SEND_BURST":               strconv.Itoa(cfg.SendBurst),
		"SEND_JITTER":              cfg.SendJitter.String(),
		"SEND_TYPING_PREROLL":      cfg.SendTypingPreroll.String(),
		// The worker fetches media URLs through the same SSRF guard.
		"WEBHOOK_ALLOW_PRIVATE_NETWORKS": strconv.FormatBool(cfg.WebhookAllowPrivateNetworks),
	}
	if len(cfg.WebhookDenyNetworks) > 0 {
		env["WEBHOOK_DENY_NETWORKS"] = strings.Join(cfg.WebhookDenyNetworks, ",")
	}
	if cfg.WhatsAppWebVersion != "" {
		env["WHATSAPP_WEB_VERSION"] = cfg.WhatsAppWebVersion
	}
	return env
}
