package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// env is a lookup over a map, as main's os.LookupEnv.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func mustLoad(t *testing.T, m map[string]string) *Config {
	t.Helper()
	c, err := Load(env(m))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// problems returns the variables Load blames, sorted.
func problems(t *testing.T, m map[string]string) []string {
	t.Helper()
	c, err := Load(env(m))
	if err == nil {
		return nil
	}
	if c != nil {
		t.Fatalf("Load returned a config with error %v", err)
	}
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("got error %T %v, want *Error", err, err)
	}
	var names []string
	for _, p := range cerr.Problems {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// strongSecret is long enough for production.
const strongSecret = "0123456789abcdef0123456789abcdef"

func TestDefaults(t *testing.T) {
	got := mustLoad(t, nil)
	want := &Config{
		Env:             "development",
		Port:            3000,
		APIVersion:      "v1",
		DataDir:         "./data",
		MaxBodyBytes:    1 << 20,
		ShutdownTimeout: 20 * time.Second,
		LogFormat:       "text",
		LogLevel:        slog.LevelInfo,

		SQLitePath: filepath.Join("data", "gateway.db"),
		DBPort:     5432,
		DBName:     "whatsapp_saas",
		DBUser:     "postgres",
		DBSSLMode:  "disable",
		RedisPort:  6379,

		JWTExpiresIn:          7 * 24 * time.Hour,
		JWTIssuer:             "whatsapp-gateway",
		JWTAudience:           "whatsapp-gateway-api",
		BcryptRounds:          12,
		LoginMaxAttempts:      5,
		LoginLockout:          15 * time.Minute,
		LoginLockoutAddresses: 10,
		AuthCacheTTL:          2 * time.Second,
		StatusCacheTTL:        2 * time.Second,

		Secrets:                "env",
		Scheduler:              "local",
		Discovery:              "local",
		WhatsAppEngine:         "whatsmeow",
		InstancePortRangeStart: 4000,
		InstancePortRangeEnd:   4999,
		MaxInstancesPerUser:    5,
		SessionStoragePath:     filepath.Join("data", "sessions"),
		WhatsAppImage:          "whatsapp-instance:latest",
		Engines: Engines{
			SandboxEnabled: true, SandboxPairDelay: 3 * time.Second, SandboxDeliveryDelay: time.Second, SandboxReadDelay: 3 * time.Second, SandboxHistoryMessages: 60,
			HistorySyncDays: 30, MediaStoragePath: filepath.Join("data", "media"), MediaMaxBytes: 64 << 20,
			SendRatePerMinute: 20, SendBurst: 5, SendJitter: 2 * time.Second,
		},

		AudioConverterTimeout: time.Minute,
		RateLimitWindow:       time.Minute,
		RateLimitMaxRequests:  600,
		EventStreamsPerTenant: 10,
		EnableRegistration:    true,
		EnableWebhooks:        true,
		EnableAPIKeys:         true,
		SMTPPort:              587,

		WebhookTimeout:             15 * time.Second,
		WebhookRetrySchedule:       []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour},
		WebhookDisableAfter:        5 * 24 * time.Hour,
		WebhookSecretGrace:         24 * time.Hour,
		WebhookWorkers:             128,
		WebhookEndpointConcurrency: 16,
		WebhookTenantConcurrency:   32,
		WebhookPollInterval:        time.Second,
		EventRetention:             720 * time.Hour,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("defaults (-want +got):\n%s", diff)
	}
	if got.Database() != "sqlite" || got.UsesRedis() || got.Production() {
		t.Fatalf("got database %s, redis %v, production %v; want sqlite, false, false", got.Database(), got.UsesRedis(), got.Production())
	}
}

// TestDocumentedDefaultsApply sets each variable to its documented default
// and checks nothing changes, so Docs cannot drift from Load.
func TestDocumentedDefaultsApply(t *testing.T) {
	base := mustLoad(t, nil)
	for _, s := range Docs() {
		if s.Default == "" || strings.Contains(s.Default, "$") || strings.Contains(s.Default, "(") {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			got := mustLoad(t, map[string]string{s.Name: s.Default})
			if diff := cmp.Diff(base, got); diff != "" {
				t.Fatalf("setting %s to its documented default %q changed the config (-default +got):\n%s", s.Name, s.Default, diff)
			}
		})
	}
}

func TestDocs(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Docs() {
		if seen[s.Name] {
			t.Fatalf("%s documented twice", s.Name)
		}
		seen[s.Name] = true
		if s.Description == "" || !strings.HasSuffix(s.Description, ".") {
			t.Fatalf("%s: description %q, want a sentence", s.Name, s.Description)
		}
	}
	wantSecret := []string{"JWT_SECRET", "JWT_PREVIOUS_SECRET", "DB_PASSWORD", "DATABASE_URL", "REDIS_PASSWORD", "REDIS_URL", "WEBHOOK_SECRET", "INTERNAL_SECRET", "ADMIN_PASSWORD", "SMTP_PASSWORD", "WHATSAPP_PROXY"}
	var gotSecret []string
	for _, s := range Docs() {
		if s.Secret {
			gotSecret = append(gotSecret, s.Name)
		}
	}
	slices.Sort(wantSecret)
	slices.Sort(gotSecret)
	if diff := cmp.Diff(wantSecret, gotSecret); diff != "" {
		t.Fatalf("secret settings (-want +got):\n%s", diff)
	}
	// Every setting is in the redacted dump and nothing else is.
	var dumped []string
	for k := range mustLoad(t, nil).Redacted() {
		dumped = append(dumped, k)
	}
	var documented []string
	for k := range seen {
		documented = append(documented, k)
	}
	slices.Sort(dumped)
	slices.Sort(documented)
	if diff := cmp.Diff(documented, dumped); diff != "" {
		t.Fatalf("Redacted keys (-documented +dumped):\n%s", diff)
	}
	// Docs returns a copy.
	Docs()[0].Default = "changed"
	if Docs()[0].Default == "changed" {
		t.Fatal("Docs shares its table with callers")
	}
}

