package config

// Setting documents one configuration variable: the README's table is
// generated from Docs, and Load takes its defaults from the same table, so
// the documented default is the one applied.
type Setting struct {
	Name string
	// Default is the value used when the variable is unset or empty. A
	// default that depends on another setting is written as a description
	// ("$DATA_DIR/sessions"); Load computes it.
	Default     string
	Description string
	// Secret settings may be given as NAME_FILE (a path whose content is
	// the value) and are never printed.
	Secret bool
}

// Seed examples that must never protect a production deployment.
const (
	// ExampleJWTSecret is the JWT_SECRET of the seed's .env example.
	ExampleJWTSecret = "your-super-secret-jwt-key-change-in-production"
)

// exampleSecrets are the secret values printed in the seed's documentation,
// refused in production wherever a secret is expected.
var exampleSecrets = []string{
	ExampleJWTSecret,
	"very-long-random-secret-key",
	"your-webhook-secret-key",
	"another-very-secure-secret",
	"redis123",
}

// settings is the one place defaults live.
var settings = []Setting{
	// Environment and HTTP.
	{"NODE_ENV", "development", "Environment name (the seed's name for it). `production` turns on strict checks: strong JWT secret, no default database password, no seed example secrets.", false},
	{"HOST", "", "Address the public API listens on (an IP address or a host name, such as `127.0.0.1` to keep it on loopback); empty listens on all interfaces.", false},
	{"PORT", "3000", "HTTP port of the public API (0 picks a free port).", false},
	{"API_VERSION", "v1", "Version segment of the API base path (`/api/v1`).", false},
	{"PUBLIC_URL", "", "Public base URL of the gateway, used in links (optional).", false},
	{"DATA_DIR", "./data", "Directory for the SQLite database, generated secrets, session and media files.", false},
	{"MAX_BODY_BYTES", "1MiB", "Largest request body accepted (bytes, or with a KB/KiB/MB/MiB/GB/GiB suffix).", false},
	{"SHUTDOWN_TIMEOUT", "20s", "How long a graceful shutdown may take; keep it below Nomad's kill_timeout.", false},
	{"LOG_FORMAT", "text (json when SCHEDULER=nomad)", "Log format: `text` or `json`.", false},
	{"LOG_LEVEL", "info", "Log level: `debug`, `info`, `warn` or `error`.", false},
	{"ENABLE_HTTPS", "false", "Serve HTTPS directly with SSL_CERT_PATH and SSL_KEY_PATH.", false},
	{"SSL_CERT_PATH", "", "TLS certificate (PEM), required when ENABLE_HTTPS=true.", false},
	{"SSL_KEY_PATH", "", "TLS private key (PEM), required when ENABLE_HTTPS=true.", false},
	{"TRUSTED_PROXIES", "", "Networks or addresses of the load balancers and reverse proxies in front of the gateway (comma-separated CIDRs). X-Forwarded-For is honoured only on connections from them, read from the right up to the first address outside them (the client), so per-address limits tell clients apart; empty trusts no one.", false},

	// Database.
	{"DATABASE_URL", "", "PostgreSQL URL (`postgres://user:pass@host:5432/db?sslmode=disable`). Built from DB_* when only those are set; SQLite in DATA_DIR when neither is set.", true},
	{"DB_HOST", "", "PostgreSQL host (seed name); setting it selects PostgreSQL.", false},
	{"DB_PORT", "5432", "PostgreSQL port.", false},
	{"DB_NAME", "whatsapp_saas", "PostgreSQL database name.", false},
	{"DB_USER", "postgres", "PostgreSQL user.", false},
	{"DB_PASSWORD", "", "PostgreSQL password.", true},
	{"DB_SSLMODE", "disable", "PostgreSQL sslmode used when DATABASE_URL is built from DB_*.", false},

	// Redis.
	{"REDIS_URL", "", "Redis URL (`redis://:pass@host:6379/0`). Built from REDIS_* when only those are set; in-process cache, rate limits and bus when neither is set.", true},
	{"REDIS_HOST", "", "Redis host (seed name); setting it selects Redis.", false},
	{"REDIS_PORT", "6379", "Redis port.", false},
	{"REDIS_PASSWORD", "", "Redis password.", true},

	// Authentication.
	{"JWT_SECRET", "", "HMAC key that signs access tokens (at least 32 bytes in production). Generated into DATA_DIR when unset outside production.", true},
	{"JWT_PREVIOUS_SECRET", "", "The previous JWT_SECRET, still accepted during a rotation.", true},
	{"JWT_EXPIRES_IN", "7d", "Token lifetime, Node `ms` style (`7d`, `12h`, `30m`, `45s`) or a number of seconds.", false},
	{"JWT_ISSUER", "whatsapp-gateway", "`iss` claim of issued tokens, checked on verification.", false},
	{"JWT_AUDIENCE", "whatsapp-gateway-api", "`aud` claim of issued tokens, checked on verification.", false},
	{"BCRYPT_ROUNDS", "12", "bcrypt cost of password hashes (4 to 31).", false},
	{"LOGIN_MAX_ATTEMPTS", "5", "Failed logins allowed for one account from one address within LOGIN_LOCKOUT; then that address is locked out of that account (not the owner elsewhere). One address gets 4 times as many across all accounts.", false},
	{"LOGIN_LOCKOUT", "15m", "Window of LOGIN_MAX_ATTEMPTS, and how long a lockout lasts.", false},
	{"LOGIN_LOCKOUT_ADDRESSES", "10", "Distinct addresses with failed logins for one account within LOGIN_LOCKOUT that lock the account itself (a distributed attack), from every address, for LOGIN_LOCKOUT.", false},
	{"STATUS_CACHE_TTL", "2s", "How long a gateway answers a session's live status (GET /sessions/{id}/status) and an instance's view from memory. Every change of the worker's state, QR code or queue (filled or emptied) and of the instance drops the copy on every gateway at once through the bus; this is the bound when a notice is lost, and the age of queue_depth and last_activity in between. 0 asks the worker on every read; at most 1m.", false},
	{"AUTH_CACHE_TTL", "2s", "How long a gateway keeps a verified token, an API key and its user in memory, so an authenticated request costs no lookup of them. Revocations, suspensions and plan changes reach every gateway at once through the bus; this is the bound when a notice is lost. 0 turns the cache off; at most 5m.", false},
	{"ADMIN_EMAIL", "", "Email of an admin account created or promoted at start (optional).", false},
	{"ADMIN_PASSWORD", "", "Password of the ADMIN_EMAIL account when it is created.", true},

	// Secrets of the product.
	{"SECRETS", "env", "Where signing secrets come from: `env` (environment, *_FILE, or generated into DATA_DIR) or `vault`.", false},
	{"WEBHOOK_SECRET", "", "Product-wide webhook signing secret. Generated into DATA_DIR when unset.", true},
	{"INTERNAL_SECRET", "", "Secret guarding the instance API between gateway and workers. Generated into DATA_DIR when unset; required with SCHEDULER=nomad in production.", true},

	// Workers and engines.
	{"SCHEDULER", "local", "Where session workers run: `local` (in this process) or `nomad` (one job per session).", false},
	{"DISCOVERY", "local", "How the gateway finds workers: `local`, `consul` or `nomad`.", false},
	{"WHATSAPP_ENGINE", "whatsmeow", "Engine of new sessions: `whatsmeow` (real WhatsApp) or `sandbox` (simulated network).", false},
	{"SANDBOX_ENABLED", "true (false when NODE_ENV=production)", "Offer the `sandbox` engine (a simulated WhatsApp network for tests and demos). Off: creating a sandbox session and the sandbox scan are refused.", false},
	{"SANDBOX_PAIR_DELAY", "3s", "Sandbox: time until a QR code is scanned by itself; 0 waits for a scan through the API.", false},
	{"SANDBOX_DELIVERY_DELAY", "1s", "Sandbox: time from sent to delivered.", false},
	{"SANDBOX_READ_DELAY", "3s", "Sandbox: time from sent to read.", false},
	{"HISTORY_SYNC_DAYS", "30", "Days of chat history stored from the history WhatsApp pushes after pairing (the sandbox seeds one); 0 stores none.", false},
	{"INSTANCE_PORT_RANGE_START", "4000", "First loopback port of local workers' instance API.", false},
	{"INSTANCE_PORT_RANGE_END", "4999", "Last loopback port of local workers' instance API.", false},
	{"MAX_INSTANCES_PER_USER", "5", "Running instances allowed per user, on top of plan limits.", false},
	{"SESSION_STORAGE_PATH", "$DATA_DIR/sessions", "Directory for per-session files.", false},
	{"MEDIA_STORAGE_PATH", "$DATA_DIR/media", "Directory for received and uploaded media.", false},
	{"DOCKER_HOST", "", "Docker daemon of the seed's container design; kept for compatibility, unused (workers run in process or on Nomad).", false},
	{"WHATSAPP_IMAGE", "whatsapp-instance:latest", "Container image of the per-session worker (Nomad docker driver).", false},
	{"WHATSAPP_WEB_VERSION", "", "WhatsApp Web version whatsmeow sessions present (`2.3000.1031080782`); empty keeps the built-in one. Set the current one when WhatsApp answers \"client outdated\" (405).", false},
	{"WHATSAPP_PROXY", "", "Default proxy for whatsmeow connections and media (`http://`, `https://` or `socks5://`), for sessions without their own `proxy`; empty follows HTTPS_PROXY.", true},
	{"MEDIA_MAX_BYTES", "64MiB", "Largest media file sent from a URL, or received and stored.", false},
	{"SEND_RATE_PER_MINUTE", "20", "Messages a session sends per minute once its burst is spent (pacing against bans); 0 turns pacing off.", false},
	{"SEND_BURST", "5", "Messages a session may send back to back before SEND_RATE_PER_MINUTE applies.", false},
	{"SEND_JITTER", "2s", "Largest random delay added to each paced send, so sends do not leave at machine-regular intervals.", false},
	{"SEND_TYPING_PREROLL", "0s", "How long a session shows \"typing…\" in a chat before sending a text; 0 turns it off.", false},

	// Limits and features.
	{"RATE_LIMIT_WINDOW_MS", "60000", "Window of the API rate limit, in milliseconds.", false},
	{"RATE_LIMIT_MAX_REQUESTS", "600", "Requests allowed per window and client, unless the plan says otherwise.", false},
	{"EVENT_STREAMS_PER_TENANT", "10", "Event streams (`GET /events` and QR streams together) a tenant may hold open at once; one more is answered 429. Counted per gateway process: behind a load balancer a tenant may hold this many on each gateway.", false},
	{"ENABLE_REGISTRATION", "true", "Allow anyone to register.", false},
	{"ENABLE_EMAIL_VERIFICATION", "false", "Require new users to verify their email (needs SMTP_HOST in production).", false},
	{"ENABLE_WEBHOOKS", "true", "Allow webhooks.", false},
	{"ENABLE_API_KEYS", "true", "Allow API keys.", false},

	// Webhook delivery.
	{"WEBHOOK_TIMEOUT", "15s", "Timeout of each webhook request; only a 2xx answer within it is a success.", false},
	{"WEBHOOK_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,10h", "Delays before each webhook retry (comma-separated, ±20% jitter); a delivery is abandoned after the last.", false},
	{"WEBHOOK_DISABLE_AFTER", "5d", "An endpoint failing every attempt for this long is disabled, with a webhook.disabled event; 0 never disables.", false},
	{"WEBHOOK_SECRET_GRACE", "24h", "After a secret rotation, how long the old secret still signs deliveries beside the new one.", false},
	{"WEBHOOK_WORKERS", "128", "Webhook requests in flight per gateway.", false},
	{"WEBHOOK_ENDPOINT_CONCURRENCY", "16", "Webhook requests in flight per endpoint and gateway, so a slow endpoint cannot take every worker.", false},
	{"WEBHOOK_TENANT_CONCURRENCY", "32", "Webhook requests in flight per tenant and gateway (at most WEBHOOK_WORKERS): a tenant whose endpoints are slow holds this share and no more, so other tenants' deliveries keep flowing. Keep it above WEBHOOK_ENDPOINT_CONCURRENCY so one slow endpoint leaves room for the tenant's others.", false},
	{"WEBHOOK_POLL_INTERVAL", "1s", "How often dispatchers read the outbox without a wake-up from the bus.", false},
	{"EVENT_RETENTION", "720h", "How long events and their webhook deliveries are kept (resumable streams, delivery logs, replays); deliveries still owed are kept until they end. 0 keeps everything.", false},
	{"WEBHOOK_ALLOW_PRIVATE_NETWORKS", "false", "Let webhook and media requests reach private, loopback and link-local addresses (local development and tests only).", false},
	{"WEBHOOK_DENY_NETWORKS", "", "More networks, addresses or address:port pairs outbound requests may never reach (comma-separated), such as the Consul, Nomad and Vault agents' node addresses.", false},

	// Email.
	{"SMTP_HOST", "", "SMTP server for outgoing email (verification).", false},
	{"SMTP_PORT", "587", "SMTP port.", false},
	{"SMTP_USER", "", "SMTP user name.", false},
	{"SMTP_PASSWORD", "", "SMTP password.", true},
	{"SMTP_FROM", "", "Sender address of outgoing email.", false},
}

var settingByName = func() map[string]Setting {
	m := make(map[string]Setting, len(settings))
	for _, s := range settings {
		m[s.Name] = s
	}
	return m
}()

// Docs lists every setting with its default and description, in the order
// the README shows them.
func Docs() []Setting {
	return append([]Setting(nil), settings...)
}
