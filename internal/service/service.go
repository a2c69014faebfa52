// Package service holds the gateway's use cases: accounts, sessions,
// instances, messages, webhooks, API keys and analytics, on top of the
// domain interfaces. Every method that touches a tenant's data takes the
// tenant's user id explicitly; the HTTP layer only decodes and renders.
package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/convert"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/instanceapi"
	"github.com/whatsapp-saas/gateway/internal/livecache"
)

// Settings are the configuration values the use cases read.
type Settings struct {
	BcryptRounds        int
	DefaultEngine       string
	Engines             []string // engines this build and configuration can run
	MaxInstancesPerUser int
	EnableRegistration  bool
	EnableAPIKeys       bool
	// EnableEmailVerification makes new accounts verify their email before sending.
	EnableEmailVerification bool
	// PublicURL is where users reach the API, for links in mail.
	PublicURL      string
	EnableWebhooks bool
	// WebhookSecretGrace is how long a rotated-out webhook secret still signs (24h when zero).
	WebhookSecretGrace time.Duration
	// LoginMaxAttempts failures for one account from one address within
	// LoginLockout lock that pair; failures from LoginLockoutAddresses
	// addresses lock the account (see lockout.go).
	LoginMaxAttempts      int
	LoginLockout          time.Duration
	LoginLockoutAddresses int
	Mode                  string // "embedded" or "cluster"
	Version               string
	// MediaDir is MEDIA_STORAGE_PATH, where received media is kept.
	MediaDir string
	// MediaOnWorkers: received media is kept on the workers' nodes (the
	// cluster), so a file missing under MediaDir is asked of the worker.
	MediaOnWorkers bool
	// SendCheckTTL is how long a session found ready to send (the
	// tenant's, not logged out, with a live instance) is taken as such
	// without asking the store again (STATUS_CACHE_TTL; 0: every send
	// asks). Every change of the session or its instances drops it at once
	// (ForgetSession, through the sessions.changed notices).
	SendCheckTTL time.Duration
	// PlanCacheTTL is how long a plan read is kept (2 s when zero; negative:
	// not kept). An admin's edit drops every kept plan at once, here and on
	// the other gateways (Changes.PlanChanged, the plans.changed notice).
	PlanCacheTTL time.Duration
	// DefaultProxy is WHATSAPP_PROXY, the proxy of whatsmeow sessions
	// without their own; only its masked form is ever answered.
	DefaultProxy string
	// Voice is the converter of voice notes given as other audio
	// (AUDIO_CONVERTER); nil or empty: such a voice note is refused with a
	// sentence saying what to configure.
	Voice *convert.Voice
}

// Workers is the part of the instance API client the use cases need.
type Workers interface {
	Status(ctx context.Context, ep gateway.Endpoint) (*instanceapi.Status, error)
	QR(ctx context.Context, ep gateway.Endpoint) (*instanceapi.QR, error)
	PairCode(ctx context.Context, ep gateway.Endpoint, phone string) (string, error)
	Scan(ctx context.Context, ep gateway.Endpoint, phone string) (*instanceapi.Status, error)
	Send(ctx context.Context, ep gateway.Endpoint, messageID string) error
	Logout(ctx context.Context, ep gateway.Endpoint) (*instanceapi.Status, error)
	Media(ctx context.Context, ep gateway.Endpoint, rel string) (*instanceapi.MediaBody, error)
}

// Stores are the entity stores the use cases read and write, one field per
// concern, so each use case names what it touches (s.users, s.sessions,
// s.deliveries ...) and a test can hand a concern its own fake. The
// lifecycle (Ping, Dialect, Close) stays with the composition root.
// StoresOf fills every field from one database.
type Stores struct {
	Users      gateway.UserStore
	APIKeys    gateway.APIKeyStore
	Sessions   gateway.SessionStore
	Instances  gateway.InstanceStore
	Messages   gateway.MessageStore
	Polls      gateway.PollStore
	Receipts   gateway.ReceiptStore
	Events     gateway.EventStore
	Webhooks   gateway.WebhookStore
	Deliveries gateway.DeliveryStore
	// SaaS keeps plans' subscriptions, the audit log, quota counters,
	// idempotency records, usage and one-time tokens.
	SaaS       gateway.SaaSStore
	AccountOps gateway.AccountOperationStore
	Chats      gateway.ChatStore
	Labels     gateway.LabelStore
}

