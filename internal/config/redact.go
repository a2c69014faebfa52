package config

import (
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Redacted returns every setting's effective value by variable name, for
// the start-up log: secrets read "[redacted]" when set and "" when not, and
// passwords inside URLs are replaced, so the dump is safe to print.
func (c *Config) Redacted() map[string]string {
	m := map[string]string{
		"NODE_ENV":         c.Env,
		"HOST":             c.Host,
		"PORT":             strconv.Itoa(c.Port),
		"API_VERSION":      c.APIVersion,
		"PUBLIC_URL":       RedactURL(c.PublicURL),
		"DATA_DIR":         c.DataDir,
		"MAX_BODY_BYTES":   strconv.FormatInt(c.MaxBodyBytes, 10),
		"SHUTDOWN_TIMEOUT": c.ShutdownTimeout.String(),
		"LOG_FORMAT":       c.LogFormat,
		"LOG_LEVEL":        strings.ToLower(c.LogLevel.String()),
		"ENABLE_HTTPS":     strconv.FormatBool(c.EnableHTTPS),
		"SSL_CERT_PATH":    c.SSLCertPath,
		"SSL_KEY_PATH":     c.SSLKeyPath,
		"TRUSTED_PROXIES":  joinPrefixes(c.TrustedProxies),

		"DATABASE_URL": RedactURL(c.DatabaseURL.Value()),
		"DB_HOST":      c.DBHost,
		"DB_PORT":      strconv.Itoa(c.DBPort),
		"DB_NAME":      c.DBName,
		"DB_USER":      c.DBUser,
		"DB_PASSWORD":  c.DBPassword.String(),
		"DB_SSLMODE":   c.DBSSLMode,

		"REDIS_URL":      RedactURL(c.RedisURL.Value()),
		"REDIS_HOST":     c.RedisHost,
		"REDIS_PORT":     strconv.Itoa(c.RedisPort),
		"REDIS_PASSWORD": c.RedisPassword.String(),

		"JWT_SECRET":              c.JWTSecret.String(),
		"JWT_PREVIOUS_SECRET":     c.JWTPreviousSecret.String(),
		"JWT_EXPIRES_IN":          c.JWTExpiresIn.String(),
		"JWT_ISSUER":              c.JWTIssuer,
		"JWT_AUDIENCE":            c.JWTAudience,
		"BCRYPT_ROUNDS":           strconv.Itoa(c.BcryptRounds),
		"LOGIN_MAX_ATTEMPTS":      strconv.Itoa(c.LoginMaxAttempts),
		"LOGIN_LOCKOUT":           c.LoginLockout.String(),
		"LOGIN_LOCKOUT_ADDRESSES": strconv.Itoa(c.LoginLockoutAddresses),
		"AUTH_CACHE_TTL":          c.AuthCacheTTL.String(),
		"STATUS_CACHE_TTL":        c.StatusCacheTTL.String(),
		"ADMIN_EMAIL":             c.AdminEmail,
		"ADMIN_PASSWORD":          c.AdminPassword.String(),

		"SECRETS":         c.Secrets,
		"WEBHOOK_SECRET":  c.WebhookSecret.String(),
		"INTERNAL_SECRET": c.InternalSecret.String(),

		"SCHEDULER":                 c.Scheduler,
		"DISCOVERY":                 c.Discovery,
		"WHATSAPP_ENGINE":           c.WhatsAppEngine,
		"SANDBOX_ENABLED":           strconv.FormatBool(c.SandboxEnabled),
		"SANDBOX_PAIR_DELAY":        c.SandboxPairDelay.String(),
		"SANDBOX_DELIVERY_DELAY":    c.SandboxDeliveryDelay.String(),
		"SANDBOX_READ_DELAY":        c.SandboxReadDelay.String(),
		"SANDBOX_HISTORY_MESSAGES":  strconv.Itoa(c.SandboxHistoryMessages),
		"HISTORY_SYNC_DAYS":         strconv.Itoa(c.HistorySyncDays),
		"INSTANCE_PORT_RANGE_START": strconv.Itoa(c.InstancePortRangeStart),
		"INSTANCE_PORT_RANGE_END":   strconv.Itoa(c.InstancePortRangeEnd),
		"MAX_INSTANCES_PER_USER":    strconv.Itoa(c.MaxInstancesPerUser),
		"SESSION_STORAGE_PATH":      c.SessionStoragePath,
		"MEDIA_STORAGE_PATH":        c.MediaStoragePath,
		"DOCKER_HOST":               c.DockerHost,
		"WHATSAPP_IMAGE":            c.WhatsAppImage,
		"WHATSAPP_WEB_VERSION":      c.WhatsAppWebVersion,
		"WHATSAPP_PROXY":            c.WhatsAppProxy.String(),
		"MEDIA_MAX_BYTES":           strconv.FormatInt(c.MediaMaxBytes, 10),
		"SEND_RATE_PER_MINUTE":      strconv.Itoa(c.SendRatePerMinute),
		"SEND_BURST":                strconv.Itoa(c.SendBurst),
		"SEND_JITTER":               c.SendJitter.String(),
		"SEND_TYPING_PREROLL":       c.SendTypingPreroll.String(),
		"AUDIO_CONVERTER":           strings.Join(c.AudioConverter, " "),
		"AUDIO_CONVERTER_TIMEOUT":   c.AudioConverterTimeout.String(),

		"RATE_LIMIT_WINDOW_MS":      strconv.FormatInt(c.RateLimitWindow.Milliseconds(), 10),
		"RATE_LIMIT_MAX_REQUESTS":   strconv.Itoa(c.RateLimitMaxRequests),
		"EVENT_STREAMS_PER_TENANT":  strconv.Itoa(c.EventStreamsPerTenant),
		"ENABLE_REGISTRATION":       strconv.FormatBool(c.EnableRegistration),
		"ENABLE_EMAIL_VERIFICATION": strconv.FormatBool(c.EnableEmailVerification),
		"ENABLE_WEBHOOKS":           strconv.FormatBool(c.EnableWebhooks),
		"ENABLE_API_KEYS":           strconv.FormatBool(c.EnableAPIKeys),

		"WEBHOOK_TIMEOUT":                c.WebhookTimeout.String(),
		"WEBHOOK_RETRY_SCHEDULE":         joinDurations(c.WebhookRetrySchedule),
		"WEBHOOK_DISABLE_AFTER":          c.WebhookDisableAfter.String(),
		"WEBHOOK_SECRET_GRACE":           c.WebhookSecretGrace.String(),
		"WEBHOOK_WORKERS":                strconv.Itoa(c.WebhookWorkers),
		"WEBHOOK_ENDPOINT_CONCURRENCY":   strconv.Itoa(c.WebhookEndpointConcurrency),
		"WEBHOOK_TENANT_CONCURRENCY":     strconv.Itoa(c.WebhookTenantConcurrency),
		"WEBHOOK_POLL_INTERVAL":          c.WebhookPollInterval.String(),
		"EVENT_RETENTION":                c.EventRetention.String(),
		"WEBHOOK_ALLOW_PRIVATE_NETWORKS": strconv.FormatBool(c.WebhookAllowPrivateNetworks),
		"WEBHOOK_DENY_NETWORKS":          strings.Join(c.WebhookDenyNetworks, ","),

		"SMTP_HOST":     c.SMTPHost,
		"SMTP_PORT":     strconv.Itoa(c.SMTPPort),
		"SMTP_USER":     c.SMTPUser,
		"SMTP_PASSWORD": c.SMTPPassword.String(),
		"SMTP_FROM":     c.SMTPFrom,
	}
	return m
}

// LogValue implements slog.LogValuer: logging a *Config logs its redacted
// view, one attribute per variable in name order.
func (c *Config) LogValue() slog.Value {
	m := c.Redacted()
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	attrs := make([]slog.Attr, len(names))
	for i, k := range names {
		attrs[i] = slog.String(k, m[k])
	}
	return slog.GroupValue(attrs...)
}

// passwordParams are query parameters that carry a password in database
// and Redis URLs.
var passwordParams = []string{"password", "pass", "sslpassword"}

// RedactURL returns a URL with its password, and any password query
// parameter, replaced by "[redacted]". A value that does not parse as a URL
// is redacted whole, since it may be a password pasted in the wrong place.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return redacted
	}
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	if u.User != nil {
		b.WriteString(url.PathEscape(u.User.Username()))
		if _, ok := u.User.Password(); ok {
			b.WriteString(":" + redacted)
		}
		b.WriteString("@")
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	if u.RawQuery != "" {
		q := u.Query()
		for _, p := range passwordParams {
			if q.Has(p) {
				q.Set(p, "REDACTED")
			}
		}
		b.WriteString("?")
		b.WriteString(strings.ReplaceAll(q.Encode(), "=REDACTED", "="+redacted))
	}
	return b.String()
}

// joinDurations writes a duration list back as its setting reads.
func joinDurations(list []time.Duration) string {
	parts := make([]string, len(list))
	for i, d := range list {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

// joinPrefixes writes a network list back as its setting reads.
func joinPrefixes(list []netip.Prefix) string {
	parts := make([]string, len(list))
	for i, p := range list {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}
