package config

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// workerEnv is the least environment a worker starts with, plus the
// key-value pairs kv.
func workerEnv(kv ...string) map[string]string {
	m := map[string]string{"SESSION_ID": "s", "USER_ID": "u", "DATABASE_URL": "postgres://x@h/db", "INTERNAL_SECRET": "k"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestLoadWorker(t *testing.T) {
	with := workerEnv
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(*Worker) bool
	}{
		{"defaults", with(), "", func(c *Worker) bool {
			return c.Port == 8080 && c.LockTTL == 10*time.Second && c.ShutdownTimeout == 20*time.Second && c.LogFormat == "json" &&
				c.LockPrefix == "whatsapp-gateway/locks" && c.MediaStoragePath == filepath.Join("data", "media") && c.SendBurst == 5
		}},
		{"nomad port wins", with("NOMAD_PORT_http", "25000", "PORT", "1"), "", func(c *Worker) bool { return c.Port == 25000 }},
		{"port", with("PORT", "0"), "", func(c *Worker) bool { return c.Port == 0 }},
		{"owner from nomad", with("NOMAD_ALLOC_ID", "a-1", "CONSUL_HTTP_ADDR", "127.0.0.1:8500"), "", func(c *Worker) bool {
			return c.Owner == "a-1" && c.ConsulAddr == "127.0.0.1:8500"
		}},
		// The gateway's default Consul address does not apply: without
		// CONSUL_HTTP_ADDR the worker takes no lock.
		{"no consul by default", with(), "", func(c *Worker) bool { return c.ConsulAddr == "" && c.NomadAddr == "" && c.VaultAddr == "" }},
		{"sqlite instead of postgres", with("DATABASE_URL", "", "SQLITE_PATH", "/tmp/x.db"), "", func(c *Worker) bool { return c.SQLitePath == "/tmp/x.db" }},
		{"media under DATA_DIR", with("DATA_DIR", "/srv"), "", func(c *Worker) bool { return c.MediaStoragePath == filepath.Join("/srv", "media") }},
		{"engine", with("ENGINE", "Sandbox"), "", func(c *Worker) bool { return c.EngineName == "sandbox" }},
		{"pacing", with("SEND_RATE_PER_MINUTE", "0", "SEND_JITTER", "500ms"), "", func(c *Worker) bool {
			return c.SendRatePerMinute == 0 && c.SendJitter == 500*time.Millisecond
		}},
		{"missing", map[string]string{}, "SESSION_ID", nil},
		{"no database", with("DATABASE_URL", ""), "DATABASE_URL", nil},
		{"not postgres", with("DATABASE_URL", "mysql://x@h/db"), "DATABASE_URL", nil},
		{"bad redis", with("REDIS_URL", "http://x"), "REDIS_URL", nil},
		{"no secret", with("INTERNAL_SECRET", ""), "INTERNAL_SECRET", nil},
		{"bad port", with("PORT", "x"), "PORT", nil},
		{"port out of range", with("NOMAD_PORT_http", "70000"), "NOMAD_PORT_http", nil},
		{"short ttl", with("LOCK_TTL", "2s"), "LOCK_TTL", nil},
		{"bad duration", with("SHUTDOWN_TIMEOUT", "soon"), "SHUTDOWN_TIMEOUT", nil},
		{"bad engine", with("ENGINE", "baileys"), "ENGINE", nil},
		{"bad log format", with("LOG_FORMAT", "xml"), "LOG_FORMAT", nil},
		{"bad burst", with("SEND_BURST", "0"), "SEND_BURST", nil},
		{"bad web version", with("WHATSAPP_WEB_VERSION", "2.3000"), "WHATSAPP_WEB_VERSION", nil},
		{"sandbox on by default", with(), "", func(c *Worker) bool { return c.SandboxEnabled }},
		{"sandbox off in production", with("NODE_ENV", "production"), "", func(c *Worker) bool { return !c.SandboxEnabled }},
		{"sandbox turned on", with("NODE_ENV", "production", "SANDBOX_ENABLED", "true"), "", func(c *Worker) bool { return c.SandboxEnabled }},
		{"sandbox turned off", with("SANDBOX_ENABLED", "0"), "", func(c *Worker) bool { return !c.SandboxEnabled }},
		{"bad sandbox flag", with("SANDBOX_ENABLED", "maybe"), "SANDBOX_ENABLED", nil},
		{"bad deny list", with("WEBHOOK_DENY_NETWORKS", "10.0.0.0/8,not-a-network"), "WEBHOOK_DENY_NETWORKS", nil},
		{"bad private flag", with("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "perhaps"), "WEBHOOK_ALLOW_PRIVATE_NETWORKS", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadWorker(env(tt.env))
			if tt.wantErr != "" {
				var cerr *Error
				if !errors.As(err, &cerr) || !cerr.Has(tt.wantErr) {
					t.Fatalf("got %v, want a problem naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("got %+v", c)
			}
			var b bytes.Buffer
			slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "db", c.DatabaseURL, "cfg", c)
			if strings.Contains(b.String(), "postgres://x") {
				t.Error("the configuration prints the database URL")
			}
		})
	}
}

// TestLoadWorkerSecrets checks the worker reads secrets as the gateway
// does (NAME_FILE), keeps INTERNAL_SECRET_FILE as a path it re-reads, and
// refuses a secret given twice.
func TestLoadWorkerSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	vars := workerEnv("DATABASE_URL", "", "DATABASE_URL_FILE", write("db", "postgres://u:pw@db/gw\n"),
		"REDIS_URL_FILE", write("redis", "redis://:pw@r:6379/0"), "CONSUL_HTTP_TOKEN_FILE", write("tok", "consul-token"),
		"WHATSAPP_PROXY_FILE", write("proxy", "socks5://p:1080"),
		"INTERNAL_SECRET", "", "INTERNAL_SECRET_FILE", filepath.Join(dir, "rendered-later"))
	c, err := LoadWorker(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.DatabaseURL.Value(), c.RedisURL.Value(), c.ConsulToken.Value(), c.WhatsAppProxy.Value(), c.InternalSecretFile, c.InternalSecret.Value()}
	want := []string{"postgres://u:pw@db/gw", "redis://:pw@r:6379/0", "consul-token", "socks5://p:1080", filepath.Join(dir, "rendered-later"), ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}

	_, err = LoadWorker(env(workerEnv("INTERNAL_SECRET_FILE", filepath.Join(dir, "x"))))
	var cerr *Error
	if !errors.As(err, &cerr) || !cerr.Has("INTERNAL_SECRET") {
		t.Errorf("INTERNAL_SECRET and INTERNAL_SECRET_FILE both set: got %v, want a problem", err)
	}
	_, err = LoadWorker(env(workerEnv("DATABASE_URL_FILE", filepath.Join(dir, "missing"))))
	if !errors.As(err, &cerr) || !cerr.Has("DATABASE_URL") {
		t.Errorf("DATABASE_URL set twice: got %v, want a problem", err)
	}
}

// TestWorkerSettingsAreDocumented checks every variable LoadWorker reads
// is a row of the settings table marked as the worker's, and no row is
// marked the worker's that LoadWorker does not read.
func TestWorkerSettingsAreDocumented(t *testing.T) {
	read := map[string]bool{}
	lookup := func(name string) (string, bool) {
		read[strings.TrimSuffix(name, "_FILE")] = true
		return env(workerEnv())(name)
	}
	if _, err := LoadWorker(lookup); err != nil {
		t.Fatal(err)
	}
	marked := map[string]bool{}
	for _, s := range append(append(Docs(), ClusterDocs()...), WorkerDocs()...) {
		if s.ReadBy&ByWorker != 0 {
			marked[s.Name] = true
		}
		if s.ReadBy == 0 {
			t.Errorf("%s: no program reads it", s.Name)
		}
	}
	if diff := cmp.Diff(marked, read); diff != "" {
		t.Errorf("settings marked as the worker's (-) against those LoadWorker reads (+):\n%s", diff)
	}
	for _, s := range WorkerDocs() {
		if s.ReadBy != ByWorker {
			t.Errorf("%s is in the worker's table but marked %v", s.Name, s.ReadBy)
		}
	}
}
