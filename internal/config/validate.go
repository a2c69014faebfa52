package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// minJWTSecretBytes is the shortest JWT secret production accepts: HS256
// wants a key at least as long as its 256-bit output (RFC 7518 §3.2).
const minJWTSecretBytes = 32

// seedDatabasePasswords are the seed's default PostgreSQL passwords.
var seedDatabasePasswords = []string{"postgres123", "postgres"}

var (
	apiVersionPattern = regexp.MustCompile(`^v[0-9]+$`)
	sslModes          = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
)

// Validate checks the configuration and returns an *Error listing every
// problem, or nil. Load calls it; call it again after changing a Config by
// hand.
func (c *Config) Validate() error {
	v := &validator{}
	c.validateGeneral(v)
	c.validateStores(v)
	c.validateAuth(v)
	c.validateWorkers(v)
	c.validateWebhooks(v)
	if c.Production() {
		c.validateProduction(v)
	}
	if len(v.problems) == 0 {
		return nil
	}
	return &Error{Problems: v.problems}
}

type validator struct{ problems []Problem }

func (v *validator) add(name, format string, args ...any) {
	v.problems = append(v.problems, Problem{Name: name, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) port(name string, p int, zeroOK bool) {
	lo := 1
	if zeroOK {
		lo = 0
	}
	if p < lo || p > 65535 {
		v.add(name, "must be a port from %d to 65535, got %d", lo, p)
	}
}

func (v *validator) positive(name string, n int) {
	if n < 1 {
		v.add(name, "must be a positive number, got %d", n)
	}
}

func (v *validator) oneOf(name, got string, allowed ...string) {
	if !slices.Contains(allowed, got) {
		v.add(name, "must be one of %s, got %q", strings.Join(allowed, ", "), got)
	}
}

func (v *validator) file(name, path string) {
	if path == "" {
		v.add(name, "is required when ENABLE_HTTPS is true")
		return
	}
	if st, err := os.Stat(path); err != nil {
		v.add(name, "cannot be read: %v", err)
	} else if st.IsDir() {
		v.add(name, "is a directory, want a file")
	}
}

func (c *Config) validateGeneral(v *validator) {
	if c.Env == "" {
		v.add("NODE_ENV", "must not be empty")
	}
	v.port("PORT", c.Port, true)
	if c.Host != "" && !validHost(c.Host) {
		v.add("HOST", "must be an IP address or a host name without a port, got %q", c.Host)
	}
	if !apiVersionPattern.MatchString(c.APIVersion) {
		v.add("API_VERSION", "must look like v1, got %q", c.APIVersion)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("PUBLIC_URL", "must be an absolute http or https URL")
		} else if u.User != nil {
			// It appears in links and logs; credentials have no place there.
			v.add("PUBLIC_URL", "must not contain a user name or password")
		}
	}
	if c.DataDir == "" {
		v.add("DATA_DIR", "must not be empty")
	}
	if c.MaxBodyBytes < 1 {
		v.add("MAX_BODY_BYTES", "must be a positive size, got %d", c.MaxBodyBytes)
	}
	if c.ShutdownTimeout <= 0 {
		v.add("SHUTDOWN_TIMEOUT", "must be a positive duration, got %v", c.ShutdownTimeout)
	}
	v.oneOf("LOG_FORMAT", c.LogFormat, "text", "json")
	if c.EnableHTTPS {
		v.file("SSL_CERT_PATH", c.SSLCertPath)
		v.file("SSL_KEY_PATH", c.SSLKeyPath)
	}
	v.positive("RATE_LIMIT_WINDOW_MS", int(c.RateLimitWindow.Milliseconds()))
	v.positive("RATE_LIMIT_MAX_REQUESTS", c.RateLimitMaxRequests)
	v.positive("EVENT_STREAMS_PER_TENANT", c.EventStreamsPerTenant)
	if c.AudioConverterTimeout <= 0 {
		v.add("AUDIO_CONVERTER_TIMEOUT", "must be a positive duration, got %v", c.AudioConverterTimeout)
	}
	v.port("SMTP_PORT", c.SMTPPort, false)
}

func (c *Config) validateStores(v *validator) {
	v.port("DB_PORT", c.DBPort, false)
	v.oneOf("DB_SSLMODE", c.DBSSLMode, sslModes...)
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL.Value())
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			// Never echo the value: it holds a password.
			v.add(c.databaseName(), "must be a postgres:// URL")
		}
	}
	v.port("REDIS_PORT", c.RedisPort, false)
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL.Value())
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			v.add("REDIS_URL", "must be a redis://, rediss:// or unix:// URL")
		}
	}
	v.oneOf("SECRETS", c.Secrets, "env", "vault")
}

