package config

import (
	"strings"
	"time"
)

// Cluster is the cluster shape's configuration (SCHEDULER=nomad,
// DISCOVERY=consul|nomad, SECRETS=vault), read only when one of them is
// selected. ClusterDocs documents every variable (docs/cluster.md).
type Cluster struct {
	// NomadAddr is NOMAD_ADDR, NomadToken NOMAD_TOKEN, NomadNamespace
	// NOMAD_NAMESPACE, NomadRegion NOMAD_REGION: the standard Nomad
	// variables (TLS ones are read by the Nomad client itself).
	NomadAddr      string
	NomadToken     Secret
	NomadNamespace string
	NomadRegion    string
	// NomadDatacenters is NOMAD_DATACENTERS, split on commas (default: every one).
	NomadDatacenters []string
	// NomadNodePool is NOMAD_NODE_POOL (default Nomad's "default").
	NomadNodePool string
	// NomadServerVersion is NOMAD_SERVER_VERSION: skips the version detection.
	NomadServerVersion string

	// InstanceDriver is INSTANCE_DRIVER: docker (default, image
	// WHATSAPP_IMAGE), exec or raw_exec (binary InstanceCommand,
	// INSTANCE_COMMAND).
	InstanceDriver  string
	InstanceCommand string
	// InstanceNetworkMode is INSTANCE_NETWORK_MODE, the docker network of
	// the workers: bridge (default) or host.
	InstanceNetworkMode string
	// InstanceCPU is INSTANCE_CPU (MHz, default 200), InstanceMemoryMB INSTANCE_MEMORY_MB (256),
	// InstanceDiskMB INSTANCE_DISK_MB (1024, the ephemeral disk that keeps received media).
	InstanceCPU      int
	InstanceMemoryMB int
	InstanceDiskMB   int
	// InstanceService is INSTANCE_SERVICE, the workers' service name (default wa-worker).
	InstanceService string
	// InstanceSecrets is INSTANCE_SECRETS: where worker templates read
	// their secrets, "nomad" (Nomad Variables at InstanceVariablePath,
	// INSTANCE_VARIABLE_PATH, default nomad/jobs; the gateway keeps it in
	// sync) or "vault" (VAULT_KV_MOUNT/VAULT_KV_PATH through the Vault role
	// InstanceVaultRole, INSTANCE_VAULT_ROLE).
	InstanceSecrets      string
	InstanceVariablePath string
	InstanceVaultRole    string
	// InstanceConsulAddr is INSTANCE_CONSUL_ADDR, CONSUL_HTTP_ADDR inside
	// the worker for its session lock (default the node's agent).
	InstanceConsulAddr string
	// InstanceConsulToken is INSTANCE_CONSUL_TOKEN, the Consul ACL token
	// the workers take their session locks with (through the template,
	// never the job); empty: none.
	InstanceConsulToken Secret
	// InstanceStartWait is INSTANCE_START_WAIT (default 20s).
	InstanceStartWait time.Duration

	// ConsulAddr is CONSUL_HTTP_ADDR and ConsulToken CONSUL_HTTP_TOKEN.
	ConsulAddr  string
	ConsulToken Secret
	// ConsulRegister is CONSUL_REGISTER: register this gateway in Consul
	// (for gateways run outside Nomad; default false). ConsulServiceName
	// is CONSUL_SERVICE_NAME (default whatsapp-gateway) and
	// ConsulServiceAddress CONSUL_SERVICE_ADDRESS (default: the agent's).
	ConsulRegister       bool
	ConsulServiceName    string
	ConsulServiceAddress string

	// VaultAddr is VAULT_ADDR and VaultToken VAULT_TOKEN; VaultRoleID
	// VAULT_ROLE_ID with VaultSecretID VAULT_SECRET_ID log in with AppRole
	// at VaultAppRoleMount (VAULT_APPROLE_MOUNT, default approle).
	VaultAddr         string
	VaultToken        Secret
	VaultRoleID       string
	VaultSecretID     Secret
	VaultAppRoleMount string
	// VaultKVMount is VAULT_KV_MOUNT (default secret) and VaultKVPath
	// VAULT_KV_PATH (default whatsapp-gateway).
	VaultKVMount string
	VaultKVPath  string
	// VaultRefresh is VAULT_REFRESH, how often secrets are re-read (default 1m).
	VaultRefresh time.Duration
}

