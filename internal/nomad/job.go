package nomad

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Names inside every session job.
const (
	GroupName = "worker"
	TaskName  = "instance"
	PortLabel = "http"
	// HealthPath is the worker's health route: 200 only while it runs its
	// engine (and holds the session lock), so Consul routes to it only then.
	HealthPath = "/health"
)

// The task's logs: Nomad keeps logFiles of logFileMB each on the
// allocation's disk, which must be larger.
const logFiles, logFileMB = 5, 10

// mediaDiskMB is the default ephemeral disk of a worker, where its received media
// is kept (MEDIA_MAX_BYTES caps each file).
const mediaDiskMB = 1024

// Drivers the scheduler can run the worker with.
const (
	DriverDocker  = "docker"
	DriverExec    = "exec"
	DriverRawExec = "raw_exec"
)

// Docker network modes of the worker.
const (
	NetworkBridge = "bridge"
	NetworkHost   = "host"
)

// ImageUser is the uid (and gid) the worker's image runs as
// (Dockerfile.instance): the secret files are rendered for it, since a
// template's files belong to the Nomad client (root) and are 0400.
const ImageUser = 65532

// nobody is the user the exec driver runs tasks as when the job names
// none.
const nobody = 65534

// pidsLimit bounds the worker's processes and threads: the Go runtime
// needs a few dozen threads; a runaway fork cannot take the node.
const pidsLimit = 512

// Where a task's secrets come from (always through a template).
const (
	SecretsNomad = "nomad" // Nomad Variables
	SecretsVault = "vault" // Vault KV v2, through the task's vault block
)

// JobID is the Nomad job of a session: the session first (so Stop finds it
// by prefix), then the tenant, so ops find it by either in the Nomad UI.
func JobID(prefix, sessionID, userID string) string {
	return jobPrefix(prefix, sessionID) + userID
}

func jobPrefix(prefix, sessionID string) string {
	if prefix == "" {
		prefix = "wa"
	}
	return prefix + "-" + sessionID + "-"
}

