// Package engines builds what a session runs on: the engine factories
// (the sandbox and whatsmeow), the media fetcher whatsmeow sends URLs
// through, the link previews, and the send pacing, from one set of
// settings. The embedded
// gateway and the per-session worker binary both wire their sessions here,
// so a session behaves, and its media URLs are guarded, the same in both
// shapes.
package engines

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/linkpreview"
	"github.com/whatsapp-saas/gateway/internal/pacing"
	"github.com/whatsapp-saas/gateway/internal/sandbox"
	"github.com/whatsapp-saas/gateway/internal/ssrf"
	"github.com/whatsapp-saas/gateway/internal/whatsmeow"
	"github.com/whatsapp-saas/gateway/internal/worker"
)

// MediaFetchTimeout bounds one fetch of a media URL.
const MediaFetchTimeout = 2 * time.Minute

// Settings are the engine settings, under the gateway's names.
type Settings struct {
	// SandboxEnabled is SANDBOX_ENABLED: without it there is no sandbox engine.
	SandboxEnabled bool
	// SANDBOX_PAIR_DELAY, SANDBOX_DELIVERY_DELAY, SANDBOX_READ_DELAY.
	SandboxPairDelay, SandboxDeliveryDelay, SandboxReadDelay time.Duration
	// HistorySyncDays is HISTORY_SYNC_DAYS: days of history stored after
	// pairing (0: none).
	HistorySyncDays int
	// SandboxHistoryMessages is SANDBOX_HISTORY_MESSAGES: the size of the
	// history the sandbox seeds on pairing.
	SandboxHistoryMessages int
	// WebVersion is WHATSAPP_WEB_VERSION (empty: whatsmeow's own).
	WebVersion string
	// Proxy is WHATSAPP_PROXY (it may hold credentials).
	Proxy string
	// MediaDir is MEDIA_STORAGE_PATH and MediaMaxBytes MEDIA_MAX_BYTES.
	MediaDir      string
	MediaMaxBytes int64
	// SEND_RATE_PER_MINUTE (0: no pacing), SEND_BURST, SEND_JITTER,
	// SEND_TYPING_PREROLL.
	SendRatePerMinute int
	SendBurst         int
	SendJitter        time.Duration
	SendTypingPreroll time.Duration
}

// FromConfig is the engine settings of a configuration: the gateway's
// (config.Config) and the worker's (config.Worker) embed the same
// config.Engines, so both shapes build their sessions from one mapping.
func FromConfig(e config.Engines) Settings {
	return Settings{
		SandboxEnabled:   e.SandboxEnabled,
		SandboxPairDelay: e.SandboxPairDelay, SandboxDeliveryDelay: e.SandboxDeliveryDelay, SandboxReadDelay: e.SandboxReadDelay,
		HistorySyncDays: e.HistorySyncDays, SandboxHistoryMessages: e.SandboxHistoryMessages,
		WebVersion: e.WhatsAppWebVersion, Proxy: e.WhatsAppProxy.Value(),
		MediaDir: e.MediaStoragePath, MediaMaxBytes: e.MediaMaxBytes,
		SendRatePerMinute: e.SendRatePerMinute, SendBurst: e.SendBurst, SendJitter: e.SendJitter,
		SendTypingPreroll: e.SendTypingPreroll,
	}
}

// Guard is the SSRF guard of requests to customer URLs (webhooks and
// media URLs), configured by the WEBHOOK_* settings; the addresses of the
// HashiCorp agents the process knows (agents, empty ones skipped) are
// refused whatever those settings say.
func Guard(ctx context.Context, e config.Engines, agents []string, log *slog.Logger) (*ssrf.Guard, error) {
	return ssrf.Configure(ctx, ssrf.Settings{AllowPrivate: e.WebhookAllowPrivateNetworks, Deny: e.WebhookDenyNetworks, Agents: agents}, log)
}

// Deps are what the engines run against. Guard is the product's SSRF
// guard (ssrf.Configure), which media URLs are fetched through.
type Deps struct {
	Store  gateway.Store
	Bus    gateway.Bus
	Guard  *ssrf.Guard
	Logger *slog.Logger
}