// databaseName is the variable to blame for the database URL: DB_* when
// the URL was built from them, DATABASE_URL otherwise.
func (c *Config) databaseName() string {
	if c.DBHost != "" && c.DatabaseURL.Value() == buildDatabaseURL(c) {
		return "DB_PASSWORD"
	}
	return "DATABASE_URL"
}

func (c *Config) validateAuth(v *validator) {
	if c.JWTExpiresIn <= 0 {
		v.add("JWT_EXPIRES_IN", "must be a positive duration, got %v", c.JWTExpiresIn)
	}
	if c.JWTIssuer == "" {
		v.add("JWT_ISSUER", "must not be empty")
	}
	if c.JWTAudience == "" {
		v.add("JWT_AUDIENCE", "must not be empty")
	}
	if c.BcryptRounds < 4 || c.BcryptRounds > 31 {
		v.add("BCRYPT_ROUNDS", "must be from 4 to 31, got %d", c.BcryptRounds)
	}
	v.positive("LOGIN_MAX_ATTEMPTS", c.LoginMaxAttempts)
	v.positive("LOGIN_LOCKOUT_ADDRESSES", c.LoginLockoutAddresses)
	if c.LoginLockout <= 0 {
		v.add("LOGIN_LOCKOUT", "must be a positive duration, got %v", c.LoginLockout)
	}
	if c.AuthCacheTTL < 0 || c.AuthCacheTTL > 5*time.Minute {
		v.add("AUTH_CACHE_TTL", "must be from 0 to 5m, got %v", c.AuthCacheTTL)
	}
	if c.StatusCacheTTL < 0 || c.StatusCacheTTL > time.Minute {
		v.add("STATUS_CACHE_TTL", "must be from 0 to 1m, got %v", c.StatusCacheTTL)
	}
	if c.AdminEmail != "" && !strings.Contains(strings.Trim(c.AdminEmail, "@"), "@") {
		v.add("ADMIN_EMAIL", "must be an email address, got %q", c.AdminEmail)
	}
	if c.AdminPassword != "" && c.AdminEmail == "" {
		v.add("ADMIN_PASSWORD", "is set without ADMIN_EMAIL")
	}
}

func (c *Config) validateWorkers(v *validator) {
	v.oneOf("SCHEDULER", c.Scheduler, "local", "nomad")
	v.oneOf("DISCOVERY", c.Discovery, "local", "consul", "nomad")
	v.oneOf("WHATSAPP_ENGINE", c.WhatsAppEngine, "whatsmeow", "sandbox")
	if c.WhatsAppEngine == "sandbox" && !c.SandboxEnabled {
		v.add("WHATSAPP_ENGINE", "is sandbox while SANDBOX_ENABLED is false")
	}
	v.port("INSTANCE_PORT_RANGE_START", c.InstancePortRangeStart, false)
	v.port("INSTANCE_PORT_RANGE_END", c.InstancePortRangeEnd, false)
	if c.InstancePortRangeStart > c.InstancePortRangeEnd {
		v.add("INSTANCE_PORT_RANGE_END", "must not be below INSTANCE_PORT_RANGE_START (%d), got %d", c.InstancePortRangeStart, c.InstancePortRangeEnd)
	}
	if c.Scheduler == "local" && c.Port != 0 && c.InstancePortRangeStart > 0 && c.Port >= c.InstancePortRangeStart && c.Port <= c.InstancePortRangeEnd {
		v.add("PORT", "must be outside the instance port range %d-%d, got %d", c.InstancePortRangeStart, c.InstancePortRangeEnd, c.Port)
	}
	v.positive("MAX_INSTANCES_PER_USER", c.MaxInstancesPerUser)
	if c.SessionStoragePath == "" {
		v.add("SESSION_STORAGE_PATH", "must not be empty")
	}
	c.Engines.validate(v)
	if c.Scheduler == "nomad" {
		// Workers on other machines share neither a SQLite file nor this
		// process's memory.
		if c.DatabaseURL == "" {
			v.add("DATABASE_URL", "is required when SCHEDULER is nomad (SQLite cannot be shared between machines)")
		}
		if c.RedisURL == "" {
			v.add("REDIS_URL", "is required when SCHEDULER is nomad (workers publish their events through Redis)")
		}
	}
}

