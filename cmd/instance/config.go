package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/engines"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
)

// instanceConfig is the worker's configuration, from the environment Nomad
// gives the task (its env block, the rendered secrets template, NOMAD_*).
type instanceConfig struct {
	SessionID string // SESSION_ID
	UserID    string // USER_ID
	Engine    string // ENGINE (default: the session's own)

	DatabaseURL config.Secret // DATABASE_URL (PostgreSQL)
	SQLitePath  string        // SQLITE_PATH: a SQLite file shared with a gateway on this host (development)
	RedisURL    config.Secret // REDIS_URL (empty: in-process bus, sandbox sessions see only each other here)

	// InternalSecret is INTERNAL_SECRET, or InternalSecretFile
	// (INTERNAL_SECRET_FILE) re-read per request so a rotation rendered
	// by a Nomad template needs no restart.
	InternalSecret     config.Secret
	InternalSecretFile string

	// Port is NOMAD_PORT_http, else PORT (default 8080; 0 picks one).
	Port int
	// ConsulAddr is CONSUL_HTTP_ADDR: set, the worker takes the session's
	// Consul lock before it connects. LockTTL is LOCK_TTL (default 10s),
	// LockPrefix LOCK_PREFIX, Owner NOMAD_ALLOC_ID.
	ConsulAddr string
	LockTTL    time.Duration
	LockPrefix string
	Owner      string

	// ShutdownTimeout is SHUTDOWN_TIMEOUT (default 20s; below the job's kill_timeout).
	ShutdownTimeout time.Duration
	LogLevel        slog.Level
	LogFormat       string

	// Engines are the engine and pacing settings, SSRF the guard of media
	// URLs: the gateway's names and meanings (see loadEngineSettings).
	Engines engines.Settings
	SSRF    ssrf.Settings
}

// loadConfig reads the configuration through lookup and reports every
// problem at once.
func loadConfig(lookup func(string) (string, bool)) (*instanceConfig, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	dur := func(name string, def time.Duration) time.Duration {
		v := get(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad("%s: must be a duration such as 10s, got %q", name, v)
			return def
		}
		return d
	}
	c := &instanceConfig{
		SessionID: get("SESSION_ID"), UserID: get("USER_ID"), Engine: get("ENGINE"),
		DatabaseURL: config.Secret(get("DATABASE_URL")), SQLitePath: get("SQLITE_PATH"), RedisURL: config.Secret(get("REDIS_URL")),
		InternalSecret: config.Secret(get("INTERNAL_SECRET")), InternalSecretFile: get("INTERNAL_SECRET_FILE"),
		ConsulAddr: get("CONSUL_HTTP_ADDR"), LockPrefix: get("LOCK_PREFIX"), Owner: get("NOMAD_ALLOC_ID"),
		LockTTL: dur("LOCK_TTL", 10*time.Second), ShutdownTimeout: dur("SHUTDOWN_TIMEOUT", 20*time.Second),
		LogFormat: strings.ToLower(get("LOG_FORMAT")),
	}
	c.Engines, c.SSRF = loadEngineSettings(get, bad)
	c.Engines.SandboxPairDelay = dur("SANDBOX_PAIR_DELAY", 3*time.Second)
	c.Engines.SandboxDeliveryDelay = dur("SANDBOX_DELIVERY_DELAY", time.Second)
	c.Engines.SandboxReadDelay = dur("SANDBOX_READ_DELAY", 3*time.Second)
	c.Engines.HistorySyncDays = 30
	if v := get("HISTORY_SYNC_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad("HISTORY_SYNC_DAYS: want a whole number of days from 0, got %q", v)
		}
		c.Engines.HistorySyncDays = n
	}
	// SANDBOX_ENABLED is passed on by the gateway; the default is the
	// gateway's (on, off when NODE_ENV=production).
	c.Engines.SandboxEnabled = !strings.EqualFold(get("NODE_ENV"), config.EnvProduction)
	if v := get("SANDBOX_ENABLED"); v != "" {
		b, err := config.ParseBool(v)
		if err != nil {
			bad("SANDBOX_ENABLED: %v, got %q", err, v)
		}
		c.Engines.SandboxEnabled = b
	}
	if c.SessionID == "" {
		bad("SESSION_ID: required")
	}
	if c.UserID == "" {
		bad("USER_ID: required")
	}
	if c.DatabaseURL == "" && c.SQLitePath == "" {
		bad("DATABASE_URL: required (the gateway's PostgreSQL)")
	}
	if c.InternalSecret == "" && c.InternalSecretFile == "" {
		bad("INTERNAL_SECRET or INTERNAL_SECRET_FILE: required (guards the instance API)")
	}
	port := get("NOMAD_PORT_http")
	if port == "" {
		port = get("PORT")
	}
	c.Port = 8080
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 65535 {
			bad("NOMAD_PORT_http/PORT: must be a port number, got %q", port)
		}
		c.Port = p
	}
	if c.LockTTL != 0 && c.LockTTL < 10*time.Second {
		bad("LOCK_TTL: Consul's minimum is 10s, got %v", c.LockTTL)
	}
	if err := c.LogLevel.UnmarshalText([]byte(orDefault(get("LOG_LEVEL"), "info"))); err != nil {
		bad("LOG_LEVEL: must be debug, info, warn or error")
	}
	if len(problems) > 0 {
		return nil, errors.New("invalid configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return c, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// secretReader returns the internal secret: the fixed value, or the file
// read again on every call (it is a few bytes in a tmpfs).
func (c *instanceConfig) secretReader() func() ([]byte, error) {
	if c.InternalSecretFile == "" {
		v := []byte(c.InternalSecret.Value())
		return func() ([]byte, error) { return v, nil }
	}
	path := c.InternalSecretFile
	return func() ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read internal secret file: %w", err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return nil, errors.New("internal secret file is empty")
		}
		return []byte(s), nil
	}
}