// Factories returns the engine factories by name: the sandbox on the bus,
// and whatsmeow with its device keys in the store's own database.
func Factories(s Settings, d Deps) (map[string]gateway.EngineFactory, error) {
	if d.Guard == nil {
		return nil, fmt.Errorf("engines: no SSRF guard")
	}
	withDB, ok := d.Store.(interface{ DB() *sql.DB })
	if !ok {
		return nil, fmt.Errorf("the %s store does not expose its database for whatsmeow", d.Store.Dialect())
	}
	dialect := whatsmeow.DialectSQLite
	if d.Store.Dialect() == "postgres" {
		dialect = whatsmeow.DialectPostgres
	}
	devices, err := whatsmeow.NewDeviceStore(withDB.DB(), dialect, d.Logger)
	if err != nil {
		return nil, fmt.Errorf("whatsmeow device store: %w", err)
	}
	if err := whatsmeow.SetWebVersion(s.WebVersion); err != nil {
		return nil, err
	}
	if d.Logger != nil {
		d.Logger.Debug("whatsmeow engine", "web_version", whatsmeow.WebVersion())
	}
	out := map[string]gateway.EngineFactory{
		gateway.EngineWhatsmeow: whatsmeow.Factory(whatsmeow.Options{
			Store:         devices,
			Fetcher:       MediaFetcher(d.Guard),
			MediaDir:      s.MediaDir,
			MaxMediaBytes: s.MediaMaxBytes,
			Proxy:         s.Proxy,
			HistoryDays:   s.HistorySyncDays,
		}),
	}
	if s.SandboxEnabled {
		// The sandbox's groups are kept in the store, so a tenant's
		// sandbox sessions in every process share them.
		groups, ok := d.Store.(sandbox.GroupBook)
		if !ok {
			return nil, fmt.Errorf("the %s store cannot keep sandbox groups", d.Store.Dialect())
		}
		accounts, ok := d.Store.(sandbox.AccountBook)
		if !ok {
			return nil, fmt.Errorf("the %s store cannot keep sandbox accounts", d.Store.Dialect())
		}
		// Sandbox traffic stays within a tenant: the directory says which
		// numbers are the tenant's own sandbox sessions.
		out[gateway.EngineSandbox] = sandbox.Factory(sandbox.Options{
			PairDelay: s.SandboxPairDelay, DeliveryDelay: s.SandboxDeliveryDelay, ReadDelay: s.SandboxReadDelay,
			HistoryDays: s.HistorySyncDays, HistoryMessages: s.SandboxHistoryMessages,
			Network: sandbox.NewBusNetwork(d.Bus), Directory: sandbox.StoreDirectory{Sessions: d.Store}, Groups: groups,
			Accounts: accounts,
		})
	}
	return out, nil
}

// LinkPreviews is the maker of the link previews a session's worker puts
// on its texts: pages and pictures fetched through the same SSRF guard as
// media URLs and webhooks.
func LinkPreviews(guard *ssrf.Guard) *linkpreview.Maker {
	return linkpreview.New(MediaFetcher(guard))
}

// MediaFetcher is the fetcher of outbound media URLs: customer URLs,
// dialled through the same SSRF guard as webhooks.
func MediaFetcher(guard *ssrf.Guard) *ssrf.Fetcher {
	return guard.Fetcher(MediaFetchTimeout)
}

// Pacer is one session's send pacing, nil when pacing is off. Sandbox
// sessions are not paced: pacing guards real numbers against bans, and
// the sandbox bans nobody.
func (s Settings) Pacer(engine string) worker.Pacer {
	if s.SendRatePerMinute <= 0 || engine == gateway.EngineSandbox {
		return nil
	}
	return pacing.New(pacing.Config{RatePerMinute: s.SendRatePerMinute, Burst: s.SendBurst, Jitter: s.SendJitter})
}

// TypingPreroll is SEND_TYPING_PREROLL for real sessions, 0 for the sandbox.
func (s Settings) TypingPreroll(engine string) time.Duration {
	if engine == gateway.EngineSandbox {
		return 0
	}
	return s.SendTypingPreroll
}
