// Package vault is the cluster shape's gateway.Secrets: the JWT signing
// key, the webhook signing secret and the internal secret read from a KV v2
// path of Vault (or OpenBao, same API), with token or AppRole login, the
// token kept renewed, and the values re-read periodically so a rotation
// needs no restart. A JWT key that was rotated out stays accepted for the
// token lifetime, found from the KV version history, so every gateway
// replica agrees, restarts included.
package vault

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"

	"github.com/whatsapp-saas/gateway/internal/backoff"
	"github.com/whatsapp-saas/gateway/internal/defaults"
	"github.com/whatsapp-saas/gateway/internal/gateway"
	"github.com/whatsapp-saas/gateway/internal/secrets"
)

// Keys of the KV secret.
const (
	KeyJWT         = "jwt_secret"
	KeyJWTPrevious = "jwt_previous_secret" // optional: accepted too
	KeyWebhook     = "webhook_secret"
	KeyInternal    = "internal_secret"
)

// Config is what Secrets are built from.
type Config struct {
	// Client talks to Vault; nil builds one from the standard environment
	// (VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT, …).
	Client *api.Client
	// Mount is the KV v2 mount (default "secret"), Path the secret in it
	// (default "whatsapp-gateway").
	Mount, Path string
	// Token logs in with a token (default: the client's, VAULT_TOKEN).
	Token string
	// RoleID with SecretID (or SecretIDFile) logs in with AppRole at
	// AppRoleMount (default "approle") instead.
	RoleID, SecretID, SecretIDFile, AppRoleMount string
	// Refresh is how often the values are re-read (default 1 min).
	Refresh time.Duration
	// TokenLifetime is the JWT lifetime: a rotated-out key stays accepted
	// this long after its replacement appeared (plus Refresh).
	TokenLifetime time.Duration
	Logger        *slog.Logger
	Now           func() time.Time
}

// Secrets is a gateway.Secrets over Vault KV v2.
type Secrets struct {
	cfg Config
	log *slog.Logger
	kv  *api.KVv2

	mu       sync.RWMutex
	current  gateway.Key
	accepted []gateway.Key
	webhook  []byte
	internal []byte
	version  int
	loaded   bool
	history  map[int]pastKey // by KV version (a version's data never changes; it can only go)
	metaOnce sync.Once       // the metadata-unreadable warning

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ gateway.Secrets = (*Secrets)(nil)

// pastKey is an older KV version's JWT key and when that version appeared.
type pastKey struct {
	key     string
	created time.Time
}

// New logs in, reads the secrets once (failing when they are unreadable,
// so a misconfigured gateway does not start) and keeps the token renewed
// and the values fresh until Close.
func New(ctx context.Context, cfg Config) (*Secrets, error) {
	if cfg.Client == nil {
		c, err := api.NewClient(api.DefaultConfig())
		if err != nil {
			return nil, fmt.Errorf("vault client: %w", err)
		}
		cfg.Client = c
	}
	cfg.Mount = cmp.Or(cfg.Mount, "secret")
	cfg.Path = cmp.Or(cfg.Path, "whatsapp-gateway")
	cfg.AppRoleMount = cmp.Or(cfg.AppRoleMount, "approle")
	defaults.Positive(&cfg.Refresh, time.Minute)
	defaults.Positive(&cfg.TokenLifetime, 7*24*time.Hour)
	cfg.Logger = defaults.Logger(cfg.Logger)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Secrets{cfg: cfg, log: cfg.Logger.With("secrets", "vault", "path", cfg.Mount+"/"+cfg.Path),
		kv: cfg.Client.KVv2(cfg.Mount), history: map[int]pastKey{}}
	login, err := s.login(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Go(func() { s.renew(bg, login) })
	s.wg.Go(func() { s.refreshLoop(bg) })
	return s, nil
}

// Close stops renewing and refreshing.
func (s *Secrets) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	return nil
}

// login authenticates and returns the secret to renew (nil when the token
// cannot be renewed, such as a root token).
func (s *Secrets) login(ctx context.Context) (*api.Secret, error) {
	c := s.cfg.Client
	if s.cfg.RoleID != "" {
		sid := &approle.SecretID{FromString: s.cfg.SecretID}
		if s.cfg.SecretIDFile != "" {
			sid = &approle.SecretID{FromFile: s.cfg.SecretIDFile}
		}
		auth, err := approle.NewAppRoleAuth(s.cfg.RoleID, sid, approle.WithMountPath(s.cfg.AppRoleMount))
		if err != nil {
			return nil, gateway.WrapError(err, gateway.CodeInternal, "The Vault AppRole login is misconfigured.")
		}
		sec, err := c.Auth().Login(ctx, auth)
		if err != nil {
			return nil, translate(err, "AppRole login")
		}
		s.log.Info("logged in to vault with approle", "lease", time.Duration(sec.Auth.LeaseDuration)*time.Second)
		return sec, nil
	}
	if s.cfg.Token != "" {
		c.SetToken(s.cfg.Token)
	}
	if c.Token() == "" {
		return nil, gateway.Errorf(gateway.CodeUnavailable, "No Vault credentials: set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID.")
	}
	self, err := c.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return nil, translate(err, "token lookup")
	}
	renewable, _ := self.TokenIsRenewable()
	ttl, _ := self.TokenTTL()
	if !renewable || ttl <= 0 {
		return nil, nil // a root or periodic-less token: nothing to renew
	}
	return &api.Secret{Auth: &api.SecretAuth{ClientToken: c.Token(), Renewable: true, LeaseDuration: int(ttl.Seconds())}}, nil
}