// StoresOf returns every concern's store from the one database st.
func StoresOf(st gateway.Store) Stores {
	return Stores{
		Users: st, APIKeys: st, Sessions: st, Instances: st, Messages: st, Polls: st, Receipts: st, Events: st,
		Webhooks: st, Deliveries: st, SaaS: st, AccountOps: st, Chats: st, Labels: st,
	}
}

// Service is the gateway's use cases.
type Service struct {
	// One store per concern (see Stores).
	users      gateway.UserStore
	apiKeys    gateway.APIKeyStore
	sessions   gateway.SessionStore
	instances  gateway.InstanceStore
	messages   gateway.MessageStore
	polls      gateway.PollStore
	receipts   gateway.ReceiptStore
	events     gateway.EventStore
	webhooks   gateway.WebhookStore
	deliveries gateway.DeliveryStore
	saasStore  gateway.SaaSStore
	accountOps gateway.AccountOperationStore
	chats      gateway.ChatStore
	labels     gateway.LabelStore

	cache     gateway.Cache
	scheduler gateway.Scheduler
	registry  gateway.Registry
	workers   Workers
	tokens    *auth.Tokens
	log       *slog.Logger
	cfg       Settings
	now       func() time.Time
	// bg is the server's lifetime context, for work a request starts but
	// must not cancel when the client goes away.
	bg      context.Context
	sends   *sendBatcher
	nudges  *nudger
	saas    saasState
	guard   URLGuard
	media   MediaFetcher
	changes Changes
	// sendable holds, by session id, the sessions found ready to send
	// (the value is the session's stored id), for SendCheckTTL.
	sendable *livecache.Cache[sendTarget]
}

// Deps are the adapters a Service is built from.
type Deps struct {
	Stores    Stores
	Cache     gateway.Cache
	Scheduler gateway.Scheduler
	Registry  gateway.Registry
	Workers   Workers
	Tokens    *auth.Tokens
	Logger    *slog.Logger
	// Background is the server's lifetime context.
	Background context.Context
	// Mailer sends account mail (verification, password reset); nil when SMTP is not configured.
	Mailer Mailer
	// URLGuard checks where a webhook URL points when it is registered
	// (the SSRF guard deliveries dial through); nil checks nothing.
	URLGuard URLGuard
	// Media fetches media given by URL that the send path must convert
	// before storing the message (a voice note, for AUDIO_CONVERTER),
	// through the same SSRF guard; nil leaves such media to the worker.
	Media MediaFetcher
	// Changes hears of every committed change of an instance and of a
	// session's live state, so caches of them drop their copy; nil: none.
	Changes Changes
}

// Changes is told what changed, after the commit. Its methods must not
// block (the API's caches forget in memory and publish in the background).
type Changes interface {
	// SessionChanged: the session as stored, or its live status (its
	// worker, its instance), changed.
	SessionChanged(sessionID string)
	// InstanceChanged: the instance's stored view changed.
	InstanceChanged(instanceID string)
	// PlanChanged: an admin created, edited or deleted the plan; this
	// service has dropped its cached plans, the other gateways' must go.
	PlanChanged(planID string)
}

// MediaFetcher fetches a customer's media URL, at most max bytes
// (ssrf.Fetcher). Errors are *gateway.Error: CodeValidation for a URL that
// may not or cannot be fetched, CodeTooLarge past max, CodeUnavailable when
// its server cannot be reached.
type MediaFetcher interface {
	Fetch(ctx context.Context, rawURL string, max int64) (data []byte, contentType string, err error)
}