// clusterSettings documents the cluster variables and holds their defaults.
var clusterSettings = documented([]Setting{
	{"NOMAD_ADDR", "http://127.0.0.1:4646", "Nomad HTTP API address. A worker given it refuses that address for media URLs.", false, ByGateway | ByWorker},
	{"NOMAD_TOKEN", "", "Nomad ACL token of the gateway (policy in terraform/deploy).", true, ByGateway},
	{"NOMAD_NAMESPACE", "", "Namespace of the session jobs (a dedicated one is recommended).", false, ByGateway},
	{"NOMAD_REGION", "", "Nomad region of the session jobs.", false, ByGateway},
	{"NOMAD_DATACENTERS", "", "Datacenters of the session jobs, comma-separated (default every one).", false, ByGateway},
	{"NOMAD_NODE_POOL", "", "Node pool of the session jobs (Nomad 1.6+).", false, ByGateway},
	{"NOMAD_SERVER_VERSION", "", "Nomad server version, when the token cannot read /v1/agent/self (before 1.8 the job uses stop_after_client_disconnect).", false, ByGateway},
	{"INSTANCE_DRIVER", "docker", "Task driver of session workers: `docker` (image WHATSAPP_IMAGE), `exec` or `raw_exec` (binary INSTANCE_COMMAND).", false, ByGateway},
	{"INSTANCE_NETWORK_MODE", "bridge", "Docker network of session workers: `bridge` (own namespace, port 8080 mapped to a dynamic port) or `host` (the node's network, for nodes whose database, Redis or Consul agent listen on loopback only).", false, ByGateway},
	{"INSTANCE_COMMAND", "", "Path of the instance binary on the Nomad clients, for exec and raw_exec.", false, ByGateway},
	{"INSTANCE_CPU", "200", "CPU of a session worker, MHz.", false, ByGateway},
	{"INSTANCE_MEMORY_MB", "256", "Memory of a session worker, MB.", false, ByGateway},
	{"INSTANCE_DISK_MB", "1024", "Ephemeral disk of a session worker (received media), MB; Nomad places a session only on a node with that much room.", false, ByGateway},
	{"INSTANCE_SERVICE", "wa-worker", "Service name session workers register under.", false, ByGateway},
	{"INSTANCE_SECRETS", "nomad", "Where worker templates read their secrets: `nomad` (Nomad Variables, kept in sync by the gateway) or `vault`.", false, ByGateway},
	{"INSTANCE_VARIABLE_PATH", "nomad/jobs", "Nomad variable the workers read (nomad/jobs is readable by every job of the namespace).", false, ByGateway},
	{"INSTANCE_VAULT_ROLE", "", "Vault role of the workers' workload identity, with INSTANCE_SECRETS=vault; before Nomad 1.8 also sent as the Vault policy the task asks for (the token workflow).", false, ByGateway},
	{"INSTANCE_CONSUL_ADDR", "http://${attr.unique.network.ip-address}:8500", "CONSUL_HTTP_ADDR inside the worker, for the per-session lock.", false, ByGateway},
	{"INSTANCE_CONSUL_TOKEN", "", "Consul ACL token of the workers (session and key write on the lock prefix), rendered into them by their template.", true, ByGateway},
	{"INSTANCE_START_WAIT", "20s", "How long starting an instance waits for its allocation to run.", false, ByGateway},
	{"CONSUL_HTTP_ADDR", "127.0.0.1:8500", "Consul HTTP API address. In the worker (no default there; the job sets it from INSTANCE_CONSUL_ADDR): set, the worker takes the session's Consul lock before it connects, and refuses that address for media URLs.", false, ByGateway | ByWorker},
	{"CONSUL_HTTP_TOKEN", "", "Consul ACL token of the gateway; in the worker, the token of its session lock (INSTANCE_CONSUL_TOKEN, rendered by its template).", true, ByGateway | ByWorker},
	{"CONSUL_REGISTER", "false", "Register this gateway in Consul (when it does not run as a Nomad job).", false, ByGateway},
	{"CONSUL_SERVICE_NAME", "whatsapp-gateway", "Consul service name of the gateway.", false, ByGateway},
	{"CONSUL_SERVICE_ADDRESS", "", "Address Consul should advertise for this gateway (default the agent's).", false, ByGateway},
	{"VAULT_ADDR", "https://127.0.0.1:8200", "Vault (or OpenBao) address. A worker given it refuses that address for media URLs.", false, ByGateway | ByWorker},
	{"VAULT_TOKEN", "", "Vault token (or use AppRole: VAULT_ROLE_ID and VAULT_SECRET_ID).", true, ByGateway},
	{"VAULT_ROLE_ID", "", "AppRole role ID of the gateway.", false, ByGateway},
	{"VAULT_SECRET_ID", "", "AppRole secret ID of the gateway.", true, ByGateway},
	{"VAULT_APPROLE_MOUNT", "approle", "Mount path of the AppRole auth method.", false, ByGateway},
	{"VAULT_KV_MOUNT", "secret", "KV v2 mount of the gateway's secrets.", false, ByGateway},
	{"VAULT_KV_PATH", "whatsapp-gateway", "Path of the gateway's secrets in the KV mount (keys jwt_secret, webhook_secret, internal_secret).", false, ByGateway},
	{"VAULT_REFRESH", "1m", "How often the gateway re-reads its secrets from Vault.", false, ByGateway},
})