// renew keeps the token alive; when it can no longer be renewed (max TTL)
// it logs in again with AppRole, or reports the token's end.
func (s *Secrets) renew(ctx context.Context, sec *api.Secret) {
	failures := 0
	for ctx.Err() == nil {
		if sec == nil {
			return
		}
		w, err := s.cfg.Client.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: sec})
		if err != nil {
			s.log.Error("vault token watcher", "error", err)
			return
		}
		go w.Start()
		done := false
		for !done {
			select {
			case <-ctx.Done():
				w.Stop()
				return
			case r := <-w.RenewCh():
				failures = 0
				s.log.Debug("vault token renewed", "at", r.RenewedAt)
			case err := <-w.DoneCh():
				w.Stop()
				done = true
				if err != nil {
					s.log.Warn("vault token renewal stopped", "error", err)
				}
			}
		}
		if s.cfg.RoleID == "" {
			s.log.Error("the vault token can no longer be renewed; give the gateway a new VAULT_TOKEN or use AppRole")
			return
		}
		for ctx.Err() == nil {
			sec, err = s.login(ctx)
			if err == nil {
				break
			}
			failures++
			s.log.Error("vault login again", "error", err, "failures", failures)
			backoff.Sleep(ctx, backoff.Jittered(time.Second, 30*time.Second, failures))
		}
	}
}

func (s *Secrets) refreshLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("vault refresh failed; keeping the last values", "error", err)
		}
	}
}

// Refresh reads the secrets now. On failure the last values stay in use.
func (s *Secrets) Refresh(ctx context.Context) error {
	sec, err := s.kv.Get(ctx, s.cfg.Path)
	if err != nil {
		return translate(err, "read "+s.cfg.Mount+"/"+s.cfg.Path)
	}
	if sec.Data == nil && sec.VersionMetadata != nil {
		return gateway.Errorf(gateway.CodeUnavailable, "The latest version of the Vault secret %s/%s is deleted; undelete it or write a new version.", s.cfg.Mount, s.cfg.Path)
	}
	jwt := str(sec.Data, KeyJWT)
	if jwt == "" {
		return gateway.Errorf(gateway.CodeUnavailable, "The Vault secret %s/%s has no %s.", s.cfg.Mount, s.cfg.Path, KeyJWT)
	}
	ver, created := 0, time.Time{}
	if sec.VersionMetadata != nil {
		ver, created = sec.VersionMetadata.Version, sec.VersionMetadata.CreatedTime
	}
	current := gateway.Key{ID: secrets.KeyID([]byte(jwt)), Secret: []byte(jwt)}
	accepted := []gateway.Key{current}
	add := func(v string) {
		if v == "" || slices.ContainsFunc(accepted, func(k gateway.Key) bool { return string(k.Secret) == v }) {
			return
		}
		accepted = append(accepted, gateway.Key{ID: secrets.KeyID([]byte(v)), Secret: []byte(v)})
	}
	add(str(sec.Data, KeyJWTPrevious))
	s.previousKeys(ctx, ver, created, add)

	s.mu.Lock()
	changed := s.loaded && s.version != ver
	s.current, s.accepted, s.version, s.loaded = current, accepted, ver, true
	s.webhook, s.internal = []byte(str(sec.Data, KeyWebhook)), []byte(str(sec.Data, KeyInternal))
	s.mu.Unlock()
	if changed {
		s.log.Info("secrets rotated", "version", ver, "accepted_jwt_keys", len(accepted))
	}
	return nil
}