// URLGuard is the part of the SSRF guard (ssrf.Guard) the use cases need:
// CheckURL answers an error wrapping ssrf.ErrBlocked when the URL's host
// resolves to an address deliveries may not reach.
type URLGuard interface {
	CheckURL(ctx context.Context, raw string) error
}

// New returns the use cases over deps.
func New(d Deps, cfg Settings) *Service {
	d.Logger = defaults.Logger(d.Logger)
	if d.Background == nil {
		d.Background = context.Background()
	}
	defaults.Positive(&cfg.LoginMaxAttempts, 5)
	defaults.Positive(&cfg.LoginLockout, 15*time.Minute)
	defaults.Positive(&cfg.LoginLockoutAddresses, 10)
	s := &Service{
		users: d.Stores.Users, apiKeys: d.Stores.APIKeys, sessions: d.Stores.Sessions, instances: d.Stores.Instances,
		messages: d.Stores.Messages, polls: d.Stores.Polls, receipts: d.Stores.Receipts, events: d.Stores.Events, webhooks: d.Stores.Webhooks,
		deliveries: d.Stores.Deliveries, saasStore: d.Stores.SaaS, accountOps: d.Stores.AccountOps, chats: d.Stores.Chats,
		labels: d.Stores.Labels,
		cache:  d.Cache, scheduler: d.Scheduler, registry: d.Registry, workers: d.Workers,
		tokens: d.Tokens, log: d.Logger, cfg: cfg, now: func() time.Time { return time.Now().UTC() }, bg: d.Background,
		guard: d.URLGuard, media: d.Media, changes: d.Changes,
	}
	s.sendable = livecache.New[sendTarget](cfg.SendCheckTTL)
	s.nudges = newNudger(s.callWorkerSend)
	s.sends = newSendBatcher(d.Background, d.Stores.SaaS)
	s.saas = newSaaSState(d.Mailer, cfg.PlanCacheTTL)
	return s
}

// sessionChanged tells Changes the session, or its live status, changed.
func (s *Service) sessionChanged(sessionID string) {
	s.sendable.Forget(sessionID)
	if s.changes != nil {
		s.changes.SessionChanged(sessionID)
	}
}

// instanceChanged tells Changes the instance changed, and with it its
// session's status (which answers from the live instance's worker).
func (s *Service) instanceChanged(inst *gateway.Instance) {
	s.sendable.Forget(inst.SessionID)
	if s.changes != nil {
		s.changes.InstanceChanged(inst.ID)
		s.changes.SessionChanged(inst.SessionID)
	}
}

// ForgetSession drops what this service keeps about a session's readiness
// to send; the API calls it for every sessions.changed notice, its own
// and the other gateways' and workers'.
func (s *Service) ForgetSession(sessionID string) { s.sendable.Forget(sessionID) }

// SessionNoticesLost stops keeping sessions' readiness to send: without
// change notices a change on another gateway would go unseen.
func (s *Service) SessionNoticesLost() { s.sendable.Off() }

// Wait blocks until background calls to workers have finished (shutdown).
func (s *Service) Wait() { s.nudges.wait() }

// Settings returns the configuration the service runs with.
func (s *Service) Settings() Settings { return s.cfg }

// Idempotency returns the store of idempotent requests' answers, for the
// HTTP layer's Idempotency-Key handling.
func (s *Service) Idempotency() gateway.SaaSStore { return s.saasStore }

// Scheduler returns the scheduler, for health checks.
func (s *Service) Scheduler() gateway.Scheduler { return s.scheduler }

// List is one page of a list with its pagination block.
type List[T any] struct {
	Items      []T
	Pagination Pagination
}

// Pagination is the seed's pagination block.
type Pagination struct {
	Page  int `json:"page" desc:"This page's number, from 1."`
	Limit int `json:"limit" desc:"Items per page."`
	Total int `json:"total" desc:"Items in the whole list."`
	Pages int `json:"pages" desc:"Pages in the whole list."`
}

func newList[T any](items []T, total int, p gateway.Page) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Pagination: Pagination{Page: p.Page, Limit: p.Limit, Total: total, Pages: p.Pages(total)}}
}