// ClusterDocs lists the cluster settings with their defaults.
func ClusterDocs() []Setting { return append([]Setting(nil), clusterSettings...) }

// LoadCluster reads the cluster settings through lookup and reports every
// problem at once.
func LoadCluster(lookup func(string) (string, bool)) (*Cluster, error) {
	l := &loader{lookup: lookup}
	c := &Cluster{
		NomadAddr: l.str("NOMAD_ADDR"), NomadToken: l.secret("NOMAD_TOKEN"), NomadNamespace: l.str("NOMAD_NAMESPACE"),
		NomadRegion: l.str("NOMAD_REGION"), NomadDatacenters: splitList(l.str("NOMAD_DATACENTERS")),
		NomadNodePool: l.str("NOMAD_NODE_POOL"), NomadServerVersion: l.str("NOMAD_SERVER_VERSION"),
		InstanceDriver: strings.ToLower(l.str("INSTANCE_DRIVER")), InstanceCommand: l.str("INSTANCE_COMMAND"),
		InstanceNetworkMode: strings.ToLower(l.str("INSTANCE_NETWORK_MODE")),
		InstanceCPU:         l.int("INSTANCE_CPU"), InstanceMemoryMB: l.int("INSTANCE_MEMORY_MB"),
		InstanceDiskMB: l.int("INSTANCE_DISK_MB"), InstanceService: l.str("INSTANCE_SERVICE"),
		InstanceSecrets: strings.ToLower(l.str("INSTANCE_SECRETS")), InstanceVariablePath: l.str("INSTANCE_VARIABLE_PATH"),
		InstanceVaultRole: l.str("INSTANCE_VAULT_ROLE"), InstanceConsulAddr: l.str("INSTANCE_CONSUL_ADDR"),
		InstanceConsulToken: l.secret("INSTANCE_CONSUL_TOKEN"),
		InstanceStartWait:   l.duration("INSTANCE_START_WAIT"),
		ConsulAddr:          l.str("CONSUL_HTTP_ADDR"), ConsulToken: l.secret("CONSUL_HTTP_TOKEN"), ConsulRegister: l.bool("CONSUL_REGISTER"),
		ConsulServiceName: l.str("CONSUL_SERVICE_NAME"), ConsulServiceAddress: l.str("CONSUL_SERVICE_ADDRESS"),
		VaultAddr: l.str("VAULT_ADDR"), VaultToken: l.secret("VAULT_TOKEN"), VaultRoleID: l.str("VAULT_ROLE_ID"),
		VaultSecretID: l.secret("VAULT_SECRET_ID"), VaultAppRoleMount: l.str("VAULT_APPROLE_MOUNT"),
		VaultKVMount: l.str("VAULT_KV_MOUNT"), VaultKVPath: l.str("VAULT_KV_PATH"), VaultRefresh: l.duration("VAULT_REFRESH"),
	}
	v := &validator{}
	v.oneOf("INSTANCE_DRIVER", c.InstanceDriver, "docker", "exec", "raw_exec")
	v.oneOf("INSTANCE_NETWORK_MODE", c.InstanceNetworkMode, "bridge", "host")
	v.oneOf("INSTANCE_SECRETS", c.InstanceSecrets, "nomad", "vault")
	if c.InstanceDriver != "docker" && c.InstanceCommand == "" {
		v.add("INSTANCE_COMMAND", "is required when INSTANCE_DRIVER is %s", c.InstanceDriver)
	}
	v.positive("INSTANCE_CPU", c.InstanceCPU)
	v.positive("INSTANCE_MEMORY_MB", c.InstanceMemoryMB)
	if c.InstanceDiskMB <= 50 {
		v.add("INSTANCE_DISK_MB", "must be more than 50 (MB): Nomad keeps the worker's logs on the same disk")
	}
	if c.VaultRoleID != "" && c.VaultSecretID == "" {
		v.add("VAULT_SECRET_ID", "is required with VAULT_ROLE_ID")
	}
	if c.VaultRefresh <= 0 {
		v.add("VAULT_REFRESH", "must be a positive duration, got %v", c.VaultRefresh)
	}
	problems := append(l.problems, v.problems...)
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return c, nil
}