// Job builds the service job that runs spec's worker. legacyDisconnect
// selects the pre-1.8 settings (stop_after_client_disconnect) instead of
// the disconnect block, for Nomad 1.6 and 1.7. The job carries no secret:
// they reach the task through templates.
func (c *Config) Job(spec gateway.InstanceSpec, legacyDisconnect bool) *api.Job {
	id := JobID(c.JobPrefix, spec.SessionID, spec.UserID)
	job := api.NewServiceJob(id, id, c.Region, c.Priority)
	if c.Region == "" {
		job.Region = nil
	}
	if c.Namespace != "" {
		job.Namespace = new(c.Namespace)
	}
	job.Datacenters = slices.Clone(c.Datacenters)
	if c.NodePool != "" {
		job.NodePool = new(c.NodePool)
	}
	job.Meta = map[string]string{
		"session_id": spec.SessionID,
		"tenant_id":  spec.UserID,
		"managed_by": "whatsapp-gateway",
	}
	job.UI = &api.JobUIConfig{Description: fmt.Sprintf("WhatsApp session `%s` of tenant `%s`, managed by the gateway: start and stop it through the API, not here.", spec.SessionID, spec.UserID)}
	if c.GatewayURL != "" {
		job.UI.Links = []*api.JobUILink{{Label: "Session in the gateway", URL: strings.TrimRight(c.GatewayURL, "/") + "/api/v1/sessions/" + spec.SessionID}}
	}

	tg := api.NewTaskGroup(GroupName, 1)
	tg.Networks = []*api.NetworkResource{{DynamicPorts: []api.Port{{Label: PortLabel, To: c.containerPort()}}}}
	// Received media is kept in the allocation's data directory; a sticky,
	// migrated disk follows the session when Nomad moves it.
	tg.EphemeralDisk = &api.EphemeralDisk{Sticky: new(true), Migrate: new(true), SizeMB: new(c.DiskMB)}
	// In place first (same node, the session's files stay), then elsewhere.
	tg.RestartPolicy = &api.RestartPolicy{
		Attempts: new(3), Interval: new(5 * time.Minute), Delay: new(c.RestartDelay), Mode: new("fail"),
	}
	tg.ReschedulePolicy = &api.ReschedulePolicy{
		Delay: new(15 * time.Second), DelayFunction: new("exponential"), MaxDelay: new(5 * time.Minute), Unlimited: new(true),
	}
	// One copy at a time, never a canary: two copies of a session would
	// fight over the WhatsApp connection.
	tg.Update = &api.UpdateStrategy{
		MaxParallel: new(1), Canary: new(0), HealthCheck: new("checks"), MinHealthyTime: new(10 * time.Second),
		HealthyDeadline: new(3 * time.Minute), ProgressDeadline: new(10 * time.Minute), AutoRevert: new(false), AutoPromote: new(false),
	}
	tg.Migrate = &api.MigrateStrategy{MaxParallel: new(1), HealthCheck: new("checks"), MinHealthyTime: new(10 * time.Second), HealthyDeadline: new(3 * time.Minute)}
	// A client cut off from the servers stops its copy, so the replacement
	// Nomad places elsewhere is the only one (the Consul lock backs this up).
	if legacyDisconnect {
		tg.StopAfterClientDisconnect = new(c.StopAfterDisconnect)
	} else {
		tg.Disconnect = &api.DisconnectStrategy{StopOnClientAfter: new(c.StopAfterDisconnect), Replace: new(true)}
	}
	tg.Spreads = []*api.Spread{{Attribute: "${node.unique.id}", Weight: new(int8(100))}}
	tg.Meta = map[string]string{"session_id": spec.SessionID}
	tg.Services = []*api.Service{{
		Name: c.ServiceName, Provider: c.ServiceProvider, PortLabel: PortLabel,
		Tags: []string{"session-" + spec.SessionID, "tenant-" + spec.UserID},
		Meta: map[string]string{"session_id": spec.SessionID, "tenant_id": spec.UserID},
		Checks: []api.ServiceCheck{{
			Name: "instance-health", Type: "http", Path: HealthPath, Interval: c.CheckInterval, Timeout: 2 * time.Second,
		}},
	}}

	t := api.NewTask(TaskName, c.Driver)
	switch c.Driver {
	case DriverDocker:
		// Hardened: nothing of the image is writable (media and secrets
		// live in the allocation's mounted directories), no capability,
		// no privilege gained through setuid binaries, bounded pids; the
		// memory limit is the task's resources (INSTANCE_MEMORY_MB) and
		// logs go through Nomad's rotated log files (logs block).
		t.Config = map[string]any{
			"image":           c.Image,
			"readonly_rootfs": true,
			"cap_drop":        []string{"all"},
			"security_opt":    []string{"no-new-privileges"},
			"pids_limit":      pidsLimit,
		}
		if c.NetworkMode == NetworkHost {
			t.Config["network_mode"] = NetworkHost
		} else {
			t.Config["ports"] = []string{PortLabel}
		}
	default:
		t.Config = map[string]any{"command": c.Command}
		if len(c.Args) > 0 {
			t.Config["args"] = slices.Clone(c.Args)
		}
	}
	env := map[string]string{
		"SESSION_ID":           spec.SessionID,
		"USER_ID":              spec.UserID,
		"PORT":                 "${NOMAD_PORT_" + PortLabel + "}",
		"INTERNAL_SECRET_FILE": "${NOMAD_SECRETS_DIR}/internal_secret",
		"SHUTDOWN_TIMEOUT":     (c.KillTimeout * 2 / 3).String(),
		"LOG_FORMAT":           "json",
		"MEDIA_STORAGE_PATH":   "${NOMAD_ALLOC_DIR}/data/media",
	}
	if spec.Engine != "" {
		env["ENGINE"] = spec.Engine
	}
	if c.ConsulAddr != "" {
		env["CONSUL_HTTP_ADDR"] = c.ConsulAddr
	}
	maps.Copy(env, c.Env)
	t.Env = env
	t.Templates = c.templates()
	if uid := c.taskUser(); uid != 0 {
		for _, tmpl := range t.Templates {
			tmpl.Uid, tmpl.Gid = new(uid), new(uid)
		}
	}
	if c.Secrets == SecretsVault {
		// Nomad logs in with the task's workload identity and renews the
		// token; the templates re-render on rotation.
		t.Vault = &api.Vault{Role: c.VaultRole, ChangeMode: new("noop")}
		if legacyDisconnect && c.VaultRole != "" {
			// Before workload identities (Nomad 1.6, or 1.7 on the token
			// workflow) the task asks Vault for policies; the role's name
			// is the policy's. Nomad 1.6 ignores the role it does not know.
			t.Vault.Policies = []string{c.VaultRole}
		}
	}
	t.Resources = &api.Resources{CPU: new(c.CPU), MemoryMB: new(c.MemoryMB)}
	t.KillTimeout = new(c.KillTimeout)
	t.KillSignal = "SIGTERM"
	t.LogConfig = &api.LogConfig{MaxFiles: new(logFiles), MaxFileSizeMB: new(logFileMB)}
	tg.AddTask(t)
	job.AddTaskGroup(tg)
	return job
}

