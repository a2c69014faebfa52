package service

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/whatsapp-saas/gateway/internal/auth"
	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// API key scopes.
const (
	ScopeAll  = "*"
	ScopeRead = "read"
	ScopeSend = "send"
)

// CreateAPIKeyInput names a new key and what it may do.
type CreateAPIKeyInput struct {
	Name      string
	Scopes    []string
	SessionID string
	ExpiresAt *time.Time
}

// CreateAPIKey creates a key; the key itself is in the answer, once.
func (s *Service) CreateAPIKey(ctx context.Context, u *gateway.User, in CreateAPIKeyInput) (*gateway.APIKey, error) {
	if !s.cfg.EnableAPIKeys {
		return nil, gateway.Errorf(gateway.CodeFeatureDisabled, "API keys are disabled on this server.")
	}
	fields := map[string]string{}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = "API key"
	}
	if utf8.RuneCountInString(name) > 100 {
		fields["name"] = "The name must be at most 100 characters."
	}
	scopes := in.Scopes
	if len(scopes) == 0 {
		scopes = []string{ScopeAll}
	}
	for _, sc := range scopes {
		if sc != ScopeAll && sc != ScopeRead && sc != ScopeSend {
			fields["scopes"] = "Unknown scope " + quote(sc) + "; use *, read or send."
		}
	}
	if in.SessionID != "" {
		if _, err := uuid.Parse(in.SessionID); err != nil {
			fields["session_id"] = "The session id must be a UUID."
		}
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		fields["expires_at"] = "The expiry must be in the future."
	}
	if len(fields) > 0 {
		return nil, gateway.ValidationError(fields)
	}
	if err := s.sessionFilter(ctx, u.ID, in.SessionID); err != nil {
		return nil, err
	}
	plan, err := s.PlanOf(ctx, u)
	if err != nil {
		return nil, err
	}
	n, err := s.apiKeys.CountAPIKeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if err := quota(plan, "API keys", plan.Limits.APIKeys, n); err != nil {
		return nil, err
	}
	key, prefix, hash := auth.NewAPIKey()
	k := &gateway.APIKey{
		ID: uuid.NewString(), UserID: u.ID, Name: name, Prefix: prefix, Hash: hash, Scopes: slices.Compact(slices.Sorted(slices.Values(scopes))),
		SessionID: in.SessionID, ExpiresAt: in.ExpiresAt, CreatedAt: s.now(),
	}
	if err := s.apiKeys.CreateAPIKeyWithin(ctx, k, plan.Limits.APIKeys); err != nil {
		return nil, capped(err, plan, "API keys", plan.Limits.APIKeys)
	}
	k.Key = key
	s.log.Info("api key created", "user_id", u.ID, "api_key_id", k.ID)
	return k, nil
}

// ListAPIKeys lists the caller's keys (never the keys themselves).
func (s *Service) ListAPIKeys(ctx context.Context, userID string, p gateway.Page) (List[*gateway.APIKey], error) {
	if !s.cfg.EnableAPIKeys {
		return List[*gateway.APIKey]{}, gateway.Errorf(gateway.CodeFeatureDisabled, "API keys are disabled on this server.")
	}
	p = p.Normalize()
	items, total, err := s.apiKeys.ListAPIKeys(ctx, userID, p)
	if err != nil {
		return List[*gateway.APIKey]{}, err
	}
	return newList(items, total, p), nil
}

// RevokeAPIKey revokes one of the caller's keys at once.
func (s *Service) RevokeAPIKey(ctx context.Context, userID, id string) error {
	err := s.apiKeys.RevokeAPIKey(ctx, userID, id, s.now())
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return gateway.NotFound("API key")
	}
	if err == nil {
		_ = s.cache.Delete(ctx, "apikey:"+id)
	}
	return err
}

// APIKeyLookup is where AuthenticateAPIKey finds a key and its owner: the
// store when a field is nil; the API puts its caches in front of it. The
// checks (revocation, expiry, suspension) are made on what the lookup
// answers, on every call.
type APIKeyLookup struct {
	// Key returns the key with that hash (CodeNotFound when absent).
	Key func(ctx context.Context, hash string) (*gateway.APIKey, error)
	// User returns the key's owner as Service.User does (refusing a
	// suspended or deleted account).
	User func(ctx context.Context, id string) (*gateway.User, error)
	// Touched, when set, learns that the key's last use was recorded at at,
	// so a cached copy does not record it again on every request.
	Touched func(k *gateway.APIKey, at time.Time)
}

// AuthenticateAPIKey returns the key and its user. Every refusal is the
// same CodeUnauthorized sentence, so a caller cannot tell a revoked key from
// a wrong one.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (*gateway.APIKey, *gateway.User, error) {
	return s.authenticateAPIKey(ctx, key, APIKeyLookup{})
}

func (s *Service) authenticateAPIKey(ctx context.Context, key string, look APIKeyLookup) (*gateway.APIKey, *gateway.User, error) {
	if look.Key == nil {
		look.Key = s.apiKeys.APIKeyByHash
	}
	if look.User == nil {
		look.User = s.User
	}
	refuse := gateway.Errorf(gateway.CodeUnauthorized, "The API key is invalid, revoked or expired.")
	if !s.cfg.EnableAPIKeys {
		return nil, nil, gateway.Errorf(gateway.CodeUnauthorized, "API keys are disabled on this server; use a bearer token.")
	}
	if !auth.WellFormedAPIKey(key) {
		return nil, nil, refuse
	}
	k, err := look.Key(ctx, auth.HashAPIKey(key))
	if gateway.IsCode(err, gateway.CodeNotFound) {
		return nil, nil, refuse
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if k.RevokedAt != nil || (k.ExpiresAt != nil && !k.ExpiresAt.After(now)) {
		return nil, nil, refuse
	}
	u, err := look.User(ctx, k.UserID)
	if err != nil {
		return nil, nil, err
	}
	// Record the last use at most once a minute per key: a write per request
	// would make every read a write.
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if err := s.apiKeys.TouchAPIKey(ctx, k.ID, now); err != nil {
			s.log.Warn("touch api key", "api_key_id", k.ID, "err", err)
		} else if look.Touched != nil {
			look.Touched(k, now)
		}
	}
	return k, u, nil
}

// KeyAllows reports whether a key's scopes allow a kind of call ("read" or
// "send"); a nil key (a JWT) allows everything.
func KeyAllows(k *gateway.APIKey, need string) bool {
	if k == nil {
		return true
	}
	return slices.Contains(k.Scopes, ScopeAll) || slices.Contains(k.Scopes, need)
}

// APIKeyByHash returns the key with that hash, revoked or not (CodeNotFound
// when absent): what AuthenticateAPIKey reads, for a cache in front of it.
func (s *Service) APIKeyByHash(ctx context.Context, hash string) (*gateway.APIKey, error) {
	return s.apiKeys.APIKeyByHash(ctx, hash)
}