// previousKeys walks older KV versions and accepts each JWT key whose
// successor appeared less than a token lifetime (plus one refresh, the
// time a replica may keep signing with it) ago. A version deleted or
// destroyed in Vault is not accepted (that is how an operator revokes a
// leaked key), by running replicas as by new ones: the secret's metadata
// is read on every refresh, and keys cached from earlier reads are dropped
// when their version goes. Older versions are still judged by their own
// successor's time. An unreadable version ends the walk.
func (s *Secrets) previousKeys(ctx context.Context, ver int, created time.Time, add func(string)) {
	window := s.cfg.TokenLifetime + s.cfg.Refresh
	var gone func(v int) (bool, time.Time) // read once, when a version is in the window
	newer := created
	for v := ver - 1; v >= 1 && v >= ver-10; v-- {
		if newer.IsZero() || s.cfg.Now().Sub(newer) > window {
			return
		}
		if gone == nil {
			gone = s.goneVersions(ctx)
		}
		if deleted, at := gone(v); deleted {
			s.mu.Lock()
			delete(s.history, v)
			s.mu.Unlock()
			newer = at
			continue
		}
		s.mu.RLock()
		past, ok := s.history[v]
		s.mu.RUnlock()
		if !ok {
			old, err := s.kv.GetVersion(ctx, s.cfg.Path, v)
			if err != nil || old == nil || old.VersionMetadata == nil {
				return // unreadable: the walk cannot tell how old the rest is
			}
			if old.Data == nil { // deleted or destroyed since the metadata was read
				newer = old.VersionMetadata.CreatedTime
				continue
			}
			past = pastKey{key: str(old.Data, KeyJWT), created: old.VersionMetadata.CreatedTime}
			s.mu.Lock()
			s.history[v] = past
			s.mu.Unlock()
		}
		add(past.key)
		newer = past.created
	}
}

// goneVersions reads the secret's metadata and tells, per version, whether
// it is deleted (now or earlier) or destroyed, with its creation time.
// Without the metadata (a policy without read on it) it knows of no
// deletion, and says so once in the log.
func (s *Secrets) goneVersions(ctx context.Context) func(v int) (bool, time.Time) {
	meta, err := s.kv.GetMetadata(ctx, s.cfg.Path)
	if err != nil || meta == nil {
		s.metaOnce.Do(func() {
			s.log.Warn("vault secret metadata unreadable: deleted key versions are noticed only by new replicas (grant read on the metadata path)", "error", err)
		})
		return func(int) (bool, time.Time) { return false, time.Time{} }
	}
	now := s.cfg.Now()
	return func(v int) (bool, time.Time) {
		vm, ok := meta.Versions[strconv.Itoa(v)]
		if !ok {
			return false, time.Time{}
		}
		return vm.Destroyed || (!vm.DeletionTime.IsZero() && !vm.DeletionTime.After(now)), vm.CreatedTime
	}
}

// JWTKeys returns the signing key and every accepted key (current first).
func (s *Secrets) JWTKeys(context.Context) (gateway.Key, []gateway.Key, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.loaded {
		return gateway.Key{}, nil, gateway.Errorf(gateway.CodeUnavailable, "The signing keys have not been read from Vault yet.")
	}
	out := make([]gateway.Key, len(s.accepted))
	for i, k := range s.accepted {
		out[i] = gateway.Key{ID: k.ID, Secret: slices.Clone(k.Secret)}
	}
	return gateway.Key{ID: s.current.ID, Secret: slices.Clone(s.current.Secret)}, out, nil
}

// WebhookSecret returns the webhook signing secret.
func (s *Secrets) WebhookSecret(context.Context) ([]byte, error) {
	return s.value(s.webhookLocked, KeyWebhook)
}

// InternalSecret returns the instance API secret.
func (s *Secrets) InternalSecret(context.Context) ([]byte, error) {
	return s.value(s.internalLocked, KeyInternal)
}

func (s *Secrets) webhookLocked() []byte  { return s.webhook }
func (s *Secrets) internalLocked() []byte { return s.internal }

func (s *Secrets) value(get func() []byte, key string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := get()
	if len(v) == 0 {
		return nil, gateway.Errorf(gateway.CodeUnavailable, "The Vault secret %s/%s has no %s.", s.cfg.Mount, s.cfg.Path, key)
	}
	return slices.Clone(v), nil
}

// Ping checks that the secrets were read (health): the last value is
// what the gateway signs with, so a Vault outage alone is not critical.
func (s *Secrets) Ping(ctx context.Context) error {
	_, _, err := s.JWTKeys(ctx)
	return err
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return strings.TrimSpace(v)
}

func translate(err error, what string) error {
	var re *api.ResponseError
	switch {
	case errors.Is(err, api.ErrSecretNotFound):
		return gateway.WrapError(err, gateway.CodeUnavailable, "The gateway's secrets are missing in Vault ("+what+"); run scripts/bootstrap.sh.")
	case errors.As(err, &re) && (re.StatusCode == http.StatusForbidden || re.StatusCode == http.StatusBadRequest):
		return gateway.WrapError(err, gateway.CodeUnavailable, "Vault refused the gateway's credentials ("+what+").")
	}
	return gateway.WrapError(err, gateway.CodeUnavailable, "Vault cannot be reached ("+what+").")
}
