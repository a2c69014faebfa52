// Package config reads the gateway's configuration from environment
// variables: the seed's names as written plus the product's own, with
// defaults kept in one table (Docs), secrets readable from NAME_FILE, every
// problem reported at once, and a redacted view for the start-up log.
//
// Load takes a lookup function (os.LookupEnv in main, a map in tests), so
// nothing here reads the process environment by itself. An empty variable
// counts as unset, as docker-compose and Nomad templates pass them.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Environment names with a meaning.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Secret is a configuration value that must never be printed. Its String,
// GoString, LogValue and MarshalText say "[redacted]" (or "" when unset),
// so a Config dumped by mistake leaks nothing; use Value or a conversion
// (string(s), []byte(s)) to read it.
type Secret string

const redacted = "[redacted]"

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// String implements fmt.Stringer without revealing the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer without revealing the secret (%#v).
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue implements slog.LogValuer without revealing the secret.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler without revealing the secret.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Config is the gateway's configuration. Each field names its variable and
// default; Docs has the same table for the README.
type Config struct {
	// Env is NODE_ENV (default "development"); "production" turns on strict checks.
	Env string
	// Host is HOST, the address the API listens on (default empty: all interfaces).
	Host string
	// Port is PORT (default 3000; 0 picks a free port).
	Port int
	// APIVersion is API_VERSION (default "v1").
	APIVersion string
	// PublicURL is PUBLIC_URL without a trailing slash (default none).
	PublicURL string
	// DataDir is DATA_DIR (default "./data").
	DataDir string
	// MaxBodyBytes is MAX_BODY_BYTES (default 1 MiB).
	MaxBodyBytes int64
	// ShutdownTimeout is SHUTDOWN_TIMEOUT (default 20s).
	ShutdownTimeout time.Duration
	// LogFormat is LOG_FORMAT: "text" (default) or "json" (default when SCHEDULER=nomad).
	LogFormat string
	// LogLevel is LOG_LEVEL (default info).
	LogLevel slog.Level
	// EnableHTTPS is ENABLE_HTTPS (default false), with SSLCertPath
	// (SSL_CERT_PATH) and SSLKeyPath (SSL_KEY_PATH).
	EnableHTTPS bool
	SSLCertPath string
	SSLKeyPath  string
	// TrustedProxies is TRUSTED_PROXIES (default none): the networks whose
	// X-Forwarded-For is believed. A bare address is a /32 or /128.
	TrustedProxies []netip.Prefix

	// DatabaseURL is DATABASE_URL, or built from DB_* when DB_HOST is set;
	// empty means SQLite at SQLitePath.
	DatabaseURL Secret
	// SQLitePath is DATA_DIR/gateway.db, used when DatabaseURL is empty.
	SQLitePath string
	// DBHost is DB_HOST (default none), DBPort DB_PORT (5432), DBName
	// DB_NAME ("whatsapp_saas"), DBUser DB_USER ("postgres"), DBPassword
	// DB_PASSWORD (none), DBSSLMode DB_SSLMODE ("disable"). They only build
	// DatabaseURL when DATABASE_URL is not given.
	DBHost     string
	DBPort     int
	DBName     string
	DBUser     string
	DBPassword Secret
	DBSSLMode  string

	// RedisURL is REDIS_URL, or built from REDIS_* when REDIS_HOST is set;
	// empty means the in-process cache, rate limiter and bus.
	RedisURL Secret
	// RedisHost is REDIS_HOST (default none), RedisPort REDIS_PORT (6379),
	// RedisPassword REDIS_PASSWORD (none).
	RedisHost     string
	RedisPort     int
	RedisPassword Secret

	// JWTSecret is JWT_SECRET and JWTPreviousSecret JWT_PREVIOUS_SECRET
	// (default none: generated into DATA_DIR outside production).
	JWTSecret         Secret
	JWTPreviousSecret Secret
	// JWTExpiresIn is JWT_EXPIRES_IN (default 7d).
	JWTExpiresIn time.Duration
	// JWTIssuer is JWT_ISSUER (default "whatsapp-gateway").
	JWTIssuer string
	// JWTAudience is JWT_AUDIENCE (default "whatsapp-gateway-api").
	JWTAudience string
	// BcryptRounds is BCRYPT_ROUNDS (default 12, 4 to 31).
	BcryptRounds int
	// LoginMaxAttempts is LOGIN_MAX_ATTEMPTS (default 5) per LoginLockout
	// (LOGIN_LOCKOUT, default 15m), for one account from one address.
	LoginMaxAttempts int
	LoginLockout     time.Duration
	// LoginLockoutAddresses is LOGIN_LOCKOUT_ADDRESSES (default 10): failing
	// addresses that lock an account as a whole.
	LoginLockoutAddresses int
	// AuthCacheTTL is AUTH_CACHE_TTL (default 2s): how long verified
	// tokens, API keys and users are cached (0: not cached).
	AuthCacheTTL time.Duration
	// StatusCacheTTL is STATUS_CACHE_TTL (default 2s): how long sessions,
	// their statuses and instance views are answered from memory, and a session
	// found ready to send is taken as such (0: never).
	StatusCacheTTL time.Duration
	// AdminEmail is ADMIN_EMAIL and AdminPassword ADMIN_PASSWORD (default none).
	AdminEmail    string
	AdminPassword Secret

	// Secrets is SECRETS: "env" (default) or "vault".
	Secrets string
	// WebhookSecret is WEBHOOK_SECRET and InternalSecret INTERNAL_SECRET
	// (default none: generated into DATA_DIR).
	WebhookSecret  Secret
	InternalSecret Secret

	// Scheduler is SCHEDULER: "local" (default) or "nomad".
	Scheduler string
	// Discovery is DISCOVERY: "local" (default), "consul" or "nomad".
	Discovery string
	// WhatsAppEngine is WHATSAPP_ENGINE: "whatsmeow" (default) or "sandbox".
	WhatsAppEngine string
	// Engines are the engine, pacing and outbound settings the gateway
	// shares with the worker binary (LoadWorker reads them the same way).
	Engines
	// InstancePortRangeStart and InstancePortRangeEnd are
	// INSTANCE_PORT_RANGE_START and _END (default 4000 to 4999).
	InstancePortRangeStart int
	InstancePortRangeEnd   int
	// MaxInstancesPerUser is MAX_INSTANCES_PER_USER (default 5).
	MaxInstancesPerUser int
	// SessionStoragePath is SESSION_STORAGE_PATH (default DATA_DIR/sessions).
	SessionStoragePath string
	// DockerHost is DOCKER_HOST (default none; kept from the seed, unused).
	DockerHost string
	// WhatsAppImage is WHATSAPP_IMAGE (default "whatsapp-instance:latest").
	WhatsAppImage string

	// AudioConverter is AUDIO_CONVERTER split into a program and its
	// arguments (default none: voice notes must be Ogg/Opus already), and
	// AudioConverterTimeout AUDIO_CONVERTER_TIMEOUT (default 60s).
	AudioConverter        []string
	AudioConverterTimeout time.Duration

	// RateLimitWindow is RATE_LIMIT_WINDOW_MS (default 60000 ms).
	RateLimitWindow time.Duration
	// RateLimitMaxRequests is RATE_LIMIT_MAX_REQUESTS (default 600).
	RateLimitMaxRequests int
	// EventStreamsPerTenant is EVENT_STREAMS_PER_TENANT (default 10): open
	// event and QR streams per tenant and gateway process.
	EventStreamsPerTenant int
	// Feature flags: ENABLE_REGISTRATION (default true),
	// ENABLE_EMAIL_VERIFICATION (false), ENABLE_WEBHOOKS (true),
	// ENABLE_API_KEYS (true).
	EnableRegistration      bool
	EnableEmailVerification bool
	EnableWebhooks          bool
	EnableAPIKeys           bool

	// WebhookTimeout is WEBHOOK_TIMEOUT (default 15s).
	WebhookTimeout time.Duration
	// WebhookRetrySchedule is WEBHOOK_RETRY_SCHEDULE (default 5s,5m,30m,2h,5h,10h,10h).
	WebhookRetrySchedule []time.Duration
	// WebhookDisableAfter is WEBHOOK_DISABLE_AFTER (default 5d; 0 never).
	WebhookDisableAfter time.Duration
	// WebhookSecretGrace is WEBHOOK_SECRET_GRACE (default 24h).
	WebhookSecretGrace time.Duration
	// WebhookWorkers is WEBHOOK_WORKERS (default 128),
	// WebhookEndpointConcurrency WEBHOOK_ENDPOINT_CONCURRENCY (default 16)
	// and WebhookTenantConcurrency WEBHOOK_TENANT_CONCURRENCY (default 32).
	WebhookWorkers             int
	WebhookEndpointConcurrency int
	WebhookTenantConcurrency   int
	// WebhookPollInterval is WEBHOOK_POLL_INTERVAL (default 1s).
	WebhookPollInterval time.Duration
	// EventRetention is EVENT_RETENTION (default 720h; 0 keeps everything):
	// older events and their deliveries are purged, unless still owed.
	EventRetention time.Duration

	// SMTPHost is SMTP_HOST (default none), SMTPPort SMTP_PORT (587),
	// SMTPUser SMTP_USER, SMTPPassword SMTP_PASSWORD, SMTPFrom SMTP_FROM.
	SMTPHost     string
	SMTPPort     int
	SMTPUser     string
	SMTPPassword Secret
	SMTPFrom     string
}

