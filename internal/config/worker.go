package config

import (
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Worker is the configuration of the per-session worker binary
// (cmd/instance), which Nomad runs once per session in the cluster shape.
// Its job (internal/nomad) sets the variables: the non-secret ones in the
// task's env (the gateway copies its own values of the shared ones), the
// secret ones through its template. The settings it shares with the
// gateway have the gateway's names, defaults and checks (one row each in
// the settings table, marked as read by the worker too); WorkerDocs lists
// the ones only the worker reads.
type Worker struct {
	// SessionID is SESSION_ID and UserID USER_ID (required): the session
	// this worker runs and its tenant.
	SessionID string
	UserID    string
	// EngineName is ENGINE (default: the session's own, from the database).
	EngineName string

	// Env is NODE_ENV (default "development"); it sets SANDBOX_ENABLED's default.
	Env string
	// DatabaseURL is DATABASE_URL (PostgreSQL), or SQLitePath SQLITE_PATH
	// (a SQLite file shared with a gateway on this host); one is required.
	DatabaseURL Secret
	SQLitePath  string
	// RedisURL is REDIS_URL (empty: the in-process bus).
	RedisURL Secret

	// InternalSecret is INTERNAL_SECRET, or InternalSecretFile
	// (INTERNAL_SECRET_FILE) re-read per request so a rotation rendered
	// by a Nomad template needs no restart; one is required.
	InternalSecret     Secret
	InternalSecretFile string

	// Port is NOMAD_PORT_http, else PORT, else 8080 (0 picks one).
	Port int
	// ConsulAddr is CONSUL_HTTP_ADDR (no default here: set, the worker
	// takes the session's Consul lock before it connects) and ConsulToken
	// CONSUL_HTTP_TOKEN. LockTTL is LOCK_TTL (default 10s), LockPrefix
	// LOCK_PREFIX, Owner NOMAD_ALLOC_ID.
	ConsulAddr  string
	ConsulToken Secret
	LockTTL     time.Duration
	LockPrefix  string
	Owner       string
	// NomadAddr is NOMAD_ADDR and VaultAddr VAULT_ADDR, when the task has
	// them (no default here): agents whose addresses media URLs may not reach.
	NomadAddr string
	VaultAddr string

	// ShutdownTimeout is SHUTDOWN_TIMEOUT (default 20s; below the job's kill_timeout).
	ShutdownTimeout time.Duration
	// LogFormat is LOG_FORMAT (default json here) and LogLevel LOG_LEVEL (default info).
	LogFormat string
	LogLevel  slog.Level

	// Engines are the engine, pacing and outbound settings, read as the
	// gateway reads them.
	Engines
}

// workerSettings documents the variables only the worker reads.
var workerSettings = documented([]Setting{
	{"SESSION_ID", "", "The session the worker runs (required; the job sets it).", false, ByWorker},
	{"USER_ID", "", "The tenant (user id) that owns the session (required; the job sets it).", false, ByWorker},
	{"ENGINE", "", "Engine of the session, `whatsmeow` or `sandbox`; empty: the session's own, read from the database.", false, ByWorker},
	{"SQLITE_PATH", "", "A SQLite file shared with a gateway on the same host, instead of DATABASE_URL (development and tests).", false, ByWorker},
	{"NOMAD_PORT_http", "8080", "Port of the worker's instance API, set by Nomad; when unset the worker reads PORT, then this default (0 picks a free port).", false, ByWorker},
	{"NOMAD_ALLOC_ID", "", "Owner written on the session's Consul lock (Nomad sets it to the allocation id).", false, ByWorker},
	{"LOCK_TTL", "10s", "TTL of the Consul session behind the session's lock (at least 10s, Consul's minimum): a worker cut off from Consul loses the lock, and disconnects, within about this long.", false, ByWorker},
	{"LOCK_PREFIX", "whatsapp-gateway/locks", "Consul KV prefix of the session locks.", false, ByWorker},
})

// WorkerDocs lists the settings only the worker reads; the ones it shares
// with the gateway are in Docs and ClusterDocs, marked ByWorker.
func WorkerDocs() []Setting { return append([]Setting(nil), workerSettings...) }

// LoadWorker reads the worker's configuration through lookup (the
// environment, with .env as for the gateway), with the settings table's
// defaults and NAME_FILE secrets, and reports every problem at once as
// an *Error.
func LoadWorker(lookup func(string) (string, bool)) (*Worker, error) {
	l := &loader{lookup: lookup}
	c := &Worker{
		SessionID: l.raw("SESSION_ID"), UserID: l.raw("USER_ID"), EngineName: strings.ToLower(l.raw("ENGINE")),
		Env:         l.str("NODE_ENV"),
		DatabaseURL: l.secret("DATABASE_URL"), SQLitePath: l.raw("SQLITE_PATH"), RedisURL: l.secret("REDIS_URL"),
		ConsulAddr: l.raw("CONSUL_HTTP_ADDR"), ConsulToken: l.secret("CONSUL_HTTP_TOKEN"),
		LockTTL: l.duration("LOCK_TTL"), LockPrefix: l.str("LOCK_PREFIX"), Owner: l.raw("NOMAD_ALLOC_ID"),
		NomadAddr: l.raw("NOMAD_ADDR"), VaultAddr: l.raw("VAULT_ADDR"),
		ShutdownTimeout: l.duration("SHUTDOWN_TIMEOUT"), LogLevel: l.level("LOG_LEVEL"),
		LogFormat: strings.ToLower(l.raw("LOG_FORMAT")),
	}
	if c.LogFormat == "" {
		c.LogFormat = "json"
	}
	// The internal secret's file is kept as a path, read on every request.
	c.InternalSecret, c.InternalSecretFile = l.secretOrFile("INTERNAL_SECRET")
	c.Port = l.int("NOMAD_PORT_http")
	if l.raw("NOMAD_PORT_http") == "" && l.raw("PORT") != "" {
		c.Port = l.int("PORT")
	}
	c.Engines = l.engines(l.str("DATA_DIR"), strings.EqualFold(c.Env, EnvProduction))

	v := &validator{}
	if c.SessionID == "" {
		v.add("SESSION_ID", "is required")
	}
	if c.UserID == "" {
		v.add("USER_ID", "is required")
	}
	if c.EngineName != "" {
		v.oneOf("ENGINE", c.EngineName, "whatsmeow", "sandbox")
	}
	switch {
	case c.DatabaseURL == "" && c.SQLitePath == "":
		v.add("DATABASE_URL", "is required (the gateway's PostgreSQL), or SQLITE_PATH")
	case c.DatabaseURL != "":
		if u, err := url.Parse(c.DatabaseURL.Value()); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			v.add("DATABASE_URL", "must be a postgres:// URL")
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL.Value()); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			v.add("REDIS_URL", "must be a redis://, rediss:// or unix:// URL")
		}
	}
	if c.InternalSecret == "" && c.InternalSecretFile == "" {
		v.add("INTERNAL_SECRET", "is required, or INTERNAL_SECRET_FILE (it guards the instance API)")
	}
	port := "NOMAD_PORT_http"
	if l.raw("NOMAD_PORT_http") == "" && l.raw("PORT") != "" {
		port = "PORT"
	}
	v.port(port, c.Port, true)
	if c.LockTTL != 0 && c.LockTTL < 10*time.Second {
		v.add("LOCK_TTL", "must be at least 10s (Consul's minimum), got %v", c.LockTTL)
	}
	if c.ShutdownTimeout <= 0 {
		v.add("SHUTDOWN_TIMEOUT", "must be a positive duration, got %v", c.ShutdownTimeout)
	}
	v.oneOf("LOG_FORMAT", c.LogFormat, "text", "json")
	c.Engines.validate(v)
	problems := append(l.problems, v.problems...)
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return c, nil
}

// Agents are the HashiCorp agents the worker knows, whose addresses the
// SSRF guard refuses for media URLs.
func (c *Worker) Agents() []string {
	return []string{c.ConsulAddr, c.NomadAddr, c.VaultAddr}
}

// secretOrFile reads a secret either as its value or as the path of
// NAME_FILE, unread: for a secret the caller re-reads as it rotates.
// Setting both is a problem, as in raw.
func (l *loader) secretOrFile(name string) (Secret, string) {
	v, _ := l.lookup(name)
	path, _ := l.lookup(name + "_FILE")
	v, path = strings.TrimSpace(v), strings.TrimSpace(path)
	if v != "" && path != "" {
		l.problem(name, "is set both directly and through %s_FILE; set only one", name)
	}
	if v != "" {
		return Secret(v), ""
	}
	return "", path
}
