package config

import (
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Engines are the settings of what a session runs on: its engines, its
// send pacing and the guard of the URLs it fetches. The gateway (Config)
// and the per-session worker (Worker) embed them and read them with the
// same loader, so a session behaves the same embedded and on Nomad.
type Engines struct {
	// SandboxEnabled is SANDBOX_ENABLED (default true, false when NODE_ENV=production).
	SandboxEnabled bool
	// SandboxPairDelay is SANDBOX_PAIR_DELAY (default 3s; 0 waits for a scan through the API).
	SandboxPairDelay time.Duration
	// SandboxDeliveryDelay is SANDBOX_DELIVERY_DELAY (default 1s).
	SandboxDeliveryDelay time.Duration
	// SandboxReadDelay is SANDBOX_READ_DELAY (default 3s).
	SandboxReadDelay time.Duration
	// SandboxHistoryMessages is SANDBOX_HISTORY_MESSAGES (default 60): the
	// size of the history the sandbox seeds on pairing.
	SandboxHistoryMessages int
	// HistorySyncDays is HISTORY_SYNC_DAYS (default 30; 0 stores no history).
	HistorySyncDays int
	// MediaStoragePath is MEDIA_STORAGE_PATH (default DATA_DIR/media).
	MediaStoragePath string
	// WhatsAppWebVersion is WHATSAPP_WEB_VERSION (default none: whatsmeow's own).
	WhatsAppWebVersion string
	// WhatsAppProxy is WHATSAPP_PROXY (default none: HTTPS_PROXY is followed).
	WhatsAppProxy Secret
	// MediaMaxBytes is MEDIA_MAX_BYTES (default 64 MiB).
	MediaMaxBytes int64
	// SendRatePerMinute is SEND_RATE_PER_MINUTE (default 20; 0 turns pacing
	// off), SendBurst SEND_BURST (default 5), SendJitter SEND_JITTER
	// (default 2s) and SendTypingPreroll SEND_TYPING_PREROLL (default 0: off).
	SendRatePerMinute int
	SendBurst         int
	SendJitter        time.Duration
	SendTypingPreroll time.Duration
	// WebhookAllowPrivateNetworks is WEBHOOK_ALLOW_PRIVATE_NETWORKS
	// (default false) and WebhookDenyNetworks WEBHOOK_DENY_NETWORKS, split
	// on commas (default none): the SSRF guard of webhooks and media URLs.
	WebhookAllowPrivateNetworks bool
	WebhookDenyNetworks         []string
}

// maxSandboxHistory bounds SANDBOX_HISTORY_MESSAGES: the sandbox builds
// its seeded history in memory at pairing.
const maxSandboxHistory = 1_000_000

// engines reads the Engines settings; the media directory's default is
// under dataDir, and the sandbox is off by default in production.
func (l *loader) engines(dataDir string, production bool) Engines {
	e := Engines{
		SandboxEnabled:              !production,
		SandboxPairDelay:            l.duration("SANDBOX_PAIR_DELAY"),
		SandboxDeliveryDelay:        l.duration("SANDBOX_DELIVERY_DELAY"),
		SandboxReadDelay:            l.duration("SANDBOX_READ_DELAY"),
		SandboxHistoryMessages:      l.int("SANDBOX_HISTORY_MESSAGES"),
		HistorySyncDays:             l.int("HISTORY_SYNC_DAYS"),
		MediaStoragePath:            l.raw("MEDIA_STORAGE_PATH"),
		WhatsAppWebVersion:          l.str("WHATSAPP_WEB_VERSION"),
		WhatsAppProxy:               l.secret("WHATSAPP_PROXY"),
		MediaMaxBytes:               l.size("MEDIA_MAX_BYTES"),
		SendRatePerMinute:           l.int("SEND_RATE_PER_MINUTE"),
		SendBurst:                   l.int("SEND_BURST"),
		SendJitter:                  l.duration("SEND_JITTER"),
		SendTypingPreroll:           l.duration("SEND_TYPING_PREROLL"),
		WebhookAllowPrivateNetworks: l.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS"),
		WebhookDenyNetworks:         splitList(l.str("WEBHOOK_DENY_NETWORKS")),
	}
	if e.MediaStoragePath == "" {
		e.MediaStoragePath = filepath.Join(dataDir, "media")
	}
	if l.raw("SANDBOX_ENABLED") != "" {
		e.SandboxEnabled = l.bool("SANDBOX_ENABLED")
	}
	return e
}

// validate checks the engine, pacing and outbound settings.
func (e *Engines) validate(v *validator) {
	for name, d := range map[string]time.Duration{
		"SANDBOX_PAIR_DELAY":     e.SandboxPairDelay,
		"SANDBOX_DELIVERY_DELAY": e.SandboxDeliveryDelay,
		"SANDBOX_READ_DELAY":     e.SandboxReadDelay,
	} {
		if d < 0 {
			v.add(name, "must not be negative")
		}
	}
	if e.SandboxHistoryMessages < 1 || e.SandboxHistoryMessages > maxSandboxHistory {
		v.add("SANDBOX_HISTORY_MESSAGES", "must be between 1 and %d, got %d", maxSandboxHistory, e.SandboxHistoryMessages)
	}
	if e.HistorySyncDays < 0 {
		v.add("HISTORY_SYNC_DAYS", "must not be negative (0 stores no history)")
	}
	if e.MediaStoragePath == "" {
		v.add("MEDIA_STORAGE_PATH", "must not be empty")
	}
	if e.WhatsAppWebVersion != "" {
		parts := strings.Split(e.WhatsAppWebVersion, ".")
		ok, sum := len(parts) == 3, uint64(0)
		for _, p := range parts {
			n, err := strconv.ParseUint(p, 10, 32)
			ok, sum = ok && err == nil, sum+n
		}
		if !ok || sum == 0 {
			v.add("WHATSAPP_WEB_VERSION", "must be three dot-separated numbers such as 2.3000.1031080782, got %q", e.WhatsAppWebVersion)
		}
	}
	if p := e.WhatsAppProxy.Value(); p != "" {
		u, err := url.Parse(p)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "socks5") {
			v.add("WHATSAPP_PROXY", "must be an http://, https:// or socks5:// URL")
		}
	}
	if e.MediaMaxBytes <= 0 {
		v.add("MEDIA_MAX_BYTES", "must be positive")
	}
	if e.SendRatePerMinute < 0 {
		v.add("SEND_RATE_PER_MINUTE", "must not be negative, got %d", e.SendRatePerMinute)
	}
	if e.SendBurst < 1 {
		v.add("SEND_BURST", "must be at least 1, got %d", e.SendBurst)
	}
	if e.SendJitter < 0 {
		v.add("SEND_JITTER", "must not be negative")
	}
	if e.SendTypingPreroll < 0 || e.SendTypingPreroll > time.Minute {
		v.add("SEND_TYPING_PREROLL", "must be between 0 and 1m, got %v", e.SendTypingPreroll)
	}
	for _, s := range e.WebhookDenyNetworks {
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddrPort(s); err == nil {
			continue
		}
		v.add("WEBHOOK_DENY_NETWORKS", "%q is not a network, an address or an address:port", s)
	}
}