// Production reports whether NODE_ENV is production.
func (c *Config) Production() bool { return strings.EqualFold(c.Env, EnvProduction) }

// Database names the database the configuration selects: "postgres" or "sqlite".
func (c *Config) Database() string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// UsesRedis reports whether cache, rate limits and bus live in Redis.
func (c *Config) UsesRedis() bool { return c.RedisURL != "" }

// Problem is one thing wrong with the configuration.
type Problem struct {
	Name    string // the variable, such as "PORT"
	Message string // what is wrong, a sentence fragment after the name
}

// Error lists every configuration problem found, so an operator fixes them
// in one go.
type Error struct {
	Problems []Problem
}

// Error implements error with one problem per line.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Name, p.Message)
	}
	return b.String()
}

// Has reports whether a problem names the variable.
func (e *Error) Has(name string) bool {
	for _, p := range e.Problems {
		if p.Name == name {
			return true
		}
	}
	return false
}

// Load reads the configuration through lookup (os.LookupEnv in main),
// applies defaults, reads NAME_FILE secrets and validates the result. On
// any problem it returns nil and an *Error listing them all.
func Load(lookup func(string) (string, bool)) (*Config, error) {
	l := &loader{lookup: lookup}
	c := &Config{
		Env:        l.str("NODE_ENV"),
		Host:       strings.TrimSpace(l.str("HOST")),
		Port:       l.int("PORT"),
		APIVersion: l.str("API_VERSION"),
		PublicURL:  strings.TrimRight(l.str("PUBLIC_URL"), "/"),
		DataDir:    l.str("DATA_DIR"),

		MaxBodyBytes:    l.size("MAX_BODY_BYTES"),
		ShutdownTimeout: l.duration("SHUTDOWN_TIMEOUT"),
		LogLevel:        l.level("LOG_LEVEL"),
		EnableHTTPS:     l.bool("ENABLE_HTTPS"),
		SSLCertPath:     l.str("SSL_CERT_PATH"),
		SSLKeyPath:      l.str("SSL_KEY_PATH"),
		TrustedProxies:  l.prefixes("TRUSTED_PROXIES"),

		DatabaseURL: l.secret("DATABASE_URL"),
		DBHost:      l.str("DB_HOST"),
		DBPort:      l.int("DB_PORT"),
		DBName:      l.str("DB_NAME"),
		DBUser:      l.str("DB_USER"),
		DBPassword:  l.secret("DB_PASSWORD"),
		DBSSLMode:   l.str("DB_SSLMODE"),

		RedisURL:      l.secret("REDIS_URL"),
		RedisHost:     l.str("REDIS_HOST"),
		RedisPort:     l.int("REDIS_PORT"),
		RedisPassword: l.secret("REDIS_PASSWORD"),

		JWTSecret:             l.secret("JWT_SECRET"),
		JWTPreviousSecret:     l.secret("JWT_PREVIOUS_SECRET"),
		JWTExpiresIn:          l.duration("JWT_EXPIRES_IN"),
		JWTIssuer:             l.str("JWT_ISSUER"),
		JWTAudience:           l.str("JWT_AUDIENCE"),
		BcryptRounds:          l.int("BCRYPT_ROUNDS"),
		LoginMaxAttempts:      l.int("LOGIN_MAX_ATTEMPTS"),
		LoginLockout:          l.duration("LOGIN_LOCKOUT"),
		LoginLockoutAddresses: l.int("LOGIN_LOCKOUT_ADDRESSES"),
		AuthCacheTTL:          l.duration("AUTH_CACHE_TTL"),
		StatusCacheTTL:        l.duration("STATUS_CACHE_TTL"),
		AdminEmail:            l.str("ADMIN_EMAIL"),
		AdminPassword:         l.secret("ADMIN_PASSWORD"),

		Secrets:        strings.ToLower(l.str("SECRETS")),
		WebhookSecret:  l.secret("WEBHOOK_SECRET"),
		InternalSecret: l.secret("INTERNAL_SECRET"),

		Scheduler:              strings.ToLower(l.str("SCHEDULER")),
		Discovery:              strings.ToLower(l.str("DISCOVERY")),
		WhatsAppEngine:         strings.ToLower(l.str("WHATSAPP_ENGINE")),
		InstancePortRangeStart: l.int("INSTANCE_PORT_RANGE_START"),
		InstancePortRangeEnd:   l.int("INSTANCE_PORT_RANGE_END"),
		MaxInstancesPerUser:    l.int("MAX_INSTANCES_PER_USER"),
		DockerHost:             l.str("DOCKER_HOST"),
		WhatsAppImage:          l.str("WHATSAPP_IMAGE"),

		AudioConverterTimeout: l.duration("AUDIO_CONVERTER_TIMEOUT"),

		RateLimitWindow:         time.Duration(l.int("RATE_LIMIT_WINDOW_MS")) * time.Millisecond,
		RateLimitMaxRequests:    l.int("RATE_LIMIT_MAX_REQUESTS"),
		EventStreamsPerTenant:   l.int("EVENT_STREAMS_PER_TENANT"),
		EnableRegistration:      l.bool("ENABLE_REGISTRATION"),
		EnableEmailVerification: l.bool("ENABLE_EMAIL_VERIFICATION"),
		EnableWebhooks:          l.bool("ENABLE_WEBHOOKS"),
		EnableAPIKeys:           l.bool("ENABLE_API_KEYS"),

		WebhookTimeout:             l.duration("WEBHOOK_TIMEOUT"),
		WebhookRetrySchedule:       l.durations("WEBHOOK_RETRY_SCHEDULE"),
		WebhookDisableAfter:        l.duration("WEBHOOK_DISABLE_AFTER"),
		WebhookSecretGrace:         l.duration("WEBHOOK_SECRET_GRACE"),
		WebhookWorkers:             l.int("WEBHOOK_WORKERS"),
		WebhookEndpointConcurrency: l.int("WEBHOOK_ENDPOINT_CONCURRENCY"),
		WebhookTenantConcurrency:   l.int("WEBHOOK_TENANT_CONCURRENCY"),
		WebhookPollInterval:        l.duration("WEBHOOK_POLL_INTERVAL"),
		EventRetention:             l.duration("EVENT_RETENTION"),

		SMTPHost:     l.str("SMTP_HOST"),
		SMTPPort:     l.int("SMTP_PORT"),
		SMTPUser:     l.str("SMTP_USER"),
		SMTPPassword: l.secret("SMTP_PASSWORD"),
		SMTPFrom:     l.str("SMTP_FROM"),
	}

	// Defaults that depend on other settings.
	c.SQLitePath = filepath.Join(c.DataDir, "gateway.db")
	c.SessionStoragePath = l.raw("SESSION_STORAGE_PATH")
	if c.SessionStoragePath == "" {
		c.SessionStoragePath = filepath.Join(c.DataDir, "sessions")
	}
	c.LogFormat = strings.ToLower(l.raw("LOG_FORMAT"))
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Scheduler == "nomad" {
			c.LogFormat = "json"
		}
	}
	c.Engines = l.engines(c.DataDir, c.Production())
	if args, err := SplitCommand(l.str("AUDIO_CONVERTER")); err != nil {
		l.problem("AUDIO_CONVERTER", "%v", err)
	} else {
		c.AudioConverter = args
	}
	if c.DatabaseURL == "" && c.DBHost != "" {
		c.DatabaseURL = Secret(buildDatabaseURL(c))
	}
	if c.RedisURL == "" && c.RedisHost != "" {
		c.RedisURL = Secret(buildRedisURL(c))
	}

	problems := l.problems
	var verr *Error
	if err := c.Validate(); errors.As(err, &verr) {
		problems = append(problems, verr.Problems...)
	}
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return c, nil
}

