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
	// ReadBy names the programs that read it: the gateway, the
	// per-session worker of the cluster shape (cmd/instance), or both.
	ReadBy Binary
}

// Binary is a set of the programs that read a setting.
type Binary uint8

// The programs.
const (
	// ByGateway is cmd/gateway.
	ByGateway Binary = 1 << iota
	// ByWorker is cmd/instance, the per-session worker Nomad runs in the
	// cluster shape (the job sets its settings; see internal/nomad).
	ByWorker
)

// String names the programs, as the README's table shows them.
func (b Binary) String() string {
	switch b {
	case ByGateway:
		return "gateway"
	case ByWorker:
		return "worker"
	case ByGateway | ByWorker:
		return "gateway, worker"
	}
	return "none"
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
	{"NODE_ENV", "development", "Environment name (the seed's name for it). `production` turns on strict checks: strong JWT secret, no default database password, no seed example secrets.", false, ByGateway | ByWorker},
	{"HOST", "", "Address the public API listens on (an IP address or a host name, such as `127.0.0.1` to keep it on loopback); empty listens on all interfaces.", false, ByGateway},
	{"PORT", "3000", "HTTP port of the public API (0 picks a free port). The worker listens on NOMAD_PORT_http when Nomad sets it, else on PORT, else on 8080.", false, ByGateway | ByWorker},
	{"API_VERSION", "v1", "Version segment of the API base path (`/api/v1`).", false, ByGateway},
	{"PUBLIC_URL", "", "Public base URL of the gateway, used in links (optional).", false, ByGateway},
	{"DATA_DIR", "./data", "Directory for the SQLite database, generated secrets, session and media files.", false, ByGateway | ByWorker},
	{"MAX_BODY_BYTES", "1MiB", "Largest request body accepted (bytes, or with a KB/KiB/MB/MiB/GB/GiB suffix).", false, ByGateway},
	{"SHUTDOWN_TIMEOUT", "20s", "How long a graceful shutdown may take; keep it below Nomad's kill_timeout.", false, ByGateway | ByWorker},
	{"LOG_FORMAT", "text (json when SCHEDULER=nomad, and in the worker)", "Log format: `text` or `json`.", false, ByGateway | ByWorker},
	{"LOG_LEVEL", "info", "Log level: `debug`, `info`, `warn` or `error`. At `info` every API request writes its access line, a write to stderr each (about a fifth of a cached read's CPU, see docs/benchmarks.md); `warn` keeps only warnings and errors.", false, ByGateway | ByWorker},
	{"ENABLE_HTTPS", "false", "Serve HTTPS directly with SSL_CERT_PATH and SSL_KEY_PATH.", false, ByGateway},
	{"SSL_CERT_PATH", "", "TLS certificate (PEM), required when ENABLE_HTTPS=true.", false, ByGateway},
	{"SSL_KEY_PATH", "", "TLS private key (PEM), required when ENABLE_HTTPS=true.", false, ByGateway},
	{"TRUSTED_PROXIES", "", "Networks or addresses of the load balancers and reverse proxies in front of the gateway (comma-separated CIDRs). X-Forwarded-For is honoured only on connections from them, read from the right up to the first address outside them (the client), so per-address limits tell clients apart; empty trusts no one.", false, ByGateway},

	// Database.
	{"DATABASE_URL", "", "PostgreSQL URL (`postgres://user:pass@host:5432/db?sslmode=disable`). Built from DB_* when only those are set; SQLite in DATA_DIR when neither is set. The worker needs it (or SQLITE_PATH); its job renders it from the template.", true, ByGateway | ByWorker},
	{"DB_HOST", "", "PostgreSQL host (seed name); setting it selects PostgreSQL.", false, ByGateway},
	{"DB_PORT", "5432", "PostgreSQL port.", false, ByGateway},
	{"DB_NAME", "whatsapp_saas", "PostgreSQL database name.", false, ByGateway},
	{"DB_USER", "postgres", "PostgreSQL user.", false, ByGateway},
	{"DB_PASSWORD", "", "PostgreSQL password.", true, ByGateway},
	{"DB_SSLMODE", "disable", "PostgreSQL sslmode used when DATABASE_URL is built from DB_*.", false, ByGateway},

	// Redis.
	{"REDIS_URL", "", "Redis URL (`redis://:pass@host:6379/0`). Built from REDIS_* when only those are set; in-process cache, rate limits and bus when neither is set. In the worker: the bus its events and status notices go out on (empty: in-process, for tests).", true, ByGateway | ByWorker},
	{"REDIS_HOST", "", "Redis host (seed name); setting it selects Redis.", false, ByGateway},
	{"REDIS_PORT", "6379", "Redis port.", false, ByGateway},
	{"REDIS_PASSWORD", "", "Redis password.", true, ByGateway},

	// Authentication.
	{"JWT_SECRET", "", "HMAC key that signs access tokens (at least 32 bytes in production). Generated into DATA_DIR when unset outside production.", true, ByGateway},
	{"JWT_PREVIOUS_SECRET", "", "The previous JWT_SECRET, still accepted during a rotation.", true, ByGateway},
	{"JWT_EXPIRES_IN", "7d", "Token lifetime, Node `ms` style (`7d`, `12h`, `30m`, `45s`) or a number of seconds.", false, ByGateway},
	{"JWT_ISSUER", "whatsapp-gateway", "`iss` claim of issued tokens, checked on verification.", false, ByGateway},
	{"JWT_AUDIENCE", "whatsapp-gateway-api", "`aud` claim of issued tokens, checked on verification.", false, ByGateway},
	{"BCRYPT_ROUNDS", "12", "bcrypt cost of password hashes (4 to 31).", false, ByGateway},
	{"LOGIN_MAX_ATTEMPTS", "5", "Failed logins allowed for one account from one address within LOGIN_LOCKOUT; then that address is locked out of that account (not the owner elsewhere). One address gets 4 times as many across all accounts.", false, ByGateway},
	{"LOGIN_LOCKOUT", "15m", "Window of LOGIN_MAX_ATTEMPTS, and how long a lockout lasts.", false, ByGateway},
	{"LOGIN_LOCKOUT_ADDRESSES", "10", "Distinct addresses with failed logins for one account within LOGIN_LOCKOUT that lock the account itself (a distributed attack), from every address, for LOGIN_LOCKOUT.", false, ByGateway},
	{"STATUS_CACHE_TTL", "2s", "How long a gateway answers a session (GET /sessions/{id}), its live status (GET /sessions/{id}/status) and an instance's view from memory. Every write of the session (an edit, a worker's report, a history batch, the delete), every change of the worker's state, QR code or queue (filled or emptied) and of the instance drops the copy on every gateway at once through the bus; this is the bound when a notice is lost, and the age of queue_depth and last_activity in between. 0 asks the worker on every read; at most 1m.", false, ByGateway},
	{"AUTH_CACHE_TTL", "2s", "How long a gateway keeps a verified token, an API key and its user in memory, so an authenticated request costs no lookup of them. Revocations, suspensions and plan changes reach every gateway at once through the bus; this is the bound when a notice is lost. 0 turns the cache off; at most 5m.", false, ByGateway},
	{"ADMIN_EMAIL", "", "Email of an admin account created or promoted at start (optional).", false, ByGateway},
	{"ADMIN_PASSWORD", "", "Password of the ADMIN_EMAIL account when it is created.", true, ByGateway},

	// Secrets of the product.
	{"SECRETS", "env", "Where signing secrets come from: `env` (environment, *_FILE, or generated into DATA_DIR) or `vault`.", false, ByGateway},
	{"WEBHOOK_SECRET", "", "Product-wide webhook signing secret. Generated into DATA_DIR when unset.", true, ByGateway},
	{"INTERNAL_SECRET", "", "Secret guarding the instance API between gateway and workers. Generated into DATA_DIR when unset; required with SCHEDULER=nomad in production. The worker requires it; there INTERNAL_SECRET_FILE is read again on every request, so a rotation rendered by the template needs no restart.", true, ByGateway | ByWorker},

	// Workers and engines.
	{"SCHEDULER", "local", "Where session workers run: `local` (in this process) or `nomad` (one job per session).", false, ByGateway},
	{"DISCOVERY", "local", "How the gateway finds workers: `local`, `consul` or `nomad`.", false, ByGateway},
	{"WHATSAPP_ENGINE", "whatsmeow", "Engine of new sessions: `whatsmeow` (real WhatsApp) or `sandbox` (simulated network).", false, ByGateway},
	{"SANDBOX_ENABLED", "true (false when NODE_ENV=production)", "Offer the `sandbox` engine (a simulated WhatsApp network for tests and demos). Off: creating a sandbox session and the sandbox scan are refused.", false, ByGateway | ByWorker},
	{"SANDBOX_PAIR_DELAY", "3s", "Sandbox: time until a QR code is scanned by itself; 0 waits for a scan through the API.", false, ByGateway | ByWorker},
	{"SANDBOX_DELIVERY_DELAY", "1s", "Sandbox: time from sent to delivered.", false, ByGateway | ByWorker},
	{"SANDBOX_READ_DELAY", "3s", "Sandbox: time from sent to read.", false, ByGateway | ByWorker},
	{"SANDBOX_HISTORY_MESSAGES", "60", "Sandbox: messages in the history seeded on pairing (spread over six chats within HISTORY_SYNC_DAYS); load tests raise it.", false, ByGateway | ByWorker},
	{"HISTORY_SYNC_DAYS", "30", "Days of chat history stored from the history WhatsApp pushes after pairing (the sandbox seeds one); 0 stores none.", false, ByGateway | ByWorker},
	{"INSTANCE_PORT_RANGE_START", "4000", "First loopback port of local workers' instance API.", false, ByGateway},
	{"INSTANCE_PORT_RANGE_END", "4999", "Last loopback port of local workers' instance API.", false, ByGateway},
	{"MAX_INSTANCES_PER_USER", "5", "Running instances allowed per user, on top of plan limits.", false, ByGateway},
	{"SESSION_STORAGE_PATH", "$DATA_DIR/sessions", "Directory for per-session files.", false, ByGateway},
	{"MEDIA_STORAGE_PATH", "$DATA_DIR/media", "Directory for received and uploaded media.", false, ByGateway | ByWorker},
	{"DOCKER_HOST", "", "Docker daemon of the seed's container design; kept for compatibility, unused (workers run in process or on Nomad).", false, ByGateway},
	{"WHATSAPP_IMAGE", "whatsapp-instance:latest", "Container image of the per-session worker (Nomad docker driver).", false, ByGateway},
	{"WHATSAPP_WEB_VERSION", "", "WhatsApp Web version whatsmeow sessions present (`2.3000.1031080782`); empty keeps the built-in one. Set the current one when WhatsApp answers \"client outdated\" (405).", false, ByGateway | ByWorker},
	{"WHATSAPP_PROXY", "", "Default proxy for whatsmeow connections and media (`http://`, `https://` or `socks5://`), for sessions without their own `proxy`; empty follows HTTPS_PROXY.", true, ByGateway | ByWorker},
	{"MEDIA_MAX_BYTES", "64MiB", "Largest media file sent from a URL, or received and stored.", false, ByGateway | ByWorker},
	{"SEND_RATE_PER_MINUTE", "20", "Messages a session sends per minute once its burst is spent (pacing against bans); 0 turns pacing off.", false, ByGateway | ByWorker},
	{"SEND_BURST", "5", "Messages a session may send back to back before SEND_RATE_PER_MINUTE applies.", false, ByGateway | ByWorker},
	{"SEND_JITTER", "2s", "Largest random delay added to each paced send, so sends do not leave at machine-regular intervals.", false, ByGateway | ByWorker},
	{"SEND_TYPING_PREROLL", "0s", "How long a session shows \"typing…\" in a chat before sending a text; 0 turns it off.", false, ByGateway | ByWorker},
	{"AUDIO_CONVERTER", "", "Command that converts a voice note (`message_type` audio with `voice`) sent as other audio, as data or by URL (fetched by the gateway), to Ogg/Opus, run without a shell: `{in}` and `{out}` are the input file and the `.ogg` to write, such as `ffmpeg -nostdin -v error -i {in} -c:a libopus -b:a 32k -ac 1 {out}`. Empty: such a voice note is refused with 422 saying to set this.", false, ByGateway},
	{"AUDIO_CONVERTER_TIMEOUT", "60s", "Longest one AUDIO_CONVERTER run may take; past it the converter (and its process group) is killed and the send refused with 422.", false, ByGateway},

	// Limits and features.
	{"RATE_LIMIT_WINDOW_MS", "60000", "Window of the API rate limit, in milliseconds.", false, ByGateway},
	{"RATE_LIMIT_MAX_REQUESTS", "600", "Requests allowed per window and client, unless the plan says otherwise.", false, ByGateway},
	{"EVENT_STREAMS_PER_TENANT", "10", "Event streams (`GET /events` and QR streams together) a tenant may hold open at once; one more is answered 429. Counted per gateway process: behind a load balancer a tenant may hold this many on each gateway.", false, ByGateway},
	{"ENABLE_REGISTRATION", "true", "Allow anyone to register.", false, ByGateway},
	{"ENABLE_EMAIL_VERIFICATION", "false", "Require new users to verify their email (needs SMTP_HOST in production).", false, ByGateway},
	{"ENABLE_WEBHOOKS", "true", "Allow webhooks.", false, ByGateway},
	{"ENABLE_API_KEYS", "true", "Allow API keys.", false, ByGateway},

	// Webhook delivery.
	{"WEBHOOK_TIMEOUT", "15s", "Timeout of each webhook request; only a 2xx answer within it is a success.", false, ByGateway},
	{"WEBHOOK_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,10h", "Delays before each webhook retry (comma-separated, ±20% jitter); a delivery is abandoned after the last.", false, ByGateway},
	{"WEBHOOK_DISABLE_AFTER", "5d", "An endpoint failing every attempt for this long is disabled, with a webhook.disabled event; 0 never disables.", false, ByGateway},
	{"WEBHOOK_SECRET_GRACE", "24h", "After a secret rotation, how long the old secret still signs deliveries beside the new one.", false, ByGateway},
	{"WEBHOOK_WORKERS", "128", "Webhook requests in flight per gateway.", false, ByGateway},
	{"WEBHOOK_ENDPOINT_CONCURRENCY", "16", "Webhook requests in flight per endpoint and gateway, so a slow endpoint cannot take every worker.", false, ByGateway},
	{"WEBHOOK_TENANT_CONCURRENCY", "32", "Webhook requests in flight per tenant and gateway (at most WEBHOOK_WORKERS): a tenant whose endpoints are slow holds this share and no more, so other tenants' deliveries keep flowing. Keep it above WEBHOOK_ENDPOINT_CONCURRENCY so one slow endpoint leaves room for the tenant's others.", false, ByGateway},
	{"WEBHOOK_POLL_INTERVAL", "1s", "How often dispatchers read the outbox without a wake-up from the bus.", false, ByGateway},
	{"EVENT_RETENTION", "720h", "How long events and their webhook deliveries are kept (resumable streams, delivery logs, replays); deliveries still owed are kept until they end. 0 keeps everything.", false, ByGateway},
	{"WEBHOOK_ALLOW_PRIVATE_NETWORKS", "false", "Let webhook and media requests reach private, loopback and link-local addresses (local development and tests only).", false, ByGateway | ByWorker},
	{"WEBHOOK_DENY_NETWORKS", "", "More networks, addresses or address:port pairs outbound requests may never reach (comma-separated), such as the Consul, Nomad and Vault agents' node addresses.", false, ByGateway | ByWorker},

	// Email.
	{"SMTP_HOST", "", "SMTP server for outgoing email (verification).", false, ByGateway},
	{"SMTP_PORT", "587", "SMTP port.", false, ByGateway},
	{"SMTP_USER", "", "SMTP user name.", false, ByGateway},
	{"SMTP_PASSWORD", "", "SMTP password.", true, ByGateway},
	{"SMTP_FROM", "", "Sender address of outgoing email.", false, ByGateway},
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