func TestEachName(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	key := filepath.Join(dir, "key.pem")
	for _, p := range []string{cert, key} {
		if err := os.WriteFile(p, []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		env  map[string]string
		get  func(*Config) any
		want any
	}{
		{map[string]string{"NODE_ENV": "staging"}, func(c *Config) any { return c.Env }, "staging"},
		{map[string]string{"PORT": "8080"}, func(c *Config) any { return c.Port }, 8080},
		{map[string]string{"PORT": "0"}, func(c *Config) any { return c.Port }, 0},
		{map[string]string{"API_VERSION": "v2"}, func(c *Config) any { return c.APIVersion }, "v2"},
		{map[string]string{"PUBLIC_URL": "https://wa.example.com/"}, func(c *Config) any { return c.PublicURL }, "https://wa.example.com"},
		{map[string]string{"DATA_DIR": "/var/lib/wa"}, func(c *Config) any {
			return []string{c.DataDir, c.SQLitePath, c.SessionStoragePath, c.MediaStoragePath}
		}, []string{"/var/lib/wa", "/var/lib/wa/gateway.db", "/var/lib/wa/sessions", "/var/lib/wa/media"}},
		{map[string]string{"MAX_BODY_BYTES": "5MiB"}, func(c *Config) any { return c.MaxBodyBytes }, int64(5 << 20)},
		{map[string]string{"SHUTDOWN_TIMEOUT": "45s"}, func(c *Config) any { return c.ShutdownTimeout }, 45 * time.Second},
		{map[string]string{"LOG_FORMAT": "JSON"}, func(c *Config) any { return c.LogFormat }, "json"},
		{map[string]string{"SCHEDULER": "nomad", "DATABASE_URL": "postgres://u:p@db/x", "REDIS_URL": "redis://r:6379"}, func(c *Config) any { return c.LogFormat }, "json"},
		{map[string]string{"SCHEDULER": "nomad", "LOG_FORMAT": "text", "DATABASE_URL": "postgres://u:p@db/x", "REDIS_URL": "redis://r:6379"}, func(c *Config) any { return c.LogFormat }, "text"},
		{map[string]string{"LOG_LEVEL": "debug"}, func(c *Config) any { return c.LogLevel }, slog.LevelDebug},
		{map[string]string{"LOG_LEVEL": "WARN"}, func(c *Config) any { return c.LogLevel }, slog.LevelWarn},
		{map[string]string{"ENABLE_HTTPS": "yes", "SSL_CERT_PATH": cert, "SSL_KEY_PATH": key}, func(c *Config) any { return []any{c.EnableHTTPS, c.SSLCertPath, c.SSLKeyPath} }, []any{true, cert, key}},

		{map[string]string{"DATABASE_URL": "postgres://app:pw@db:5432/app"}, func(c *Config) any { return []string{c.DatabaseURL.Value(), c.Database()} }, []string{"postgres://app:pw@db:5432/app", "postgres"}},
		{map[string]string{"DB_HOST": "db"}, func(c *Config) any { return c.DatabaseURL.Value() }, "postgres://postgres@db:5432/whatsapp_saas?sslmode=disable"},
		{map[string]string{"DB_HOST": "db", "DB_PORT": "6543", "DB_NAME": "wa", "DB_USER": "app", "DB_PASSWORD": "p@ss:w/rd?#", "DB_SSLMODE": "require"},
			func(c *Config) any { return c.DatabaseURL.Value() }, "postgres://app:p%40ss%3Aw%2Frd%3F%23@db:6543/wa?sslmode=require"},
		{map[string]string{"DB_HOST": "::1"}, func(c *Config) any { return c.DatabaseURL.Value() }, "postgres://postgres@[::1]:5432/whatsapp_saas?sslmode=disable"},
		{map[string]string{"DB_HOST": "ignored", "DATABASE_URL": "postgres://u@x/y"}, func(c *Config) any { return c.DatabaseURL.Value() }, "postgres://u@x/y"},

		{map[string]string{"REDIS_URL": "redis://:pw@cache:6379/2"}, func(c *Config) any { return []any{c.RedisURL.Value(), c.UsesRedis()} }, []any{"redis://:pw@cache:6379/2", true}},
		{map[string]string{"REDIS_HOST": "cache"}, func(c *Config) any { return c.RedisURL.Value() }, "redis://cache:6379"},
		{map[string]string{"REDIS_HOST": "cache", "REDIS_PORT": "6380", "REDIS_PASSWORD": "a b@c"}, func(c *Config) any { return c.RedisURL.Value() }, "redis://:a%20b%40c@cache:6380"},

		{map[string]string{"JWT_SECRET": "s1"}, func(c *Config) any { return c.JWTSecret.Value() }, "s1"},
		{map[string]string{"JWT_PREVIOUS_SECRET": "s0"}, func(c *Config) any { return c.JWTPreviousSecret.Value() }, "s0"},
		{map[string]string{"JWT_EXPIRES_IN": "12h"}, func(c *Config) any { return c.JWTExpiresIn }, 12 * time.Hour},
		{map[string]string{"JWT_EXPIRES_IN": "3600"}, func(c *Config) any { return c.JWTExpiresIn }, time.Hour},
		{map[string]string{"JWT_ISSUER": "me"}, func(c *Config) any { return c.JWTIssuer }, "me"},
		{map[string]string{"JWT_AUDIENCE": "them"}, func(c *Config) any { return c.JWTAudience }, "them"},
		{map[string]string{"BCRYPT_ROUNDS": "4"}, func(c *Config) any { return c.BcryptRounds }, 4},
		{map[string]string{"BCRYPT_ROUNDS": "31"}, func(c *Config) any { return c.BcryptRounds }, 31},
		{map[string]string{"LOGIN_MAX_ATTEMPTS": "10"}, func(c *Config) any { return c.LoginMaxAttempts }, 10},
		{map[string]string{"LOGIN_LOCKOUT": "1h"}, func(c *Config) any { return c.LoginLockout }, time.Hour},
		{map[string]string{"AUTH_CACHE_TTL": "0"}, func(c *Config) any { return c.AuthCacheTTL }, time.Duration(0)},
		{map[string]string{"STATUS_CACHE_TTL": "0"}, func(c *Config) any { return c.StatusCacheTTL }, time.Duration(0)},
		{map[string]string{"HOST": "127.0.0.1"}, func(c *Config) any { return c.Host }, "127.0.0.1"},
		{map[string]string{"HOST": "::1"}, func(c *Config) any { return c.Host }, "::1"},
		{map[string]string{"HOST": "gateway.internal"}, func(c *Config) any { return c.Host }, "gateway.internal"},
		{map[string]string{"LOGIN_LOCKOUT_ADDRESSES": "3"}, func(c *Config) any { return c.LoginLockoutAddresses }, 3},
		{map[string]string{"ADMIN_EMAIL": "root@example.com", "ADMIN_PASSWORD": "pw"}, func(c *Config) any { return []string{c.AdminEmail, c.AdminPassword.Value()} }, []string{"root@example.com", "pw"}},

		{map[string]string{"SECRETS": "vault"}, func(c *Config) any { return c.Secrets }, "vault"},
		{map[string]string{"WEBHOOK_SECRET": "wh"}, func(c *Config) any { return c.WebhookSecret.Value() }, "wh"},
		{map[string]string{"INTERNAL_SECRET": "in"}, func(c *Config) any { return c.InternalSecret.Value() }, "in"},

		{map[string]string{"DISCOVERY": "consul"}, func(c *Config) any { return c.Discovery }, "consul"},
		{map[string]string{"WHATSAPP_ENGINE": "Sandbox"}, func(c *Config) any { return c.WhatsAppEngine }, "sandbox"},
		{map[string]string{"SANDBOX_PAIR_DELAY": "0"}, func(c *Config) any { return c.SandboxPairDelay }, time.Duration(0)},
		{map[string]string{"SANDBOX_DELIVERY_DELAY": "250ms"}, func(c *Config) any { return c.SandboxDeliveryDelay }, 250 * time.Millisecond},
		{map[string]string{"SANDBOX_READ_DELAY": "10s"}, func(c *Config) any { return c.SandboxReadDelay }, 10 * time.Second},
		{map[string]string{"SANDBOX_HISTORY_MESSAGES": "10000"}, func(c *Config) any { return c.SandboxHistoryMessages }, 10000},
		{map[string]string{"INSTANCE_PORT_RANGE_START": "5000", "INSTANCE_PORT_RANGE_END": "5000"}, func(c *Config) any { return []int{c.InstancePortRangeStart, c.InstancePortRangeEnd} }, []int{5000, 5000}},
		{map[string]string{"MAX_INSTANCES_PER_USER": "50"}, func(c *Config) any { return c.MaxInstancesPerUser }, 50},
		{map[string]string{"SESSION_STORAGE_PATH": "/s"}, func(c *Config) any { return c.SessionStoragePath }, "/s"},
		{map[string]string{"MEDIA_STORAGE_PATH": "/m"}, func(c *Config) any { return c.MediaStoragePath }, "/m"},
		{map[string]string{"DOCKER_HOST": "unix:///var/run/docker.sock"}, func(c *Config) any { return c.DockerHost }, "unix:///var/run/docker.sock"},
		{map[string]string{"WHATSAPP_IMAGE": "ghcr.io/x/worker:1"}, func(c *Config) any { return c.WhatsAppImage }, "ghcr.io/x/worker:1"},
		{map[string]string{"WHATSAPP_WEB_VERSION": "2.3000.1031080782"}, func(c *Config) any { return c.WhatsAppWebVersion }, "2.3000.1031080782"},
		{map[string]string{"SEND_RATE_PER_MINUTE": "6"}, func(c *Config) any { return c.SendRatePerMinute }, 6},
		{map[string]string{"SEND_TYPING_PREROLL": "1500ms"}, func(c *Config) any { return c.SendTypingPreroll }, 1500 * time.Millisecond},
		{map[string]string{"MEDIA_MAX_BYTES": "10MiB"}, func(c *Config) any { return c.MediaMaxBytes }, int64(10 << 20)},
		{map[string]string{"AUDIO_CONVERTER": `ffmpeg -i {in} -metadata "title=voice note" {out}`}, func(c *Config) any { return strings.Join(c.AudioConverter, "|") }, "ffmpeg|-i|{in}|-metadata|title=voice note|{out}"},
		{map[string]string{"AUDIO_CONVERTER_TIMEOUT": "5s"}, func(c *Config) any { return c.AudioConverterTimeout }, 5 * time.Second},

		{map[string]string{"RATE_LIMIT_WINDOW_MS": "900000"}, func(c *Config) any { return c.RateLimitWindow }, 15 * time.Minute},
		{map[string]string{"RATE_LIMIT_MAX_REQUESTS": "100"}, func(c *Config) any { return c.RateLimitMaxRequests }, 100},
		{map[string]string{"EVENT_STREAMS_PER_TENANT": "3"}, func(c *Config) any { return c.EventStreamsPerTenant }, 3},
		{map[string]string{"ENABLE_REGISTRATION": "false"}, func(c *Config) any { return c.EnableRegistration }, false},
		{map[string]string{"ENABLE_EMAIL_VERIFICATION": "1"}, func(c *Config) any { return c.EnableEmailVerification }, true},
		{map[string]string{"ENABLE_WEBHOOKS": "no"}, func(c *Config) any { return c.EnableWebhooks }, false},
		{map[string]string{"ENABLE_API_KEYS": "0"}, func(c *Config) any { return c.EnableAPIKeys }, false},

		{map[string]string{"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "465", "SMTP_USER": "u", "SMTP_PASSWORD": "p", "SMTP_FROM": "no-reply@example.com"},
			func(c *Config) any {
				return []string{c.SMTPHost, fmt.Sprint(c.SMTPPort), c.SMTPUser, c.SMTPPassword.Value(), c.SMTPFrom}
			},
			[]string{"smtp.example.com", "465", "u", "p", "no-reply@example.com"}},

		// An empty variable counts as unset.
		{map[string]string{"PORT": "", "JWT_EXPIRES_IN": " "}, func(c *Config) any { return []any{c.Port, c.JWTExpiresIn} }, []any{3000, 7 * 24 * time.Hour}},
	}
	for _, tt := range tests {
		names := make([]string, 0, len(tt.env))
		for k := range tt.env {
			names = append(names, k)
		}
		slices.Sort(names)
		t.Run(strings.Join(names, "+"), func(t *testing.T) {
			got := tt.get(mustLoad(t, tt.env))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"port not a number", map[string]string{"PORT": "http"}, []string{"PORT"}},
		{"port too large", map[string]string{"PORT": "70000"}, []string{"PORT"}},
		{"port negative", map[string]string{"PORT": "-1"}, []string{"PORT"}},
		{"port inside instance range", map[string]string{"PORT": "4500"}, []string{"PORT"}},
		{"api version", map[string]string{"API_VERSION": "1"}, []string{"API_VERSION"}},
		{"public url relative", map[string]string{"PUBLIC_URL": "/x"}, []string{"PUBLIC_URL"}},
		{"public url scheme", map[string]string{"PUBLIC_URL": "ftp://x"}, []string{"PUBLIC_URL"}},
		{"public url credentials", map[string]string{"PUBLIC_URL": "https://u:p@x"}, []string{"PUBLIC_URL"}},
		{"body size", map[string]string{"MAX_BODY_BYTES": "lots"}, []string{"MAX_BODY_BYTES"}},
		{"body size zero", map[string]string{"MAX_BODY_BYTES": "0"}, []string{"MAX_BODY_BYTES"}},
		{"event streams zero", map[string]string{"EVENT_STREAMS_PER_TENANT": "0"}, []string{"EVENT_STREAMS_PER_TENANT"}},
		{"shutdown zero", map[string]string{"SHUTDOWN_TIMEOUT": "0s"}, []string{"SHUTDOWN_TIMEOUT"}},
		{"shutdown unparsable", map[string]string{"SHUTDOWN_TIMEOUT": "forever"}, []string{"SHUTDOWN_TIMEOUT"}},
		{"log format", map[string]string{"LOG_FORMAT": "xml"}, []string{"LOG_FORMAT"}},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, []string{"LOG_LEVEL"}},
		{"https without paths", map[string]string{"ENABLE_HTTPS": "true"}, []string{"SSL_CERT_PATH", "SSL_KEY_PATH"}},
		{"https with missing files", map[string]string{"ENABLE_HTTPS": "true", "SSL_CERT_PATH": filepath.Join(dir, "no.pem"), "SSL_KEY_PATH": dir}, []string{"SSL_CERT_PATH", "SSL_KEY_PATH"}},
		{"https flag", map[string]string{"ENABLE_HTTPS": "maybe"}, []string{"ENABLE_HTTPS"}},

		{"database url scheme", map[string]string{"DATABASE_URL": "mysql://u:p@h/d"}, []string{"DATABASE_URL"}},
		{"db port", map[string]string{"DB_HOST": "db", "DB_PORT": "99999"}, []string{"DB_PORT"}},
		{"db port not a number", map[string]string{"DB_PORT": "x"}, []string{"DB_PORT"}},
		{"db sslmode", map[string]string{"DB_SSLMODE": "always"}, []string{"DB_SSLMODE"}},
		{"redis url scheme", map[string]string{"REDIS_URL": "http://cache"}, []string{"REDIS_URL"}},
		{"redis port", map[string]string{"REDIS_PORT": "0"}, []string{"REDIS_PORT"}},

		{"jwt expiry unparsable", map[string]string{"JWT_EXPIRES_IN": "a week"}, []string{"JWT_EXPIRES_IN"}},
		{"jwt expiry zero", map[string]string{"JWT_EXPIRES_IN": "0"}, []string{"JWT_EXPIRES_IN"}},
		{"bcrypt low", map[string]string{"BCRYPT_ROUNDS": "3"}, []string{"BCRYPT_ROUNDS"}},
		{"bcrypt high", map[string]string{"BCRYPT_ROUNDS": "32"}, []string{"BCRYPT_ROUNDS"}},
		{"login attempts", map[string]string{"LOGIN_MAX_ATTEMPTS": "0"}, []string{"LOGIN_MAX_ATTEMPTS"}},
		{"login lockout", map[string]string{"LOGIN_LOCKOUT": "0"}, []string{"LOGIN_LOCKOUT"}},
		{"auth cache ttl", map[string]string{"AUTH_CACHE_TTL": "1h"}, []string{"AUTH_CACHE_TTL"}},
		{"status cache ttl", map[string]string{"STATUS_CACHE_TTL": "-1s"}, []string{"STATUS_CACHE_TTL"}},
		{"host with a port", map[string]string{"HOST": "127.0.0.1:3000"}, []string{"HOST"}},
		{"host not a name", map[string]string{"HOST": "local host"}, []string{"HOST"}},
		{"login lockout addresses", map[string]string{"LOGIN_LOCKOUT_ADDRESSES": "0"}, []string{"LOGIN_LOCKOUT_ADDRESSES"}},
		{"admin email", map[string]string{"ADMIN_EMAIL": "root"}, []string{"ADMIN_EMAIL"}},
		{"admin password alone", map[string]string{"ADMIN_PASSWORD": "pw"}, []string{"ADMIN_PASSWORD"}},

		{"secrets", map[string]string{"SECRETS": "kms"}, []string{"SECRETS"}},
		{"scheduler", map[string]string{"SCHEDULER": "k8s"}, []string{"SCHEDULER"}},
		{"nomad needs postgres and redis", map[string]string{"SCHEDULER": "nomad"}, []string{"DATABASE_URL", "REDIS_URL"}},
		{"discovery", map[string]string{"DISCOVERY": "dns"}, []string{"DISCOVERY"}},
		{"engine", map[string]string{"WHATSAPP_ENGINE": "baileys"}, []string{"WHATSAPP_ENGINE"}},
		{"sandbox pair delay", map[string]string{"SANDBOX_PAIR_DELAY": "-1s"}, []string{"SANDBOX_PAIR_DELAY"}},
		{"sandbox delivery delay", map[string]string{"SANDBOX_DELIVERY_DELAY": "x"}, []string{"SANDBOX_DELIVERY_DELAY"}},
		{"sandbox read delay", map[string]string{"SANDBOX_READ_DELAY": "x"}, []string{"SANDBOX_READ_DELAY"}},
		{"sandbox history size", map[string]string{"SANDBOX_HISTORY_MESSAGES": "0"}, []string{"SANDBOX_HISTORY_MESSAGES"}},
		{"instance range reversed", map[string]string{"INSTANCE_PORT_RANGE_START": "5000", "INSTANCE_PORT_RANGE_END": "4000"}, []string{"INSTANCE_PORT_RANGE_END"}},
		{"instance range start", map[string]string{"INSTANCE_PORT_RANGE_START": "0"}, []string{"INSTANCE_PORT_RANGE_START"}},
		{"instance range end", map[string]string{"INSTANCE_PORT_RANGE_END": "65536"}, []string{"INSTANCE_PORT_RANGE_END"}},
		{"max instances", map[string]string{"MAX_INSTANCES_PER_USER": "0"}, []string{"MAX_INSTANCES_PER_USER"}},
		{"rate window", map[string]string{"RATE_LIMIT_WINDOW_MS": "0"}, []string{"RATE_LIMIT_WINDOW_MS"}},
		{"rate window not a number", map[string]string{"RATE_LIMIT_WINDOW_MS": "1m"}, []string{"RATE_LIMIT_WINDOW_MS"}},
		{"rate max", map[string]string{"RATE_LIMIT_MAX_REQUESTS": "-5"}, []string{"RATE_LIMIT_MAX_REQUESTS"}},
		{"registration flag", map[string]string{"ENABLE_REGISTRATION": "sure"}, []string{"ENABLE_REGISTRATION"}},
		{"email verification flag", map[string]string{"ENABLE_EMAIL_VERIFICATION": "2"}, []string{"ENABLE_EMAIL_VERIFICATION"}},
		{"webhooks flag", map[string]string{"ENABLE_WEBHOOKS": "on"}, []string{"ENABLE_WEBHOOKS"}},
		{"api keys flag", map[string]string{"ENABLE_API_KEYS": "off"}, []string{"ENABLE_API_KEYS"}},
		{"smtp port", map[string]string{"SMTP_PORT": "0"}, []string{"SMTP_PORT"}},
		{"web version", map[string]string{"WHATSAPP_WEB_VERSION": "2.3000"}, []string{"WHATSAPP_WEB_VERSION"}},
		{"web version zero", map[string]string{"WHATSAPP_WEB_VERSION": "0.0.0"}, []string{"WHATSAPP_WEB_VERSION"}},
		{"proxy scheme", map[string]string{"WHATSAPP_PROXY": "ftp://proxy:21"}, []string{"WHATSAPP_PROXY"}},
		{"send rate", map[string]string{"SEND_RATE_PER_MINUTE": "-1"}, []string{"SEND_RATE_PER_MINUTE"}},
		{"send burst", map[string]string{"SEND_BURST": "0"}, []string{"SEND_BURST"}},
		{"typing preroll", map[string]string{"SEND_TYPING_PREROLL": "2m"}, []string{"SEND_TYPING_PREROLL"}},
		{"media max", map[string]string{"MEDIA_MAX_BYTES": "0"}, []string{"MEDIA_MAX_BYTES"}},
		{"audio converter without placeholders", map[string]string{"AUDIO_CONVERTER": "ffmpeg -i in.mp3 out.ogg"}, []string{"AUDIO_CONVERTER"}},
		{"audio converter timeout", map[string]string{"AUDIO_CONVERTER_TIMEOUT": "0s"}, []string{"AUDIO_CONVERTER_TIMEOUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, problems(t, tt.env)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"PORT":            "x",
		"BCRYPT_ROUNDS":   "99",
		"WHATSAPP_ENGINE": "other",
		"ENABLE_WEBHOOKS": "maybe",
		"JWT_EXPIRES_IN":  "-1d",
	}))
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("got %v, want *Error", err)
	}
	if len(cerr.Problems) != 5 {
		t.Fatalf("got %d problems, want 5:\n%v", len(cerr.Problems), err)
	}
	msg := err.Error()
	for _, name := range []string{"PORT", "BCRYPT_ROUNDS", "WHATSAPP_ENGINE", "ENABLE_WEBHOOKS", "JWT_EXPIRES_IN"} {
		if !cerr.Has(name) || !strings.Contains(msg, name+": ") {
			t.Fatalf("error does not name %s:\n%s", name, msg)
		}
	}
	if !strings.HasPrefix(msg, "invalid configuration (5 problems):") {
		t.Fatalf("got message %q", msg)
	}
}

func TestSecretFiles(t *testing.T) {
	secrets := []string{"JWT_SECRET", "JWT_PREVIOUS_SECRET", "DB_PASSWORD", "DATABASE_URL", "REDIS_PASSWORD", "REDIS_URL", "WEBHOOK_SECRET", "INTERNAL_SECRET", "ADMIN_PASSWORD", "SMTP_PASSWORD", "WHATSAPP_PROXY"}
	values := map[string]string{
		"DATABASE_URL": "postgres://u:from-file@db/x",
		"REDIS_URL":    "redis://:from-file@cache:6379",
		// A proxy URL may carry credentials.
		"WHATSAPP_PROXY": "socks5://u:from-file@proxy:1080",
	}
	// Settings some secrets need beside them to be valid.
	extra := map[string]map[string]string{"ADMIN_PASSWORD": {"ADMIN_EMAIL": "a@example.com"}}
	read := map[string]func(*Config) Secret{
		"JWT_SECRET":          func(c *Config) Secret { return c.JWTSecret },
		"JWT_PREVIOUS_SECRET": func(c *Config) Secret { return c.JWTPreviousSecret },
		"DB_PASSWORD":         func(c *Config) Secret { return c.DBPassword },
		"DATABASE_URL":        func(c *Config) Secret { return c.DatabaseURL },
		"REDIS_PASSWORD":      func(c *Config) Secret { return c.RedisPassword },
		"REDIS_URL":           func(c *Config) Secret { return c.RedisURL },
		"WEBHOOK_SECRET":      func(c *Config) Secret { return c.WebhookSecret },
		"INTERNAL_SECRET":     func(c *Config) Secret { return c.InternalSecret },
		"ADMIN_PASSWORD":      func(c *Config) Secret { return c.AdminPassword },
		"SMTP_PASSWORD":       func(c *Config) Secret { return c.SMTPPassword },
		"WHATSAPP_PROXY":      func(c *Config) Secret { return c.WhatsAppProxy },
	}
	for _, name := range secrets {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			want := values[name]
			if want == "" {
				want = "s3cret value with spaces "
			}
			path := filepath.Join(dir, "secret")
			if err := os.WriteFile(path, []byte(want+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			m := map[string]string{name + "_FILE": path}
			for k, v := range extra[name] {
				m[k] = v
			}
			if got := read[name](mustLoad(t, m)).Value(); got != want {
				t.Fatalf("from %s_FILE got %q, want %q", name, got, want)
			}

			crlf := filepath.Join(dir, "crlf")
			if err := os.WriteFile(crlf, []byte(want+"\r\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			m[name+"_FILE"] = crlf
			if got := read[name](mustLoad(t, m)).Value(); got != want {
				t.Fatalf("from a CRLF file got %q, want %q", got, want)
			}

			m[name+"_FILE"] = path
			m[name] = want
			if diff := cmp.Diff([]string{name}, problems(t, m)); diff != "" {
				t.Fatalf("both %s and %s_FILE: problems (-want +got):\n%s", name, name, diff)
			}
			delete(m, name)

			m[name+"_FILE"] = filepath.Join(dir, "missing")
			if diff := cmp.Diff([]string{name + "_FILE"}, problems(t, m)); diff != "" {
				t.Fatalf("missing file: problems (-want +got):\n%s", diff)
			}

			empty := filepath.Join(dir, "empty")
			if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			m[name+"_FILE"] = empty
			if diff := cmp.Diff([]string{name + "_FILE"}, problems(t, m)); diff != "" {
				t.Fatalf("empty file: problems (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("not for plain settings", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "port")
		if err := os.WriteFile(path, []byte("9999"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := mustLoad(t, map[string]string{"PORT_FILE": path}).Port; got != 3000 {
			t.Fatalf("PORT_FILE changed PORT to %d, want it ignored", got)
		}
	})
}

func TestProduction(t *testing.T) {
	// prod is a valid production configuration; each case changes it.
	prod := func(changes map[string]string) map[string]string {
		m := map[string]string{
			"NODE_ENV":   "production",
			"JWT_SECRET": strongSecret,
		}
		for k, v := range changes {
			if v == "-" {
				delete(m, k)
				continue
			}
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"valid with sqlite", prod(nil), nil},
		{"development is lenient", prod(map[string]string{"NODE_ENV": "development", "JWT_SECRET": "short", "DB_HOST": "db", "DB_PASSWORD": "postgres123"}), nil},
		{"upper-case name", prod(map[string]string{"NODE_ENV": "PRODUCTION", "JWT_SECRET": "-"}), []string{"JWT_SECRET"}},
		{"no jwt secret", prod(map[string]string{"JWT_SECRET": "-"}), []string{"JWT_SECRET"}},
		{"no jwt secret with vault", prod(map[string]string{"JWT_SECRET": "-", "SECRETS": "vault"}), nil},
		{"short jwt secret", prod(map[string]string{"JWT_SECRET": strongSecret[:31]}), []string{"JWT_SECRET"}},
		{"seed jwt secret", prod(map[string]string{"JWT_SECRET": ExampleJWTSecret}), []string{"JWT_SECRET"}},
		{"short previous secret", prod(map[string]string{"JWT_PREVIOUS_SECRET": "old"}), []string{"JWT_PREVIOUS_SECRET"}},
		{"seed previous secret", prod(map[string]string{"JWT_PREVIOUS_SECRET": ExampleJWTSecret}), []string{"JWT_PREVIOUS_SECRET"}},
		{"postgres with a password", prod(map[string]string{"DB_HOST": "db", "DB_PASSWORD": "a-real-password"}), nil},
		{"postgres without a password", prod(map[string]string{"DB_HOST": "db"}), []string{"DB_PASSWORD"}},
		{"postgres with seed password", prod(map[string]string{"DB_HOST": "db", "DB_PASSWORD": "postgres123"}), []string{"DB_PASSWORD"}},
		{"postgres with password postgres", prod(map[string]string{"DB_HOST": "db", "DB_PASSWORD": "postgres"}), []string{"DB_PASSWORD"}},
		{"database url without password", prod(map[string]string{"DATABASE_URL": "postgres://app@db/app"}), []string{"DATABASE_URL"}},
		{"database url with seed password", prod(map[string]string{"DATABASE_URL": "postgres://postgres:postgres123@db/app"}), []string{"DATABASE_URL"}},
		{"database url with password parameter", prod(map[string]string{"DATABASE_URL": "postgres://app@db/app?password=good-one"}), nil},
		{"seed webhook secret", prod(map[string]string{"WEBHOOK_SECRET": "your-webhook-secret-key"}), []string{"WEBHOOK_SECRET"}},
		{"seed redis password", prod(map[string]string{"REDIS_HOST": "cache", "REDIS_PASSWORD": "redis123"}), []string{"REDIS_PASSWORD"}},
		{"seed redis password in url", prod(map[string]string{"REDIS_URL": "redis://:redis123@cache:6379"}), []string{"REDIS_URL"}},
		{"nomad without shared secrets", prod(map[string]string{"SCHEDULER": "nomad", "DATABASE_URL": "postgres://u:good-one@db/x", "REDIS_URL": "redis://cache:6379"}), []string{"INTERNAL_SECRET", "WEBHOOK_SECRET"}},
		{"nomad with shared secrets", prod(map[string]string{"SCHEDULER": "nomad", "DATABASE_URL": "postgres://u:good-one@db/x", "REDIS_URL": "redis://cache:6379", "INTERNAL_SECRET": strongSecret, "WEBHOOK_SECRET": strongSecret}), nil},
		{"nomad with vault", prod(map[string]string{"SCHEDULER": "nomad", "SECRETS": "vault", "JWT_SECRET": "-", "DATABASE_URL": "postgres://u:good-one@db/x", "REDIS_URL": "redis://cache:6379"}), nil},
		{"email verification without smtp", prod(map[string]string{"ENABLE_EMAIL_VERIFICATION": "true"}), []string{"SMTP_HOST"}},
		{"email verification with smtp", prod(map[string]string{"ENABLE_EMAIL_VERIFICATION": "true", "SMTP_HOST": "smtp"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, problems(t, tt.env)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateHandBuilt(t *testing.T) {
	c := mustLoad(t, nil)
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate of a loaded config: %v", err)
	}
	c.SandboxReadDelay = -time.Second
	c.DataDir = ""
	var cerr *Error
	if err := c.Validate(); !errors.As(err, &cerr) || !cerr.Has("SANDBOX_READ_DELAY") || !cerr.Has("DATA_DIR") {
		t.Fatalf("got %v, want problems with SANDBOX_READ_DELAY and DATA_DIR", err)
	}
}

func TestRedacted(t *testing.T) {
	const pw = "Sup3r-S3cret-Passw0rd"
	c := mustLoad(t, map[string]string{
		"DB_HOST":             "db",
		"DB_PASSWORD":         pw,
		"REDIS_URL":           "redis://user:" + pw + "@cache:6379/0?password=" + pw,
		"JWT_SECRET":          pw + "-jwt",
		"JWT_PREVIOUS_SECRET": pw + "-old",
		"WEBHOOK_SECRET":      pw + "-wh",
		"INTERNAL_SECRET":     pw + "-in",
		"ADMIN_EMAIL":         "root@example.com",
		"ADMIN_PASSWORD":      pw + "-admin",
		"SMTP_PASSWORD":       pw + "-smtp",
	})
	m := c.Redacted()
	want := map[string]string{
		"DATABASE_URL":        "postgres://postgres:[redacted]@db:5432/whatsapp_saas?sslmode=disable",
		"REDIS_URL":           "redis://user:[redacted]@cache:6379/0?password=[redacted]",
		"DB_PASSWORD":         "[redacted]",
		"JWT_SECRET":          "[redacted]",
		"JWT_PREVIOUS_SECRET": "[redacted]",
		"WEBHOOK_SECRET":      "[redacted]",
		"INTERNAL_SECRET":     "[redacted]",
		"ADMIN_PASSWORD":      "[redacted]",
		"SMTP_PASSWORD":       "[redacted]",
		"REDIS_PASSWORD":      "",
		"PORT":                "3000",
		"JWT_EXPIRES_IN":      "168h0m0s",
		"ADMIN_EMAIL":         "root@example.com",
		"LOG_LEVEL":           "info",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("Redacted()[%s] = %q, want %q", k, m[k], v)
		}
	}

	// No way of printing the config reveals a secret.
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for how, out := range map[string]string{
		"Redacted": fmt.Sprint(m),
		"%v":       fmt.Sprintf("%v", *c),
		"%+v":      fmt.Sprintf("%+v", c),
		"%#v":      fmt.Sprintf("%#v", c),
		"%s":       fmt.Sprintf("%s", c.JWTSecret),
		"slog":     buf.String(),
		"json":     string(j),
	} {
		if strings.Contains(out, pw) {
			t.Errorf("%s output reveals a secret: %s", how, out)
		}
	}
	if !strings.Contains(buf.String(), `"JWT_SECRET":"[redacted]"`) {
		t.Errorf("slog output lacks the redacted JWT_SECRET: %s", buf.String())
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"postgres://u:p@h:5432/d?sslmode=disable", "postgres://u:[redacted]@h:5432/d?sslmode=disable"},
		{"postgres://u@h/d", "postgres://u@h/d"},
		{"redis://:p@h:6379", "redis://:[redacted]@h:6379"},
		{"postgres://h/d?password=p&sslmode=require", "postgres://h/d?password=[redacted]&sslmode=require"},
		{"https://example.com/x", "https://example.com/x"},
		{"just-a-password", "[redacted]"},
		{"host:6379", "[redacted]"},
		{"postgres://u:p@h:bad/d", "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := RedactURL(tt.in); got != tt.want {
				t.Fatalf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestProblemsNeverEchoSecrets(t *testing.T) {
	const pw = "Leaky-Passw0rd"
	_, err := Load(env(map[string]string{
		"DATABASE_URL": "mysql://u:" + pw + "@h/d",
		"REDIS_URL":    "http://:" + pw + "@h",
		"NODE_ENV":     "production",
		"JWT_SECRET":   pw,
	}))
	if err == nil {
		t.Fatal("got no error, want problems")
	}
	if strings.Contains(err.Error(), pw) {
		t.Fatalf("error reveals a secret: %v", err)
	}
}

func TestWebhookSettings(t *testing.T) {
	c := mustLoad(t, nil)
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	if diff := cmp.Diff(want, c.WebhookRetrySchedule); diff != "" {
		t.Fatalf("default schedule (-want +got):\n%s", diff)
	}
	if c.WebhookTimeout != 15*time.Second || c.WebhookDisableAfter != 5*24*time.Hour || c.WebhookSecretGrace != 24*time.Hour || c.WebhookAllowPrivateNetworks {
		t.Fatalf("got timeout %s, disable after %s, grace %s, allow private %v", c.WebhookTimeout, c.WebhookDisableAfter, c.WebhookSecretGrace, c.WebhookAllowPrivateNetworks)
	}
	c = mustLoad(t, map[string]string{"WEBHOOK_RETRY_SCHEDULE": " 1s, 200ms ,3m", "WEBHOOK_DENY_NETWORKS": "10.0.0.5:8500, 10.1.0.0/16"})
	if diff := cmp.Diff([]time.Duration{time.Second, 200 * time.Millisecond, 3 * time.Minute}, c.WebhookRetrySchedule); diff != "" {
		t.Fatalf("schedule (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"10.0.0.5:8500", "10.1.0.0/16"}, c.WebhookDenyNetworks); diff != "" {
		t.Fatalf("deny networks (-want +got):\n%s", diff)
	}
	for name, bad := range map[string]string{
		"WEBHOOK_RETRY_SCHEDULE":     "5s,soon",
		"WEBHOOK_TIMEOUT":            "0s",
		"WEBHOOK_DENY_NETWORKS":      "consul.local",
		"WEBHOOK_WORKERS":            "0",
		"WEBHOOK_TENANT_CONCURRENCY": "0",
	} {
		_, err := Load(env(map[string]string{name: bad}))
		var cerr *Error
		if !errors.As(err, &cerr) || !cerr.Has(name) {
			t.Fatalf("%s=%q: got %v, want a problem naming it", name, bad, err)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	if c := mustLoad(t, nil); len(c.TrustedProxies) != 0 {
		t.Fatalf("default: got %v, want no trusted proxy", c.TrustedProxies)
	}
	c := mustLoad(t, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7 ,fd00::/8,10.1.2.3/16"})
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("10.1.0.0/16"),
	}
	if diff := cmp.Diff(want, c.TrustedProxies, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Fatalf("trusted proxies (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"proxy.local", "10.0.0.0/33", "10.0.0.1:80"} {
		_, err := Load(env(map[string]string{"TRUSTED_PROXIES": bad}))
		var cerr *Error
		if !errors.As(err, &cerr) || !cerr.Has("TRUSTED_PROXIES") {
			t.Fatalf("TRUSTED_PROXIES=%q: got %v, want a problem naming it", bad, err)
		}
	}
}

func TestSandboxEnabled(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"on by default", map[string]string{}, true},
		{"off by default in production", map[string]string{"NODE_ENV": "production", "JWT_SECRET": strongSecret}, false},
		{"turned on in production", map[string]string{"NODE_ENV": "production", "JWT_SECRET": strongSecret, "SANDBOX_ENABLED": "true"}, true},
		{"turned off", map[string]string{"SANDBOX_ENABLED": "false"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustLoad(t, tt.env).SandboxEnabled; got != tt.want {
				t.Fatalf("got SandboxEnabled %v, want %v", got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"not a flag", map[string]string{"SANDBOX_ENABLED": "maybe"}, []string{"SANDBOX_ENABLED"}},
		{"default engine turned off", map[string]string{"SANDBOX_ENABLED": "false", "WHATSAPP_ENGINE": "sandbox"}, []string{"WHATSAPP_ENGINE"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, problems(t, tt.env)); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