// buildDatabaseURL writes the seed's DB_* settings as a PostgreSQL URL,
// escaping each part.
func buildDatabaseURL(c *Config) string {
	u := url.URL{
		Scheme:   "postgres",
		Host:     net.JoinHostPort(c.DBHost, strconv.Itoa(c.DBPort)),
		Path:     "/" + c.DBName,
		RawQuery: url.Values{"sslmode": {c.DBSSLMode}}.Encode(),
	}
	if c.DBPassword != "" {
		u.User = url.UserPassword(c.DBUser, c.DBPassword.Value())
	} else {
		u.User = url.User(c.DBUser)
	}
	return u.String()
}

// buildRedisURL writes the seed's REDIS_* settings as a redis:// URL.
func buildRedisURL(c *Config) string {
	u := url.URL{Scheme: "redis", Host: net.JoinHostPort(c.RedisHost, strconv.Itoa(c.RedisPort))}
	if c.RedisPassword != "" {
		u.User = url.UserPassword("", c.RedisPassword.Value())
	}
	return u.String()
}

// loader reads variables, falling back on the defaults table and noting
// every problem instead of stopping at the first.
type loader struct {
	lookup   func(string) (string, bool)
	problems []Problem
}

func (l *loader) problem(name, format string, args ...any) {
	l.problems = append(l.problems, Problem{Name: name, Message: fmt.Sprintf(format, args...)})
}