// validateProduction refuses what is fine on a laptop and dangerous on the
// Internet.
func (c *Config) validateProduction(v *validator) {
	switch {
	case c.JWTSecret == "" && c.Secrets != "vault":
		v.add("JWT_SECRET", "is required in production (or set SECRETS=vault)")
	case c.JWTSecret != "":
		c.checkJWTSecret(v, "JWT_SECRET", c.JWTSecret)
	}
	if c.JWTPreviousSecret != "" {
		c.checkJWTSecret(v, "JWT_PREVIOUS_SECRET", c.JWTPreviousSecret)
	}
	if c.DatabaseURL != "" {
		if pw := urlPassword(c.DatabaseURL.Value()); pw == "" || slices.Contains(seedDatabasePasswords, pw) {
			v.add(c.databaseName(), "must carry a PostgreSQL password other than the seed's defaults in production")
		}
	}
	for name, s := range map[string]Secret{
		"WEBHOOK_SECRET":  c.WebhookSecret,
		"INTERNAL_SECRET": c.InternalSecret,
		"REDIS_PASSWORD":  c.RedisPassword,
		"ADMIN_PASSWORD":  c.AdminPassword,
		"SMTP_PASSWORD":   c.SMTPPassword,
	} {
		if slices.Contains(exampleSecrets, s.Value()) {
			v.add(name, "is an example value from the seed's documentation; choose your own in production")
		}
	}
	if c.RedisURL != "" && c.RedisPassword == "" && slices.Contains(exampleSecrets, urlPassword(c.RedisURL.Value())) {
		v.add("REDIS_URL", "carries an example password from the seed's documentation; choose your own in production")
	}
	if c.Scheduler == "nomad" && c.Secrets == "env" {
		// Every gateway and worker must agree on these; a secret generated
		// into one machine's data directory would not be shared.
		if c.InternalSecret == "" {
			v.add("INTERNAL_SECRET", "is required in production when SCHEDULER is nomad (or set SECRETS=vault)")
		}
		if c.WebhookSecret == "" {
			v.add("WEBHOOK_SECRET", "is required in production when SCHEDULER is nomad (or set SECRETS=vault)")
		}
	}
	if c.EnableEmailVerification && c.SMTPHost == "" {
		v.add("SMTP_HOST", "is required in production when ENABLE_EMAIL_VERIFICATION is true")
	}
}

func (c *Config) checkJWTSecret(v *validator, name string, s Secret) {
	switch {
	case slices.Contains(exampleSecrets, s.Value()):
		v.add(name, "is an example value from the seed's documentation; choose your own in production")
	case len(s) < minJWTSecretBytes:
		v.add(name, "must be at least %d bytes in production, got %d", minJWTSecretBytes, len(s))
	}
}

// urlPassword returns the password in a URL's user info or its password
// query parameter (which pgx also reads), or "".
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if pw, ok := u.User.Password(); ok {
		return pw
	}
	return u.Query().Get("password")
}

// validHost accepts an IP address (IPv6 with or without brackets) or a DNS
// host name: what net.Listen takes beside the port.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