// templates render the worker's secrets into its secrets directory: the
// connection URLs as environment (a change restarts the task) and the
// internal secret as a file the worker re-reads per request (a rotation
// needs no restart, so the WhatsApp connection stays up).
func (c *Config) templates() []*api.Template {
	var envTmpl, secretTmpl string
	switch c.Secrets {
	case SecretsVault:
		path := c.VaultKVMount + "/data/" + c.VaultKVPath
		// The optional keys are written only when present: a missing
		// key of a Vault secret renders as null.
		envTmpl = "{{ with secret \"" + path + "\" }}\nDATABASE_URL={{ .Data.data.database_url | toJSON }}\nREDIS_URL={{ .Data.data.redis_url | toJSON }}\n" +
			"{{ with .Data.data.whatsapp_proxy }}WHATSAPP_PROXY={{ . | toJSON }}{{ end }}\n" +
			"{{ with .Data.data.consul_token }}CONSUL_HTTP_TOKEN={{ . | toJSON }}{{ end }}\n{{ end }}\n"
		secretTmpl = "{{ with secret \"" + path + "\" }}{{ .Data.data.internal_secret }}{{ end }}"
	default:
		// A missing key of a Nomad variable renders as "" (empty: none).
		envTmpl = "{{ with nomadVar \"" + c.VariablePath + "\" }}\nDATABASE_URL={{ .database_url | toJSON }}\nREDIS_URL={{ .redis_url | toJSON }}\n" +
			"WHATSAPP_PROXY={{ .whatsapp_proxy | toJSON }}\nCONSUL_HTTP_TOKEN={{ .consul_token | toJSON }}\n{{ end }}\n"
		secretTmpl = "{{ with nomadVar \"" + c.VariablePath + "\" }}{{ .internal_secret }}{{ end }}"
	}
	return []*api.Template{
		{EmbeddedTmpl: new(envTmpl), DestPath: new("secrets/instance.env"), Envvars: new(true), ChangeMode: new("restart"), Perms: new("0400")},
		{EmbeddedTmpl: new(secretTmpl), DestPath: new("secrets/internal_secret"), ChangeMode: new("noop"), Perms: new("0400")},
	}
}

// containerPort is the port the worker listens on inside its container;
// 0 when it shares the node's network and listens on the dynamic port.
func (c *Config) containerPort() int {
	if c.Driver == DriverDocker && c.NetworkMode != NetworkHost {
		return 8080
	}
	return 0
}

// taskUser is the uid the worker runs as, when it is not the Nomad
// client's own (raw_exec runs as the client: root).
func (c *Config) taskUser() int {
	switch c.Driver {
	case DriverDocker:
		return ImageUser
	case DriverExec:
		return nobody
	}
	return 0
}