// raw returns the variable's value, or "" when unset or empty; for a secret
// it reads NAME_FILE too.
func (l *loader) raw(name string) string {
	v, _ := l.lookup(name)
	v = strings.TrimSpace(v)
	if !settingByName[name].Secret {
		return v
	}
	path, _ := l.lookup(name + "_FILE")
	path = strings.TrimSpace(path)
	if path == "" {
		return v
	}
	if v != "" {
		l.problem(name, "is set both directly and through %s_FILE; set only one", name)
		return v
	}
	b, err := os.ReadFile(path)
	if err != nil {
		// The path is not secret; the error says why it could not be read.
		l.problem(name+"_FILE", "cannot be read: %v", errors.Unwrap(err))
		return ""
	}
	// Files written by editors and templates end with a newline that is not
	// part of the secret.
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		l.problem(name+"_FILE", "names an empty file")
	}
	return s
}

// str returns the variable's value or its default.
func (l *loader) str(name string) string {
	if v := l.raw(name); v != "" {
		return v
	}
	s, ok := settingByName[name]
	if !ok {
		panic("config: no setting " + name)
	}
	return s.Default
}

func (l *loader) secret(name string) Secret { return Secret(l.raw(name)) }

// def returns the default of name, which the tests guarantee parses.
// documented adds a table of settings to the ones lookups by name know,
// and returns it.
func documented(list []Setting) []Setting {
	for _, s := range list {
		settingByName[s.Name] = s
	}
	return list
}

func def(name string) string { return settingByName[name].Default }

// parsed reads name with parse; a value parse refuses is a problem, and
// the default stands in for it.
func parsed[T any](l *loader, name string, parse func(string) (T, error)) T {
	v := l.str(name)
	x, err := parse(v)
	if err != nil {
		l.problem(name, "%v, got %q", err, v)
		x, _ = parse(def(name))
	}
	return x
}

func (l *loader) int(name string) int {
	return parsed(l, name, func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return n, errors.New("must be a whole number")
		}
		return n, nil
	})
}

func (l *loader) bool(name string) bool { return parsed(l, name, ParseBool) }

func (l *loader) duration(name string) time.Duration { return parsed(l, name, ParseDuration) }

// durations reads a comma-separated list of durations (an empty list is allowed).
func (l *loader) durations(name string) []time.Duration {
	v := l.str(name)
	out := []time.Duration{}
	for _, part := range splitList(v) {
		d, err := ParseDuration(part)
		if err != nil {
			l.problem(name, "%v, got %q in %q", err, part, v)
			continue
		}
		out = append(out, d)
	}
	return out
}

// splitList splits a comma-separated value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// prefixes reads a comma-separated list of networks (CIDRs) or addresses.
func (l *loader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, part := range splitList(l.str(name)) {
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(part); err == nil {
			a = a.Unmap().WithZone("")
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		l.problem(name, "%q is not a network (10.0.0.0/8) or an address", part)
	}
	return out
}

func (l *loader) size(name string) int64 { return parsed(l, name, ParseSize) }

func (l *loader) level(name string) slog.Level {
	v := l.str(name)
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(v)); err != nil {
		l.problem(name, "must be debug, info, warn or error, got %q", v)
		return slog.LevelInfo
	}
	return lv
}
